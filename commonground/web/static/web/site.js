// Small enhancements; every page works without them.
(function () {
  "use strict";

  // Show or hide dependent questions: data-show-when="radioName:value", data-hide-when likewise.
  function radioValue(id) {
    var checked = document.querySelector('input[id^="' + id + '_"]:checked');
    return checked ? checked.value : "";
  }
  function applyConditions() {
    document.querySelectorAll("[data-show-when],[data-hide-when]").forEach(function (el) {
      var rule = el.dataset.showWhen || el.dataset.hideWhen;
      var parts = rule.split(":");
      var matches = radioValue(parts[0]) === parts[1];
      el.hidden = el.dataset.showWhen ? !matches : matches;
    });
  }

  // Live officer search: the form still works as a plain GET search without this.
  function liveSearch(input) {
    var target = document.getElementById(input.dataset.liveTarget);
    var timer;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch(input.dataset.liveSearch + "?q=" + encodeURIComponent(input.value), {
          headers: { "HX-Request": "true" },
          credentials: "same-origin",
        })
          .then(function (r) { return r.ok ? r.text() : ""; })
          .then(function (html) { target.innerHTML = html; });
      }, 250);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    applyConditions();
    document.addEventListener("change", applyConditions);
    document.querySelectorAll("[data-live-search]").forEach(liveSearch);

    // A second click while the first submission is on its way does nothing.
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.submitted) { event.preventDefault(); return; }
        form.dataset.submitted = "1";
      });
    });

    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });

    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
