/* A submit button shows that its form is on its way: once pressed it is disabled and reads the page's own
   "please wait" text (its data-busy-label, so the words stay in the translation catalogue). A second press
   sends nothing. Progressive enhancement only: without this file the form works the same, and a second
   post of one form still stores one result (its idempotency key). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    if (!form.querySelector("[data-busy-label]")) { return; }
    if (form.dataset.busy) { event.preventDefault(); return; }  // already on its way
    form.dataset.busy = "1";
    if (!button || !button.dataset.busyLabel) { return; }
    // After this turn: the form's data is gathered right after this event, and a disabled button
    // would be left out of it (the wizard's name="action" value="next").
    window.setTimeout(function () {
      button.dataset.idleLabel = button.textContent;
      button.textContent = button.dataset.busyLabel;
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    }, 0);
  });
  // Back to a page kept in the browser's memory (back/forward cache): its form can be used again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      delete form.dataset.busy;
      form.querySelectorAll("[data-idle-label]").forEach(function (button) {
        button.textContent = button.dataset.idleLabel;
        button.disabled = false;
        button.removeAttribute("aria-busy");
      });
    });
  });
}());
