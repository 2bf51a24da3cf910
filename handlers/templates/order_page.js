document.querySelectorAll("button[data-copy]").forEach(function (button) {
  var label = button.textContent;
  var show = function (text) {
    button.textContent = text;
    setTimeout(function () { button.textContent = label; }, 2000);
  };
  var select = function () {
    var value = document.getElementById(button.getAttribute("aria-controls"));
    window.getSelection().selectAllChildren(value);
    show(button.dataset.failed);
  };
  button.hidden = false;
  button.addEventListener("click", function () {
    if (!navigator.clipboard) { select(); return; }
    navigator.clipboard.writeText(button.dataset.copy).then(function () {
      show(button.dataset.copied);
    }, select);
  });
});
