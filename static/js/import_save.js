// Saving a long table takes some seconds: once the save is sent, the button is disabled (a
// second click would send a second import) and the page says what is happening, with a
// progress bar, in a live region. Without this script the browser's own loading shows.
(function () {
  "use strict";
  var form = document.querySelector("form[data-saving]");
  if (!form) return;
  var status = document.getElementById(form.getAttribute("data-saving"));
  if (!status) return;
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    var message = document.createElement("p");
    message.textContent = status.getAttribute("data-message");
    var bar = document.createElement("progress");
    bar.setAttribute("aria-label", "Saving the rows");
    status.replaceChildren(message, bar);
  });
})();
