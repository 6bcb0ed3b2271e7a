/* Every console chart (ops and leader pages) is drawn here, from data the page
   puts in a json_script element; the page's table is the fallback and the source
   of truth. Markup:

     <div class="c-chart" hidden data-chart="ID" data-replaces="TABLE-ID" aria-label="…"></div>
     {{ spec|json_script:"ID" }}

   spec = {categories: [...], unit: "min" | "", integer: true | false,
           series: [{name, type: "bar" | "line", data: [...], color}]}

   Names and units come translated from the server: no interface text here.
   Line series always show their points, filled and large enough to see: a day
   with a value between days without one (or a single day) is a point with no
   line to draw. */
(function () {
  "use strict";

  function option(spec) {
    var unit = spec.unit || "";
    var many = spec.series.length > 1;
    return {
      grid: {left: 40, right: 8, top: many ? 28 : 12, bottom: 24},
      legend: many ? {top: 0, data: spec.series.map(function (s) { return s.name; })} : undefined,
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
          one.symbol = "circle";  // filled: the default hollow 4px ring all but vanishes
          one.symbolSize = 8;
          one.connectNulls = false;
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
