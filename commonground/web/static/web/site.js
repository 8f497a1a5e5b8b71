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

  // Work that runs in the background (an import being checked): its status block names the URL
  // of its fresh self in data-poll. The page reloads once the work is done; without JavaScript a
  // link does the same.
  function poll(el) {
    setTimeout(function () {
      fetch(el.dataset.poll, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").body.firstElementChild;
          if (!fresh || !fresh.dataset.poll) { window.location.reload(); return; }
          el.replaceWith(fresh);
          poll(fresh);
        })
        .catch(function () { poll(el); });
    }, 2000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll]").forEach(poll);
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

    // Copy buttons (the tracking code): hidden without JavaScript or a clipboard; the result is
    // announced through the page's live region, in the page's language (data-copied).
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) { return; }
      var source = document.getElementById(button.dataset.copy);
      var status = button.closest("div, section, main").querySelector("[data-copy-status]");
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          if (status) {
            status.textContent = "";
            setTimeout(function () { status.textContent = button.dataset.copied; }, 50);
          }
          button.textContent = button.dataset.copied;
        });
      });
    });

    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
