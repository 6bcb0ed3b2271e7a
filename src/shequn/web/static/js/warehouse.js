// Warehouse pages: after a scan is counted (htmx), empty the field and put the
// cursor back, so the barcode gun's next Enter counts the next unit. A static
// file rather than hx-on: the Content-Security-Policy allows no eval.
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.target.closest && event.target.closest("form[data-scan-form]");
  if (!form) return;
  form.reset();
  var field = form.querySelector("input[name=code]");
  if (field) field.focus();
});
