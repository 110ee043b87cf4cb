// Site-wide behaviour. No inline scripts anywhere: the CSP forbids them.
(function () {
  "use strict";
  // Return keyboard focus to content after htmx swaps a region in.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.dataset && target.dataset.focusAfterSwap !== undefined) {
      target.focus();
    }
  });
})();
