/* "Leave quickly": on every page. The button, or Escape pressed three times within two
 * seconds, replaces this page with an ordinary one; Back does not come back here.
 * Words being written are cleared first. */
(function () {
  "use strict";
  var exit = document.getElementById("quick-exit");
  if (!exit) return;
  var presses = [];

  function leave(e) {
    if (e) e.preventDefault();
    Array.prototype.forEach.call(document.querySelectorAll("textarea, input[type=text]"), function (f) {
      f.value = "";
    });
    try { sessionStorage.clear(); } catch (err) { /* storage may be off */ }
    location.replace(exit.href);
  }

  exit.addEventListener("click", leave);
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var now = Date.now();
    presses = presses.filter(function (t) { return now - t < 2000; });
    presses.push(now);
    if (presses.length >= 3) leave();
  }, true);
})();
