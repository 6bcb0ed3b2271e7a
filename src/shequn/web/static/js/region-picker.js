/* Province → city → district picker for address forms (GB/T 2260).
 *
 * Progressive enhancement: the form keeps its plain inputs named province,
 * city, district and district_code (the server checks them against the same
 * data file, core/data/gb2260.json); with JavaScript they are hidden and three
 * selects fill them. Mark the container with data-region-picker and give it
 * data-src (the data file's static URL) and the three placeholders
 * (data-label-province, data-label-city, data-label-district), translated by
 * the template.
 */
(function () {
  "use strict";

  function option(value, text) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    return o;
  }

  function fill(select, placeholder, items) {
    select.replaceChildren(option("", placeholder));
    items.forEach(function (item, i) { select.appendChild(option(String(i), item[1])); });
    select.disabled = items.length === 0;
  }

  function setUp(box, provinces) {
    var inputs = {};
    ["province", "city", "district", "district_code"].forEach(function (name) {
      inputs[name] = box.querySelector("[name=" + name + "]");
    });
    if (!inputs.province || !inputs.district_code) return;
    var selects = {};
    ["province", "city", "district"].forEach(function (level) {
      var s = document.createElement("select");
      s.className = "region-select";
      // Place names are data: addresses are written in Chinese whatever the page's language.
      s.setAttribute("translate", "no");
      s.setAttribute("aria-label", box.dataset["label" + level[0].toUpperCase() + level.slice(1)]);
      s.dataset.level = level;
      selects[level] = s;
    });
    var row = document.createElement("div");
    row.className = "region-picker";
    row.append(selects.province, selects.city, selects.district);
    box.querySelectorAll("[data-region-plain]").forEach(function (el) { el.hidden = true; });
    box.prepend(row);
    var label = function (level) {
      return box.dataset["label" + level[0].toUpperCase() + level.slice(1)] || "";
    };

    function chosen() {
      var p = provinces[selects.province.value];
      var c = p && p[2][selects.city.value];
      var d = c && c[2][selects.district.value];
      return { p: p, c: c, d: d };
    }
    function write() {
      var x = chosen();
      inputs.province.value = x.p ? x.p[1] : "";
      inputs.city.value = x.c ? x.c[1] : "";
      if (inputs.district) inputs.district.value = x.d ? x.d[1] : "";
      // A city without districts (东莞市) is itself the consignee district.
      inputs.district_code.value = x.d ? x.d[0] : (x.c && x.c[2].length === 0 ? x.c[0] : "");
    }
    selects.province.addEventListener("change", function () {
      var x = chosen();
      fill(selects.city, label("city"), x.p ? x.p[2] : []);
      fill(selects.district, label("district"), []);
      // Municipalities have one city: pick it for the buyer.
      if (x.p && x.p[2].length === 1) {
        selects.city.value = "0";
        selects.city.dispatchEvent(new Event("change"));
        return;
      }
      write();
    });
    selects.city.addEventListener("change", function () {
      var x = chosen();
      fill(selects.district, label("district"), x.c ? x.c[2] : []);
      selects.district.hidden = !!x.c && x.c[2].length === 0;
      write();
    });
    selects.district.addEventListener("change", write);

    fill(selects.province, label("province"), provinces);
    fill(selects.city, label("city"), []);
    fill(selects.district, label("district"), []);
    // Re-selecting what the form already holds (a redisplay after an error).
    var code = inputs.district_code.value;
    if (code) {
      provinces.forEach(function (p, pi) {
        p[2].forEach(function (c, ci) {
          var di = c[2].findIndex(function (d) { return d[0] === code; });
          if (di < 0 && c[0] !== code) return;
          selects.province.value = String(pi);
          fill(selects.city, label("city"), p[2]);
          selects.city.value = String(ci);
          fill(selects.district, label("district"), c[2]);
          selects.district.hidden = c[2].length === 0;
          if (di >= 0) selects.district.value = String(di);
        });
      });
    }
  }

  // Errors the server put beside the plain inputs move next to the selects.
  function moveErrors(box, row) {
    box.querySelectorAll("[data-region-plain] .field-error").forEach(function (err) {
      row.after(err);
    });
  }

  var data = null;
  function init(root) {
    var boxes = root.querySelectorAll("[data-region-picker]:not([data-ready])");
    if (!boxes.length) return;
    var ready = data ? Promise.resolve(data)
      : fetch(boxes[0].dataset.src, { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (d) { data = d; return d; });
    ready.then(function (d) {
      boxes.forEach(function (box) {
        box.dataset.ready = "1";
        setUp(box, d.provinces);
        var row = box.querySelector(".region-picker");
        if (row) moveErrors(box, row);
      });
    }).catch(function () { /* the plain inputs stay usable */ });
  }
  init(document);
  // Checkout parts are replaced by htmx; set up the new form too.
  document.addEventListener("htmx:afterSettle", function (ev) { init(ev.target); });
})();
