// Clients pages: error summary focus, one submit per form, score chart.
(function () {
  "use strict";

  // The pages' one date style ("1 Dec 2026"), not the browser's locale order.
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function shortDate(ms) {
    var d = new Date(ms);
    return d.getDate() + " " + MONTHS[d.getMonth()] + " " + d.getFullYear();
  }

  // After a failed submit, move focus to the error summary so screen readers
  // announce it and keyboard users start from the list of fixes.
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();

  // A double click sends one request; the server guards the rest (link used
  // up in the same transaction, one-time form token).
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("[data-submit-once]");
      if (!button) return;
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });

  var data = document.getElementById("score-chart-data");
  var canvas = document.getElementById("score-chart");
  if (data && canvas && window.Chart) {
    var series = JSON.parse(data.textContent);
    var colours = ["#c2410c", "#1f4e5f", "#6a1b9a", "#2e7d32"];
    new window.Chart(canvas, {
      type: "line",
      data: {
        datasets: series.map(function (s, i) {
          return {
            label: s.label,
            data: s.points.map(function (p) { return { x: Date.parse(p.x), y: p.y }; }),
            borderColor: colours[i % colours.length],
            backgroundColor: colours[i % colours.length],
            tension: 0.2
          };
        })
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: true,
        scales: {
          x: {
            type: "linear",
            ticks: {
              maxTicksLimit: 5,
              callback: function (value) { return shortDate(value); }
            }
          },
          y: { min: 0, max: 10, ticks: { stepSize: 2 } }
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: { callbacks: { title: function (items) { return items.length ? shortDate(items[0].parsed.x) : ""; } } }
        }
      }
    });
  }
})();
