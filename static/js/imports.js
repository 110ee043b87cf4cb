// Import column matching: show the first values of the column just chosen.
(function () {
  "use strict";

  var data = document.getElementById("column-samples");
  if (!data) return;
  var samples = JSON.parse(data.textContent);

  document.querySelectorAll("[data-samples-of]").forEach(function (box) {
    var select = document.getElementById(box.getAttribute("data-samples-of"));
    var list = box.querySelector("[data-sample-list]");
    if (!select || !list) return;
    select.addEventListener("change", function () {
      var values = samples[select.value];
      box.hidden = !values;
      list.replaceChildren();
      (values || []).forEach(function (value) {
        var badge = document.createElement("span");
        badge.className = "badge text-bg-light border fw-normal me-1";
        badge.textContent = value || "(empty)";
        list.appendChild(badge);
      });
    });
  });
})();
