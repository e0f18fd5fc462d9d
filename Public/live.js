// Live updates (issue 8), progressive enhancement: the page works fully without this script.
// A thread page's follow partial carries data-live-stream="/t/ID/live"; new replies arrive as
// server-rendered HTML (already escaped by the server's templates) and are appended to the list
// of posts. The header's unread count follows /notifications/live when the count badge exists.
(function () {
  "use strict";
  if (!("EventSource" in window)) { return; }

  var hook = document.querySelector("[data-live-stream]");
  var posts = document.querySelector("ol.posts");
  if (hook && posts) {
    var source = new EventSource(hook.getAttribute("data-live-stream"));
    source.addEventListener("reply", function (event) {
      if (document.getElementById("post-" + event.lastEventId)) { return; }
      var template = document.createElement("template");
      template.innerHTML = event.data;  // trusted: rendered by our own templates, user text escaped
      posts.appendChild(template.content);
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
