// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 59.99rem)");
  var panel = document.querySelector("details.filters-panel");
  if (panel && narrow.matches) { panel.open = false; }

  // Picking a preset period clears a typed start date (the date field would win otherwise).
  var since = document.getElementById("f-since");
  var from = document.getElementById("f-from");
  if (since && from) {
    since.addEventListener("change", function () { from.value = ""; });
  }

  // "/" jumps to the search box, as in many archives.
  var search = document.getElementById("f-q");
  document.addEventListener("keydown", function (event) {
    if (!search || event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var tag = (document.activeElement && document.activeElement.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") { return; }
    event.preventDefault();
    search.focus();
  });
}());
