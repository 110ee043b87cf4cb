// Session notes, history and plans: print buttons, progress bars and charts.
// Chart data comes from json_script tags; no inline scripts (CSP).
(function () {
  "use strict";

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var scale = { min: 0, max: 10, ticks: { stepSize: 1 } };

  function painChart(canvas, data) {
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: "Pain before", data: data.before, borderColor: "#b71c1c", backgroundColor: "#b71c1c", spanGaps: true },
          { label: "Pain after", data: data.after, borderColor: "#2e7d32", backgroundColor: "#2e7d32", spanGaps: true }
        ]
      },
      options: { maintainAspectRatio: false, animation: false, scales: { y: scale } }
    });
  }

  function goalChart(canvas, data) {
    var labels = data.labels;
    var values = data.values;
    // A line needs two points: a single score gets an empty slot either side,
    // so the target still spans the chart.
    if (labels.length === 1) {
      labels = ["", labels[0], ""];
      values = [null, values[0], null];
    }
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: labels,
        datasets: [
          { label: data.label, data: values, borderColor: "#1f4e5f", backgroundColor: "#1f4e5f" },
          {
            label: "Target",
            data: labels.map(function () { return data.target; }),
            borderColor: "#e65100",
            borderDash: [6, 4],
            pointRadius: 0
          }
        ]
      },
      options: { maintainAspectRatio: false, animation: false, scales: { y: scale } }
    });
  }

  var builders = { pain: painChart, goal: goalChart };

  function init(root) {
    root.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    root.querySelectorAll("[data-progress]").forEach(function (bar) {
      bar.style.width = bar.dataset.progress + "%";
    });
    if (!window.Chart) { return; }
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var build = builders[canvas.dataset.chart];
      var data = readJson(canvas.dataset.source);
      if (build && data) { build(canvas, data); }
    });
  }

  // The note editor autosaves through htmx. A normal submit (Save draft, Sign)
  // waits for an autosave in flight and stops later ones, so the two never race
  // each other into a false editing conflict.
  function guardNoteForm(form) {
    var submitting = false;
    // Typed but not yet autosaved: warn before the page is left.
    var unsaved = false;
    form.addEventListener("input", function () { unsaved = true; });
    form.addEventListener("htmx:beforeRequest", function (event) {
      if (submitting) { event.preventDefault(); }
    });
    form.addEventListener("htmx:afterRequest", function (event) {
      var status = document.getElementById("autosave-status");
      if (event.detail.successful && status && status.querySelector(".text-success")) {
        unsaved = false;
      }
    });
    window.addEventListener("beforeunload", function (event) {
      if (unsaved && !submitting) { event.preventDefault(); }
    });
    form.addEventListener("submit", function (event) {
      if (form.classList.contains("htmx-request")) {
        event.preventDefault();
        var submitter = event.submitter;
        form.addEventListener("htmx:afterRequest", function () {
          form.requestSubmit(submitter);
        }, { once: true });
        return;
      }
      submitting = true;
    });
  }

  // Each field's error box is filled (or emptied) by the server, out of band
  // on an autosave; the field itself follows it, so the bad value is marked
  // where it is and read out with its message.
  function markFieldErrors(root) {
    root.querySelectorAll("[data-field-errors]").forEach(function (box) {
      var input = document.getElementById(box.id.replace(/_errors$/, ""));
      if (!input) { return; }
      var invalid = box.textContent.trim() !== "";
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== box.id;
      });
      if (invalid) { described.push(box.id); }
      input.classList.toggle("is-invalid", invalid);
      if (invalid) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
      if (described.length) { input.setAttribute("aria-describedby", described.join(" ")); } else { input.removeAttribute("aria-describedby"); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    var noteForm = document.getElementById("note-form");
    if (noteForm) {
      guardNoteForm(noteForm);
      markFieldErrors(noteForm);
      noteForm.addEventListener("htmx:afterRequest", function () { markFieldErrors(noteForm); });
    }
  });
})();
