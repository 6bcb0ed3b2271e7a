/* Small progressive enhancements for the store. Pages work without it. */
(function () {
  "use strict";
  // Quantity steppers on the product page: − / + change the number input.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-stepper] [data-step]");
    if (!btn) return;
    var input = btn.parentElement.querySelector("input[type=number]");
    var min = parseInt(input.min || "1", 10), max = parseInt(input.max || "99", 10);
    var next = (parseInt(input.value, 10) || min) + parseInt(btn.dataset.step, 10);
    input.value = Math.min(max, Math.max(min, next));
  });
  // The back arrow: history when there is some, else the link's own target.
  document.addEventListener("click", function (ev) {
    var back = ev.target.closest("[data-back]");
    if (!back || window.history.length < 2) return;
    ev.preventDefault();
    window.history.back();
  });
  // A product picture that fails to load leaves the initial letter behind it.
  document.addEventListener("error", function (ev) {
    var img = ev.target;
    if (img && img.hasAttribute && img.hasAttribute("data-hide-broken")) img.remove();
  }, true);
  // A console's tab bar that scrolls sideways (a phone) shows the current tab:
  // the last tabs' pages would otherwise open with their own tab off-screen.
  var bar = document.querySelector(".c-tabbar");
  var current = bar && bar.querySelector(".tab.is-active");
  if (current && bar.scrollWidth > bar.clientWidth) {
    var end = current.offsetLeft + current.offsetWidth;
    if (current.offsetLeft < bar.scrollLeft || end > bar.scrollLeft + bar.clientWidth) {
      bar.scrollLeft = current.offsetLeft - (bar.clientWidth - current.offsetWidth) / 2;
    }
  }
  // Toasts fade out by themselves.
  var timer = null;
  document.addEventListener("htmx:afterSwap", function (ev) {
    var toast = document.getElementById("toast");
    if (!toast || ev.detail.target !== toast) return;
    toast.classList.add("is-shown");
    clearTimeout(timer);
    timer = setTimeout(function () { toast.classList.remove("is-shown"); }, 2600);
  });
})();
