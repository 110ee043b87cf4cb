// Report charts: the data comes from json_script blocks next to each canvas.
(function () {
  "use strict";
  if (!window.Chart) return;
  var colours = ["#1f4e5f", "#c2410c", "#6a1b9a", "#2e7d32", "#8d6e63", "#00838f"];

  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var revenue = read("revenue-chart-data");
  var revenueCanvas = document.getElementById("revenue-chart");
  if (revenue && revenueCanvas) {
    new window.Chart(revenueCanvas, {
      type: "bar",
      data: {
        labels: revenue.labels,
        datasets: [{ label: revenue.label, data: revenue.values.map(Number), backgroundColor: colours[0] }]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: "y",
        plugins: { legend: { display: false } }
      }
    });
  }

  var utilisation = read("utilisation-chart-data");
  var utilisationCanvas = document.getElementById("utilisation-chart");
  if (utilisation && utilisationCanvas) {
    new window.Chart(utilisationCanvas, {
      type: "line",
      data: {
        labels: utilisation.labels,
        datasets: utilisation.series.map(function (s, i) {
          return {
            label: s.label,
            data: s.values,
            borderColor: colours[i % colours.length],
            backgroundColor: colours[i % colours.length],
            spanGaps: true,
            tension: 0.2
          };
        })
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { y: { min: 0, suggestedMax: 100, ticks: { callback: function (v) { return v + "%"; } } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
      }
    });
  }

  // New and returning clients per therapist: stacked bars, the first table's counts.
  var flow = read("clients-chart-data");
  var flowCanvas = document.getElementById("clients-chart");
  if (flow && flowCanvas) {
    new window.Chart(flowCanvas, {
      type: "bar",
      data: {
        labels: flow.labels,
        datasets: flow.series.map(function (s, i) {
          return { label: s.label, data: s.values, backgroundColor: colours[i % colours.length] };
        })
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: "y",
        scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
      }
    });
  }
})();
