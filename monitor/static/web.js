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

  // A team with thousands of sources types a source's name: its names are fetched once, when the
  // field is first used, and offered as suggestions (without script the field takes a typed name).
  var sourceField = document.querySelector("input[data-names]");
  var names = document.getElementById("f-source-names");
  if (sourceField && names && window.fetch) {
    var fill = function () {
      sourceField.removeEventListener("focus", fill);
      fetch(sourceField.getAttribute("data-names"), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (list) {
          var options = document.createDocumentFragment();
          list.forEach(function (name) {
            var option = document.createElement("option");
            option.value = name;
            options.appendChild(option);
          });
          names.appendChild(options);
        })
        .catch(function () { /* the field still takes a typed name */ });
    };
    sourceField.addEventListener("focus", fill);
  }

  // A title that leads to the source counts as opened: tell the archive (without script, the row's
  // "mark as seen" button does it) and show the row as seen at once.
  var list = document.querySelector("ol.item-list[data-csrf]");
  if (list && navigator.sendBeacon && window.FormData) {
    var opened = function (event) {
      var link = event.target && event.target.closest ? event.target.closest("a[data-seen]") : null;
      if (!link || (event.type === "auxclick" && event.button !== 1)) { return; }
      var body = new FormData();
      body.append("csrf_token", list.getAttribute("data-csrf"));
      navigator.sendBeacon(link.getAttribute("data-seen"), body);
      var row = link.closest("ul.reports li") || link.closest(".item-row");
      if (row) { row.classList.add("is-seen"); }
    };
    list.addEventListener("click", opened);
    list.addEventListener("auxclick", opened);
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
