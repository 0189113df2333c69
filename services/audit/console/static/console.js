// Live updates: the server announces each new ledger entry (Server-Sent Events); the page then fetches itself again
// and replaces its [data-live] regions, so what it shows follows the services without a reload.
(function () {
  "use strict";
  var after = document.body.getAttribute("data-live-after");
  if (after === null || !window.EventSource) { return; }
  var timers = [];

  function refresh() {
    fetch(window.location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live][id]").forEach(function (region) {
          var next = fresh.getElementById(region.id);
          if (next && next.innerHTML !== region.innerHTML) { region.innerHTML = next.innerHTML; }
        });
        document.body.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () { /* the next event tries again */ });
  }

  function soon() {
    // The services' own views may apply an event a moment after the ledger: look again shortly after.
    timers.forEach(clearTimeout);
    timers = [300, 1500, 4000, 8000, 15000].map(function (ms) { return setTimeout(refresh, ms); });
  }

  var source = new EventSource("/console/events?after=" + encodeURIComponent(after));
  source.addEventListener("ledger", soon);
})();
