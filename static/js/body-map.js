// Clickable SVG body map. The checkboxes stay the source of truth: a region
// click (or Enter/Space on a focused region) toggles its checkbox, and the
// map redraws from the checkboxes, so nothing depends on this script.
(function () {
  "use strict";

  function init(root) {
    // Pages can load this script twice (widget media plus the base layout).
    if (root.dataset.bodyMapReady) return;
    root.dataset.bodyMapReady = "1";
    var boxes = Array.prototype.slice.call(root.querySelectorAll('input[type="checkbox"]'));
    var regions = Array.prototype.slice.call(root.querySelectorAll("[data-region]"));
    var summary = root.querySelector("[data-body-map-summary]");

    function boxFor(code) {
      for (var i = 0; i < boxes.length; i++) {
        if (boxes[i].value === code) return boxes[i];
      }
      return null;
    }

    function redraw() {
      regions.forEach(function (region) {
        var box = boxFor(region.dataset.region);
        var on = !!(box && box.checked);
        region.setAttribute("aria-pressed", on ? "true" : "false");
        region.classList.toggle("is-marked", on);
      });
      if (summary) {
        var marked = boxes.filter(function (b) { return b.checked; }).map(function (b) {
          var label = root.querySelector('label[for="' + b.id + '"]');
          return label ? label.textContent.trim() : b.value;
        });
        summary.textContent = marked.length ? "Marked: " + marked.join(", ") : "Nothing marked yet.";
      }
    }

    function toggle(region) {
      var box = boxFor(region.dataset.region);
      if (!box) return;
      box.checked = !box.checked;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    }

    regions.forEach(function (region) {
      region.addEventListener("click", function () { toggle(region); });
      region.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          toggle(region);
        }
      });
    });
    root.addEventListener("change", redraw);
    // Without this script the list is the way to mark regions, so it starts
    // open; with the clickable map it folds away (still one tap to open).
    var list = root.querySelector("[data-body-map-list]");
    if (list) list.open = false;
    redraw();
  }

  function initWithin(element) {
    if (element.matches && element.matches("[data-body-map]")) init(element);
    if (element.querySelectorAll) element.querySelectorAll("[data-body-map]").forEach(init);
  }

  initWithin(document);
  // Maps inside content swapped in by htmx (e.g. a new technique row).
  document.addEventListener("htmx:load", function (event) { initWithin(event.target); });
})();
