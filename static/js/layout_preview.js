// Refreshes the appendix layout page's preview as the officer changes the form, by asking
// the server for the page as "Preview" would show it and taking its preview section.
// Without this script the "Preview" button does the same; nothing is saved either way.
(function () {
  "use strict";
  var form = document.getElementById("layout-form");
  if (!form || !window.fetch || !window.FormData || !window.DOMParser) return;
  var target = document.getElementById(form.getAttribute("data-preview"));
  if (!target) return;
  var pending = null;
  var latest = 0;

  function refresh() {
    var data = new FormData(form);
    data.set("action", "preview");
    var ask = ++latest;
    // Not form.action: the buttons named "action" shadow that property.
    fetch(form.getAttribute("action") || window.location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null || ask !== latest) return;
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById(target.id);
        if (fresh) target.replaceChildren.apply(target, Array.from(fresh.childNodes));
      })
      .catch(function () {
        // The "Preview" button still works.
      });
  }

  function soon() {
    window.clearTimeout(pending);
    pending = window.setTimeout(refresh, 300);
  }

  form.addEventListener("change", soon);
  form.addEventListener("input", soon);
})();
