// While a profile waits for its evaluation, poll its status and reload when it
// changes. Without JavaScript the page refreshes itself (see the <noscript>).
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var status = box.getAttribute("data-status");
  var started = Date.now();
  function poll() {
    if (Date.now() - started > 10 * 60 * 1000) return;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.status !== status) { window.location.reload(); }
        else { window.setTimeout(poll, 300); }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 200);
})();
