/* Long text fields (templates/_macros.html field): the line below the field counts along as one
 * types or pastes ("Noch 120 von 600 Zeichen frei." / "35 Zeichen zu viel."), updated after a
 * short pause so that screen readers are not told every keystroke. Same-origin file; without it
 * the line names the limit and the server says what is too long, keeping the text.
 */
(function () {
  "use strict";
  var format = function (n) { return n.toLocaleString("de-DE"); };
  document.querySelectorAll("[data-count-for]").forEach(function (line) {
    var field = document.getElementById(line.getAttribute("data-count-for"));
    var max = parseInt(line.getAttribute("data-max"), 10);
    if (!field || !max) { return; }
    var timer = null;
    var update = function () {
      var used = field.value.length;
      if (used > max) {
        line.textContent = format(used - max) + " Zeichen zu viel: höchstens " + format(max) +
          " Zeichen.";
        line.classList.add("app-count--over");
      } else {
        line.textContent = "Noch " + format(max - used) + " von " + format(max) + " Zeichen frei.";
        line.classList.remove("app-count--over");
      }
    };
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 600);
    });
    if (field.value) { update(); }
  });
})();
