// Booking form: Enter in the client search runs the search, not the booking.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target.matches && target.matches("[data-no-submit]")) {
      event.preventDefault();
      if (window.htmx) { window.htmx.trigger(target, "search"); }
    }
  });
})();
