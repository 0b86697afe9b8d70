/* Checkbox groups (partner municipalities, templates/_macros.html choice_groups): the counts in
 * each group's summary and the "Ausgewählt: …" hint follow the ticks (same-origin file; without
 * it the page works and the counts are those of the page as loaded).
 */
(function () {
  "use strict";
  document.querySelectorAll(".app-choice-groups").forEach(function (fieldset) {
    var hint = document.getElementById(fieldset.id + "-hint-chosen");
    var update = function () {
      var names = [];
      fieldset.querySelectorAll(".app-choice-groups__group").forEach(function (group) {
        var boxes = group.querySelectorAll("input[type=checkbox]");
        var ticked = 0;
        boxes.forEach(function (box) {
          if (box.checked) {
            ticked += 1;
            var label = fieldset.querySelector("label[for='" + box.id + "']");
            names.push(label ? label.textContent.trim() : box.value);
          }
        });
        var count = group.querySelector(".app-choice-groups__count");
        if (count) {
          count.textContent = "(" + ticked + " von " + boxes.length + " ausgewählt)";
        }
      });
      if (hint) {
        names.sort(function (a, b) { return a.localeCompare(b, "de"); });
        hint.textContent = names.length ? "Ausgewählt: " + names.join(", ") + "." : "Noch keine ausgewählt.";
      }
    };
    fieldset.addEventListener("change", update);
  });
})();
