// Live updates for the newsflow web view: listens to /api/events (server-sent events) and, when a
// change concerns the open page, fetches the page again and swaps its <main> in place. The pages
// work without this script; the fetched HTML is parsed inertly (DOMParser runs no scripts).
(function () {
  "use strict";
  var scope = document.body.getAttribute("data-live") || "";
  var status = document.getElementById("live-status");
  if (!window.EventSource || !scope || scope === "none") return;
  var pending = null;
  var updates = 0;

  function relevant(c) {
    if (scope === "stories") return c.kind === "story";
    if (scope === "feeds") return c.kind === "feed";
    if (scope.indexOf("story:") === 0) {
      var id = scope.slice(6);
      return c.story_id === id || (c.kind === "story" && c.id === id);
    }
    if (scope.indexOf("article:") === 0) return c.kind === "article" && c.id === scope.slice(8);
    return false;
  }

  function refresh() {
    pending = null;
    fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("main");
        var cur = document.getElementById("main");
        if (fresh && cur) {
          cur.replaceWith(document.importNode(fresh, true));
          updates += 1;
          document.body.setAttribute("data-updates", String(updates));
          if (status) status.textContent = "live · " + updates + " update" + (updates === 1 ? "" : "s");
        }
      })
      .catch(function () {});
  }

  function schedule() {
    if (!pending) pending = setTimeout(refresh, 250);
  }

  var es = new EventSource("/api/events");
  var lost = false;
  es.onopen = function () {
    document.body.setAttribute("data-live-connected", "true");
    if (status && !updates) status.textContent = "live";
    // Changes made while the stream was down were missed: fetch the page once.
    if (lost) { lost = false; schedule(); }
  };
  es.onerror = function () {
    lost = true;
    if (status) status.textContent = "reconnecting…";
  };
  es.onmessage = function (e) {
    var c;
    try { c = JSON.parse(e.data); } catch (_) { return; }
    if (relevant(c)) schedule();
  };
  es.addEventListener("resync", schedule);
})();
