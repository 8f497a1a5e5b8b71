// The clerk's intake form: Enter in the roster search searches instead of filing the report.
// Without JavaScript the server does the same (a search left in the box is searched, not filed).
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var input = event.target.closest && event.target.closest("[data-enter-presses]");
    if (!input || event.key !== "Enter") { return; }
    event.preventDefault();
    var button = document.getElementById(input.dataset.enterPresses);
    if (button) { button.click(); }
  });
})();
