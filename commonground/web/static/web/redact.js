// Draw the areas to black out on the photo; they are written into the form's text box as
// "left, top, width, height" in the photo's own pixels. Without this script, people type them.
(function () {
  "use strict";

  function boxesFrom(text) {
    return text.split("\n").map(function (line) {
      var n = line.split(/[;,]/).map(function (p) { return parseInt(p, 10); });
      return n.length === 4 && n.every(function (v) { return !isNaN(v); }) ? n : null;
    }).filter(Boolean);
  }

  function setUp(image, field) {
    var stage = document.createElement("div");
    stage.className = "redact-stage";
    image.parentNode.insertBefore(stage, image);
    stage.appendChild(image);
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    field.parentNode.appendChild(status);
    var hint = document.createElement("p");
    hint.className = "helptext";
    hint.textContent = field.dataset.drawHint || "";
    stage.parentNode.insertBefore(hint, stage.nextSibling);

    function scale() { return image.naturalWidth / image.clientWidth || 1; }

    function draw() {
      stage.querySelectorAll(".redact-box").forEach(function (b) { b.remove(); });
      var s = scale();
      boxesFrom(field.value).forEach(function (b) {
        var el = document.createElement("div");
        el.className = "redact-box";
        el.style.left = b[0] / s + "px";
        el.style.top = b[1] / s + "px";
        el.style.width = b[2] / s + "px";
        el.style.height = b[3] / s + "px";
        stage.appendChild(el);
      });
    }

    var start = null, live = null;
    function point(event) {
      var r = image.getBoundingClientRect();
      return {
        x: Math.max(0, Math.min(event.clientX - r.left, r.width)),
        y: Math.max(0, Math.min(event.clientY - r.top, r.height)),
      };
    }
    image.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      start = point(event);
      live = document.createElement("div");
      live.className = "redact-box";
      stage.appendChild(live);
      image.setPointerCapture(event.pointerId);
    });
    image.addEventListener("pointermove", function (event) {
      if (!start) { return; }
      var p = point(event);
      live.style.left = Math.min(p.x, start.x) + "px";
      live.style.top = Math.min(p.y, start.y) + "px";
      live.style.width = Math.abs(p.x - start.x) + "px";
      live.style.height = Math.abs(p.y - start.y) + "px";
    });
    image.addEventListener("pointerup", function (event) {
      if (!start) { return; }
      var p = point(event), s = scale();
      var box = [
        Math.round(Math.min(p.x, start.x) * s),
        Math.round(Math.min(p.y, start.y) * s),
        Math.round(Math.abs(p.x - start.x) * s),
        Math.round(Math.abs(p.y - start.y) * s),
      ];
      start = null;
      if (box[2] > 1 && box[3] > 1) {
        field.value = (field.value.trim() ? field.value.trim() + "\n" : "") + box.join(", ");
        status.textContent = (field.dataset.addedText || "") + " " + box.join(", ");
        var details = field.closest("details");
        if (details) { details.open = true; }
      }
      draw();
    });
    field.addEventListener("input", draw);
    window.addEventListener("resize", draw);
    if (image.complete) { draw(); } else { image.addEventListener("load", draw); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var image = document.querySelector("img.evidence-preview");
    var field = document.querySelector("textarea[name=redact-boxes]");
    if (image && field) { setUp(image, field); }
  });
})();
