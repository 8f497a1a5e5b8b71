// The sub-type list offers only the chosen category's sub-types. Without this script the list
// shows every sub-type grouped by category, and a wrong pair is refused next to the field.
(function () {
  "use strict";

  function narrow(category, subtypes, all) {
    var chosen = subtypes.value;
    var none = all.querySelector("option:not([data-category])");
    subtypes.replaceChildren(none.cloneNode(true));
    all.querySelectorAll("optgroup").forEach(function (group) {
      var mine = group.querySelectorAll('option[data-category="' + category.value + '"]');
      if (mine.length) {
        subtypes.appendChild(group.cloneNode(true));
      }
    });
    var kept = Array.prototype.some.call(subtypes.options, function (o) {
      return o.value === chosen;
    });
    subtypes.value = kept ? chosen : "";
  }

  function setUp() {
    document.querySelectorAll("select[data-subtypes]").forEach(function (category) {
      var subtypes = document.getElementById(category.dataset.subtypes);
      if (!subtypes) return;
      var all = subtypes.cloneNode(true);
      category.addEventListener("change", function () {
        narrow(category, subtypes, all);
      });
      narrow(category, subtypes, all);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
