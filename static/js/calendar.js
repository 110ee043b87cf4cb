// Calendar and booking pages. The CSP forbids style attributes, so therapist
// colours travel as data-colour and are applied here through the CSSOM.
(function () {
  "use strict";
  function paint(root) {
    root.querySelectorAll("[data-colour]").forEach(function (el) {
      var colour = el.getAttribute("data-colour");
      if (/^#[0-9a-fA-F]{6}$/.test(colour)) {
        el.style.borderLeftColor = colour;
      }
    });
  }
  if (window.htmx) {
    window.htmx.onLoad(paint);
  } else {
    document.addEventListener("DOMContentLoaded", function () { paint(document); });
  }
})();
