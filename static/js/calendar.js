// Calendar pages. Therapist colours are CSS classes chosen on the server
// (the CSP forbids style attributes), so nothing here paints.
(function () {
  "use strict";
})();
