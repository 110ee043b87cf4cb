// Calendar pages. Therapist colours are CSS classes chosen on the server
// (the CSP forbids style attributes), so nothing here paints: the target of a
// booking or a move is an element placed with the grid's own row classes.
//
// On the day calendar (therapist columns), when the server says so with data
// attributes on .cal-grid:
// - a click on an empty time, or Enter on a focused column, opens the booking
//   form with that therapist, date and time (data-book-url);
// - an appointment marked data-movable is dragged with the mouse, or moved from
//   the keyboard (M, arrow keys, Enter; Escape cancels), and the move is posted
//   like an htmx request (CSRF header from <body hx-headers>); the answer is the
//   refreshed #calendar region saying what happened. The server checks every
//   move again: these attributes only spare a pointless request.
(function () {
  "use strict";
  var ROW_MINUTES = 15;
  var ZERO_ID = "00000000-0000-0000-0000-000000000000";
  var target = null; // the highlighted slot
  var move = null; // the move under way
  var pending = null; // a press on an appointment that may become a drag
  var swallowClick = false;

  function theGrid() {
    return document.querySelector(".cal-grid[data-first-hour]");
  }

  function columnsOf(grid) {
    return Array.prototype.slice.call(grid.querySelectorAll(".cal-col[data-therapist]"));
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function clockOf(grid, row) {
    var minutes = parseInt(grid.dataset.firstHour, 10) * 60 + (row - 1) * ROW_MINUTES;
    return pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
  }

  function classNumber(element, prefix) {
    var found = element.className.match(new RegExp("(?:^|\\s)" + prefix + "(\\d+)(?:\\s|$)"));
    return found ? parseInt(found[1], 10) : 1;
  }

  function rowHeight(column) {
    return parseFloat(window.getComputedStyle(column).gridAutoRows) || 17.6;
  }

  function rowAt(column, clientY) {
    return Math.floor((clientY - column.getBoundingClientRect().top) / rowHeight(column)) + 1;
  }

  function clampRow(grid, row, span) {
    var rows = parseInt(grid.dataset.rows, 10);
    return Math.max(1, Math.min(row, rows - span + 1));
  }

  function announce(text) {
    var live = document.getElementById("calendar-live");
    if (live) { live.textContent = text; }
  }

  function showTarget(column, row, span, kind) {
    if (!target) {
      target = document.createElement("div");
      target.setAttribute("aria-hidden", "true");
    }
    target.className = "cal-target cal-target-" + kind + " cal-row-" + row + " cal-span-" + span;
    if (target.parentNode !== column) { column.appendChild(target); }
  }

  function hideTarget() {
    if (target && target.parentNode) { target.parentNode.removeChild(target); }
  }

  // Booking --------------------------------------------------------------

  function book(grid, column, row) {
    var query = new URLSearchParams({
      therapist: column.dataset.therapist,
      date: grid.dataset.date,
      time: clockOf(grid, row),
      location: grid.dataset.location
    });
    window.location.assign(grid.dataset.bookUrl + "?" + query.toString());
  }

  function cursorRow(grid, column) {
    if (column.dataset.cursorRow) { return parseInt(column.dataset.cursorRow, 10); }
    var work = column.querySelector(".cal-work");
    return work ? classNumber(work, "cal-row-") : 1;
  }

  function showCursor(grid, column, row) {
    row = clampRow(grid, row, 1);
    column.dataset.cursorRow = row;
    showTarget(column, row, 1, "book");
    announce(column.getAttribute("aria-label") + ", " + clockOf(grid, row) + ". Enter books this time.");
  }

  function focusColumn(grid, column) {
    columnsOf(grid).forEach(function (other) { other.tabIndex = other === column ? 0 : -1; });
    column.focus();
  }

  // Roving focus: one column in the tab order, the arrow keys reach the others.
  function enhance(root) {
    var scope = root && root.querySelector ? root : document;
    var grid = scope.matches && scope.matches(".cal-grid[data-first-hour]") ? scope : scope.querySelector(".cal-grid[data-first-hour]");
    if (!grid || !grid.dataset.bookUrl) { return; }
    columnsOf(grid).forEach(function (column, n) { column.tabIndex = n === 0 ? 0 : -1; });
  }

  // Moving ---------------------------------------------------------------

  function allowedColumns(grid, from) {
    return grid.hasAttribute("data-move-anywhere") ? columnsOf(grid) : [from];
  }

  function beginMove(entry, kind) {
    var grid = theGrid();
    var from = entry.closest(".cal-col[data-therapist]");
    if (!grid || !from || !grid.dataset.moveUrl) { return null; }
    var row = classNumber(entry, "cal-row-");
    move = {
      grid: grid, entry: entry, kind: kind, from: from, fromRow: row,
      column: from, row: row, span: classNumber(entry, "cal-span-")
    };
    entry.classList.add("cal-moving");
    showTarget(from, row, move.span, "move");
    return move;
  }

  function placeMove(column, row) {
    move.column = column;
    move.row = clampRow(move.grid, row, move.span);
    showTarget(column, move.row, move.span, "move");
  }

  function describeMove() {
    var same = move.column === move.from && move.row === move.fromRow;
    return "To " + clockOf(move.grid, move.row) + ", " + move.column.getAttribute("aria-label") +
      (same ? " (where it is now)" : "") + ".";
  }

  function endMove() {
    if (move) { move.entry.classList.remove("cal-moving"); }
    hideTarget();
    move = null;
  }

  function cancelMove(say) {
    var entry = move && move.entry;
    endMove();
    if (say) { announce("Move cancelled."); }
    return entry;
  }

  function confirmMove() {
    var m = move;
    if (m.column === m.from && m.row === m.fromRow) {
      cancelMove(false);
      announce("Not moved: that is where it is now.");
      return;
    }
    var url = m.grid.dataset.moveUrl.replace(ZERO_ID, m.entry.dataset.appointment);
    var values = { therapist: m.column.dataset.therapist, starts_at: m.grid.dataset.date + "T" + clockOf(m.grid, m.row) };
    announce("Moving to " + clockOf(m.grid, m.row) + " with " + m.column.getAttribute("aria-label") + "…");
    endMove();
    // From <body>: its hx-headers carry the CSRF token, and no hx-push-url
    // (a POST address must not enter the history).
    window.htmx.ajax("POST", url, { source: document.body, target: "#calendar", swap: "outerHTML", values: values });
  }

  // After a move the region says what happened; focus returns to the appointment.
  document.addEventListener("htmx:afterSettle", function () {
    var region = document.getElementById("calendar");
    if (!region || !region.dataset.moved) { return; }
    var entry = region.querySelector('.cal-entry[data-appointment="' + region.dataset.moved + '"]');
    var result = document.getElementById("move-result");
    if (entry) { entry.focus(); }
    if (result) { announce(result.textContent.trim()); }
  });

  // Mouse and pen drags. Touch scrolls the columns instead: on a phone the
  // keyboard way, or the appointment page, moves an appointment.
  document.addEventListener("pointerdown", function (event) {
    if (event.button !== 0 || event.pointerType === "touch" || move) { return; }
    var entry = event.target.closest && event.target.closest(".cal-entry[data-movable]");
    if (entry) { pending = { entry: entry, x: event.clientX, y: event.clientY }; }
  });

  document.addEventListener("pointermove", function (event) {
    if (pending && !move) {
      if (Math.abs(event.clientX - pending.x) + Math.abs(event.clientY - pending.y) < 6) { return; }
      if (!beginMove(pending.entry, "drag")) { pending = null; return; }
      move.grab = rowAt(move.from, pending.y) - move.fromRow;
    }
    if (!move || move.kind !== "drag") { return; }
    event.preventDefault();
    var column = move.column;
    allowedColumns(move.grid, move.from).forEach(function (candidate) {
      var rect = candidate.getBoundingClientRect();
      if (event.clientX >= rect.left && event.clientX < rect.right) { column = candidate; }
    });
    placeMove(column, rowAt(column, event.clientY) - move.grab);
  });

  document.addEventListener("pointerup", function () {
    pending = null;
    if (move && move.kind === "drag") {
      // The click that follows a drag must neither open the appointment nor book.
      swallowClick = true;
      window.setTimeout(function () { swallowClick = false; }, 0);
      confirmMove();
    }
  });

  document.addEventListener("pointercancel", function () {
    pending = null;
    if (move && move.kind === "drag") { cancelMove(false); }
  });

  document.addEventListener("dragstart", function (event) {
    if (event.target.closest && event.target.closest(".cal-entry[data-movable]")) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    if (swallowClick) {
      swallowClick = false;
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    var grid = theGrid();
    if (!grid || !grid.dataset.bookUrl || !event.target.closest) { return; }
    var column = event.target.closest(".cal-col[data-therapist]");
    if (!column || !grid.contains(column) || event.target.closest(".cal-entry")) { return; }
    book(grid, column, clampRow(grid, rowAt(column, event.clientY), 1));
  }, true);

  // Keyboard -------------------------------------------------------------

  var STEPS = { ArrowUp: -1, ArrowDown: 1, PageUp: -4, PageDown: 4 };

  function neighbour(list, current, delta) {
    var n = list.indexOf(current) + delta;
    return list[Math.max(0, Math.min(n, list.length - 1))];
  }

  function plainKey(event) {
    return !event.ctrlKey && !event.metaKey && !event.altKey;
  }

  document.addEventListener("keydown", function (event) {
    if (move && move.kind === "keys") {
      var key = event.key;
      if (key === "Escape") {
        var entry = cancelMove(true);
        if (entry) { entry.focus(); }
      } else if (key === "Enter") {
        confirmMove();
      } else if (STEPS[key]) {
        placeMove(move.column, move.row + STEPS[key]);
        announce(describeMove());
      } else if (key === "ArrowLeft" || key === "ArrowRight") {
        var columns = allowedColumns(move.grid, move.from);
        placeMove(neighbour(columns, move.column, key === "ArrowLeft" ? -1 : 1), move.row);
        announce(describeMove());
      } else if (key === "Tab") {
        cancelMove(true);
        return;
      } else {
        return;
      }
      event.preventDefault();
      return;
    }
    var element = event.target;
    if (!element.closest || !plainKey(event)) { return; }
    var movable = element.closest(".cal-entry[data-movable]");
    if (movable && (event.key === "m" || event.key === "M")) {
      if (beginMove(movable, "keys")) {
        announce("Moving " + (movable.dataset.client || "the appointment") + ", now " +
          clockOf(move.grid, move.fromRow) + " with " + move.from.getAttribute("aria-label") +
          ". Arrow keys up and down change the time by 15 minutes" +
          (move.grid.hasAttribute("data-move-anywhere") ? ", left and right the therapist" : "") +
          ". Enter moves it, Escape cancels.");
        event.preventDefault();
      }
      return;
    }
    var grid = theGrid();
    if (!grid || !grid.dataset.bookUrl || !element.matches(".cal-col[data-therapist]")) { return; }
    if (event.key === "Enter" || event.key === " ") {
      book(grid, element, cursorRow(grid, element));
    } else if (STEPS[event.key]) {
      showCursor(grid, element, cursorRow(grid, element) + STEPS[event.key]);
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      var next = neighbour(columnsOf(grid), element, event.key === "ArrowLeft" ? -1 : 1);
      next.dataset.cursorRow = cursorRow(grid, element);
      focusColumn(grid, next);
    } else {
      return;
    }
    event.preventDefault();
  });

  document.addEventListener("focusin", function (event) {
    var grid = theGrid();
    var element = event.target;
    if (grid && grid.dataset.bookUrl && element.matches && element.matches(".cal-col[data-therapist]")) {
      showCursor(grid, element, cursorRow(grid, element));
    }
  });

  document.addEventListener("focusout", function (event) {
    var element = event.target;
    if (move && move.kind === "keys" && element === move.entry) {
      cancelMove(true);
    } else if (!move && element.matches && element.matches(".cal-col[data-therapist]")) {
      hideTarget();
    }
  });

  if (window.htmx) {
    window.htmx.onLoad(enhance);
  } else {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  }
})();
