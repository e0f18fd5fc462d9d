// Live updates (issue 8), progressive enhancement: the page works fully without this script.
// A thread page's follow partial carries data-live-stream="/t/ID/live"; new replies arrive as
// server-rendered HTML (already escaped by the server's templates) and take their place in the
// list of posts by id, as a reload orders them: a new reply goes at the end, a reply approved
// from the queue (older than replies already shown) before the first newer one. One older than
// every post listed belongs to an earlier page and is left to it. The header's unread count
// follows /notifications/live when the count badge exists.
(function () {
  "use strict";
  if (!("EventSource" in window)) { return; }

  var hook = document.querySelector("[data-live-stream]");
  var posts = document.querySelector("ol.posts");
  if (hook && posts) {
    var source = new EventSource(hook.getAttribute("data-live-stream"));
    source.addEventListener("reply", function (event) {
      if (document.getElementById("post-" + event.lastEventId)) { return; }
      var id = parseInt(event.lastEventId, 10);
      var next = null;
      var listed = posts.querySelectorAll(":scope > li[id^='post-']");
      for (var i = 0; i < listed.length; i++) {
        if (parseInt(listed[i].id.slice(5), 10) > id) { next = listed[i]; break; }
      }
      if (next && next === listed[0]) { return; }
      var template = document.createElement("template");
      template.innerHTML = event.data;  // trusted: rendered by our own templates, user text escaped
      posts.insertBefore(template.content, next);
    });
  }

  var nav = document.querySelector('a[href="/notifications"]');
  if (nav && document.querySelector(".site-nav__form")) {
    var unread = new EventSource("/notifications/live");
    unread.addEventListener("unread", function (event) {
      var count = parseInt(event.data, 10) || 0;
      var badge = document.getElementById("unread-count");
      if (count === 0) { if (badge) { badge.remove(); } return; }
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "badge";
        badge.id = "unread-count";
        nav.appendChild(document.createTextNode(" "));
        nav.appendChild(badge);
      }
      badge.textContent = String(count) + " ";
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = "unread";
      badge.appendChild(hidden);
    });
  }
})();
