/* Every console chart (ops and leader pages) is drawn here, from data the page
   puts in a json_script element; the page's table is the fallback and the source
   of truth. Markup:

     <div class="c-chart" hidden data-chart="ID" data-replaces="TABLE-ID" aria-label="…"></div>
     {{ spec|json_script:"ID" }}

   spec = {categories: [...], unit: "min" | "", integer: true | false, title: "" | "…",
           series: [{name, type: "bar" | "line", data: [...], color,
                     symbol: "circle" | "diamond" | …, size, width, dashed: bool,
                     area: bool}]}

   Names and units come translated from the server: no interface text here.
   Line series always show their points, filled and large enough to see: a day
   with a value between days without one (or a single day) is a point with no
   line to draw. Lines that may coincide differ in symbol, stroke and fill (the
   view says how), so the one drawn last never hides the other. A titled chart
   keeps its title, legend and unit clear of each other and of the chart above. */
(function () {
  "use strict";

  function option(spec) {
    var unit = spec.unit || "";
    var many = spec.series.length > 1;
    var title = spec.title || "";
    // Room above the plot: a title or legend row, then the unit above the y axis.
    var top = (title || many ? 32 : 12) + (unit ? 18 : 0);
    var legend = many ? {top: 0, data: spec.series.map(function (s) { return s.name; })}
                      : undefined;
    if (legend && title) { legend.right = 0; }  // the title holds the left
    return {
      title: title ? {text: title, left: 0, top: 0,
                      textStyle: {fontSize: 13, fontWeight: 600, color: "#1f2329"}} : undefined,
      grid: {left: 40, right: 8, top: top, bottom: 24},
      legend: legend,
      tooltip: {trigger: "axis", valueFormatter: function (v) {
        return v == null ? "–" : (unit ? v + " " + unit : String(v));
      }},
      xAxis: {type: "category", data: spec.categories},
      yAxis: {type: "value", name: unit, minInterval: spec.integer ? 1 : 0},
      series: spec.series.map(function (s) {
        var one = {name: s.name, type: s.type || "bar", data: s.data,
                   itemStyle: s.color ? {color: s.color} : undefined};
        if (one.type === "line") {
          one.showSymbol = true;
          one.showAllSymbol = true;
          // Filled and 8px unless told: the default hollow 4px ring all but vanishes.
          one.symbol = s.symbol || "circle";
          one.symbolSize = s.size || 8;
          one.connectNulls = false;
          one.lineStyle = {width: s.width || 2, type: s.dashed ? "dashed" : "solid"};
          if (one.symbol.indexOf("empty") === 0) { one.itemStyle = {color: s.color, borderWidth: 2}; }
          if (s.area) { one.areaStyle = {opacity: 0.15}; }
          one.z = s.area ? 2 : 3;  // filled lines under the others
        }
        return one;
      })
    };
  }

  function draw(box) {
    var source = document.getElementById(box.getAttribute("data-chart"));
    if (!source || !window.echarts) { return; }
    var spec = JSON.parse(source.textContent);
    box.hidden = false;
    var table = document.getElementById(box.getAttribute("data-replaces") || "");
    if (table) { table.hidden = true; }
    var chart = window.echarts.init(box);
    chart.setOption(option(spec));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
  });
}());
