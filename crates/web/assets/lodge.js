// Lodge's only script. Everything works without it; it adds the Escape key for quick exit,
// makes the quick-exit button blank the page before leaving, and reloads a page restored
// from the back-forward cache so a closed session never reappears.
(function () {
  "use strict";
  function leave() {
    document.documentElement.style.display = "none";
    document.title = "";
    window.location.replace("/exit");
  }
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !typing(e.target)) {
      e.preventDefault();
      leave();
    }
  });
  var button = document.getElementById("quick-exit");
  if (button) {
    button.addEventListener("click", function (e) {
      e.preventDefault();
      leave();
    });
  }
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) window.location.reload();
  });
})();
