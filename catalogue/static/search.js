/* Search page enhancements (same-origin file; the page works without it).
 * - The sort order applies as soon as it is chosen. Pointer users submit on "change"; keyboard
 *   users browse the options with the arrow keys first, so for them the choice applies on
 *   Enter or when the field loses focus (WCAG 3.2.2: no change of context while browsing).
 *   The hint that says so is shown only when this script runs; the "Sortierung anwenden"
 *   button sits in <noscript>.
 * - On wide screens the filter panel starts open (CSS shows it there anyway where supported).
 */
(function () {
  "use strict";
  var select = document.querySelector("select[data-autosubmit]");
  if (select && select.form) {
    var form = select.form;
    var hint = document.getElementById(select.id + "-hint");
    var initial = select.value;
    var keyboard = false;
    if (hint) {
      hint.hidden = false;
      select.setAttribute("aria-describedby", hint.id);
    }
    var apply = function () {
      if (select.value !== initial) {
        initial = select.value;
        form.submit();
      }
    };
    select.addEventListener("keydown", function (event) {
      keyboard = true;
      if (event.key === "Enter") {
        event.preventDefault();
        apply();
      }
    });
    select.addEventListener("pointerdown", function () {
      keyboard = false;
    });
    select.addEventListener("change", function () {
      if (!keyboard) {
        apply();
      }
    });
    select.addEventListener("blur", apply);
  }
  var facets = document.querySelector("details.app-facets");
  if (facets && window.matchMedia && window.matchMedia("(min-width: 60.0625rem)").matches) {
    facets.open = true;
  }
})();
