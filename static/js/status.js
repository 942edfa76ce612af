// While a profile waits for a decision, poll its status and reload the page when
// it changes: often while the evaluation runs (well under a second), then less
// and less (a reviewer may take days). Without JavaScript, a page pending review
// refreshes itself (see the <noscript> in the page).
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-status-url");
  var status = box.getAttribute("data-status");
  var revision = box.getAttribute("data-revision");
  var first = 300, longest = 5000, giveUpAfter = 60 * 60 * 1000;
  var delay = first, started = Date.now(), timer = null;

  function schedule(ms) {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, ms);
  }

  function changed(data) {
    return data && (data.status !== status || String(data.revision) !== revision);
  }

  function poll() {
    // A hidden tab waits; it polls again as soon as it is shown.
    if (document.hidden || Date.now() - started > giveUpAfter) return;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (changed(data)) {
          window.location.reload();
          return;
        }
        delay = Math.min(delay * 1.5, longest);
        schedule(delay);
      })
      .catch(function () { schedule(longest); });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      delay = first;
      schedule(0);
    }
  });
  schedule(first);
})();
