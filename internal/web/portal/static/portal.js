// Small enhancements; every page works without them.
document.addEventListener("click", function (e) {
  // <button data-copy="id"> copies the value (or text) of the element with that id.
  var b = e.target.closest("button[data-copy]");
  if (b) {
    e.preventDefault();
    var el = document.getElementById(b.getAttribute("data-copy"));
    if (!el) return;
    var text = el.value !== undefined ? el.value : el.textContent;
    if (navigator.clipboard) {
      navigator.clipboard.writeText(text).then(function () { b.textContent = "Copied"; }, function () { el.select && el.select(); });
    } else if (el.select) { el.select(); }
    return;
  }
  // <input type=checkbox data-select-all="name"> toggles every checkbox of that name in its form.
  var all = e.target.closest("input[data-select-all]");
  if (all) {
    var boxes = all.form.querySelectorAll('input[type=checkbox][name="' + all.getAttribute("data-select-all") + '"]');
    boxes.forEach(function (x) { if (!x.disabled) x.checked = all.checked; });
  }
});
