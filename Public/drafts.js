// Drafts kept as the member types (issue 18 item 13), progressive enhancement: without this
// script a draft is kept when the form is previewed or refused, as before. A form marked
// data-draft-thread (a thread id, or empty for a new thread) sends its title, body and topics to
// POST /drafts, with the form's CSRF token, a few seconds after they change, and says when the
// draft was saved under the text box.
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-thread]");
  if (!form || !window.fetch || !window.URLSearchParams) { return; }
  var body = form.querySelector("textarea[name=body]");
  var title = form.querySelector("input[name=title]");
  var csrf = form.querySelector("input[name=csrf]");
  if (!body || !csrf) { return; }

  var status = document.createElement("p");
  status.className = "hint draft-status";
  status.id = "draft-status";
  status.setAttribute("aria-live", "polite");
  body.parentNode.appendChild(status);

  // A new thread's topics are kept with its draft too.
  function topics() {
    return Array.prototype.map.call(form.querySelectorAll("input[name=topics]:checked"), function (box) { return box.value; });
  }
  // And its private space and briefing item (migration 25).
  function space() {
    var chosen = form.querySelector("input[name=space]:checked");
    return chosen ? chosen.value : "";
  }
  var briefing = form.querySelector("input[name=briefing]");
  function current() {
    return (title ? title.value : "") + "\u0000" + body.value + "\u0000" + topics().join(",") + "\u0000" + space();
  }
  var saved = current();
  var sending = false;
  var submitting = false;
  var waitingSubmitter = null;
  // A save still on its way when the form is sent could land after the post and bring the
  // draft back: the form waits for it, then is sent with the same button.
  form.addEventListener("submit", function (event) {
    if (sending && form.requestSubmit) {
      event.preventDefault();
      waitingSubmitter = event.submitter || null;
      return;
    }
    submitting = true;
  });
  function resumeSubmit() {
    if (waitingSubmitter === null) { return; }
    var submitter = waitingSubmitter;
    waitingSubmitter = null;
    submitting = true;
    form.requestSubmit(submitter);
  }

  function save() {
    var now = current();
    if (sending || submitting || now === saved) { return; }
    sending = true;
    var fields = new URLSearchParams();
    fields.append("csrf", csrf.value);
    fields.append("thread", form.getAttribute("data-draft-thread"));
    if (title) { fields.append("title", title.value); }
    fields.append("body", body.value);
    topics().forEach(function (slug) { fields.append("topics", slug); });
    if (space()) { fields.append("space", space()); }
    if (briefing) { fields.append("briefing", briefing.value); }
    fetch("/drafts", { method: "POST", body: fields, credentials: "same-origin" }).then(function (response) {
      sending = false;
      resumeSubmit();
      if (response.ok) {
        saved = now;
        var time = new Date();
        var minutes = String(time.getMinutes()).padStart(2, "0");
        status.textContent = body.value === "" && (!title || title.value === "")
          ? "Draft removed."
          : "Draft saved at " + time.getHours() + ":" + minutes + ". Only you can see it.";
      } else {
        status.textContent = "Your draft could not be saved. Copy your text somewhere safe before you leave this page.";
      }
    }, function () {
      sending = false;
      resumeSubmit();
      status.textContent = "Your draft could not be saved. Check your connection.";
    });
  }
  window.setInterval(save, 3000);
})();
