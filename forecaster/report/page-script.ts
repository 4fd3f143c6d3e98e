/**
 * The report page's own script, inlined as text (plain browser JavaScript; the project compiles
 * without DOM types). It sorts the table from its data-* attributes, filters rows and rule
 * sections by text, and draws each rule's uPlot chart only when the section scrolls into view, so
 * 1,000 rules open as fast as 5.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  "use strict";
  var payload = JSON.parse(document.getElementById("report-data").textContent);
  var table = document.getElementById("overview");
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var sections = Array.prototype.slice.call(document.querySelectorAll("article.rule"));
  var shown = document.getElementById("shown");
  var filter = document.getElementById("filter");

  // Sorting: a column heading's button sorts by that column; again reverses. Empty cells sort last.
  var sortKey = "order";
  var ascending = true;
  function sortBy(key, numeric) {
    ascending = sortKey === key ? !ascending : true;
    sortKey = key;
    var keyed = rows.map(function (row) {
      var raw = row.getAttribute("data-" + key) || "";
      return { row: row, empty: raw === "", value: numeric ? Number(raw) : raw, order: Number(row.getAttribute("data-order")) };
    });
    keyed.sort(function (a, b) {
      if (a.empty !== b.empty) return a.empty ? 1 : -1;
      var c = a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
      return (ascending ? c : -c) || a.order - b.order;
    });
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (k) { fragment.appendChild(k.row); });
    tbody.appendChild(fragment);
    table.querySelectorAll("thead th").forEach(function (th) {
      var button = th.querySelector("button");
      th.setAttribute("aria-sort", button.getAttribute("data-key") === key ? (ascending ? "ascending" : "descending") : "none");
    });
  }
  table.querySelectorAll("thead button").forEach(function (button) {
    button.addEventListener("click", function () {
      sortBy(button.getAttribute("data-key"), button.getAttribute("data-numeric") === "true");
    });
  });

  // Filtering: every word must appear in the rule's key, label, state or risk text.
  function applyFilter() {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    var matches = function (el) {
      var text = el.getAttribute("data-search") || "";
      return words.every(function (w) { return text.indexOf(w) >= 0; });
    };
    var visible = 0;
    rows.forEach(function (row) {
      var ok = matches(row);
      row.hidden = !ok;
      if (ok) visible++;
    });
    sections.forEach(function (section) { section.hidden = !matches(section); });
    shown.textContent = visible + " of " + rows.length + " rules shown";
  }
  filter.addEventListener("input", applyFilter);

  // Charts.
  function cssColor(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }
  function nulls(n) {
    var a = new Array(n);
    for (var i = 0; i < n; i++) a[i] = null;
    return a;
  }
  function chartArrays(item) {
    var d = item.chart;
    var n = d.traffic.length, m = d.forecast.length;
    var xs = new Array(n + m);
    for (var i = 0; i < n; i++) xs[i] = d.startSeconds + i * d.bucketSeconds;
    for (var j = 0; j < m; j++) xs[n + j] = d.forecastStartSeconds + j * d.forecastBucketSeconds;
    var traffic = d.traffic.concat(nulls(m));
    var forecast = nulls(n).concat(d.forecast);
    var current = xs.map(function () { return item.current; });
    var recommended = xs.map(function () { return item.recommended; });
    var bandLow = nulls(n + m), bandHigh = nulls(n + m);
    if (item.band) for (var k = n; k < n + m; k++) { bandLow[k] = item.band[0]; bandHigh[k] = item.band[1]; }
    var anomalies = nulls(n + m);
    d.anomalies.forEach(function (a) {
      var idx = Math.round((a[0] - d.startSeconds) / d.bucketSeconds);
      if (idx >= 0 && idx < n) anomalies[idx] = Math.max(anomalies[idx] || 0, a[1]);
    });
    var peak = nulls(n + m);
    if (item.peak && m > 0) {
      var p = Math.round((item.peak[0] - d.forecastStartSeconds) / d.forecastBucketSeconds);
      peak[n + Math.min(m - 1, Math.max(0, p))] = item.peak[1];
    }
    return [xs, traffic, forecast, bandLow, bandHigh, current, recommended, anomalies, peak];
  }
  function noLine() { return null; }
  // A dotted vertical line where the traffic the model was fitted on begins.
  function fitStartLine(u, seconds) {
    if (seconds <= u.data[0][0]) return;
    var x = u.valToPos(seconds, "x", true);
    var ctx = u.ctx;
    ctx.save();
    ctx.setLineDash([3, 4]);
    ctx.strokeStyle = cssColor("--muted");
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.restore();
  }
  function drawChart(figure) {
    var item = payload[Number(figure.getAttribute("data-index"))];
    var box = figure.querySelector(".chart-box");
    box.textContent = "";
    var unit = "/" + item.unit;
    var fmt = function (u, v) { return v == null ? "–" : (Math.round(v * 100) / 100) + unit; };
    var axis = { stroke: cssColor("--fg"), grid: { stroke: cssColor("--grid") }, ticks: { stroke: cssColor("--grid") } };
    var opts = {
      width: Math.max(320, box.clientWidth),
      height: 280,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(max, item.current, item.recommended) * 1.08]; } } },
      axes: [axis, Object.assign({}, axis, { size: 60, label: "requests" + unit })],
      series: [
        {},
        { label: "traffic", stroke: cssColor("--traffic"), width: 1, value: fmt },
        { label: "forecast (next day)", stroke: cssColor("--forecast"), width: 1.5, dash: [6, 3], value: fmt },
        { label: "band min", stroke: cssColor("--forecast"), width: 0.5, value: fmt },
        { label: "band max", stroke: cssColor("--forecast"), width: 0.5, value: fmt },
        { label: "current limit", stroke: cssColor("--current"), width: 2, value: fmt },
        { label: "recommended", stroke: cssColor("--recommended"), width: 2, dash: [10, 5], value: fmt },
        { label: "kept out of fitting", stroke: cssColor("--anomaly"), fill: cssColor("--anomaly"), paths: noLine, points: { show: true, size: 8, stroke: cssColor("--anomaly"), fill: cssColor("--anomaly") }, value: fmt },
        { label: "expected peak", stroke: cssColor("--peak"), fill: cssColor("--peak"), paths: noLine, points: { show: true, size: 10, stroke: cssColor("--peak"), fill: cssColor("--peak") }, value: fmt },
      ],
      bands: [{ series: [4, 3], fill: cssColor("--band") }],
      hooks: { draw: [function (u) { fitStartLine(u, item.chart.fitStartSeconds); }] },
      cursor: { drag: { x: true, y: false } },
    };
    new uPlot(opts, chartArrays(item), box);
    figure.setAttribute("data-drawn", "true");
    if (performance.getEntriesByName("report-first-chart").length === 0) performance.mark("report-first-chart");
  }
  var figures = Array.prototype.slice.call(document.querySelectorAll("figure.chart"));
  if ("IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        observer.unobserve(entry.target);
        drawChart(entry.target);
      });
    }, { rootMargin: "300px 0px" });
    figures.forEach(function (f) { observer.observe(f); });
  } else {
    figures.forEach(drawChart);
  }
  // Marks for bench/report-open.ts: the table is interactive from here.
  performance.mark("report-ready");
  document.documentElement.setAttribute("data-ready", "true");
})();
`;
