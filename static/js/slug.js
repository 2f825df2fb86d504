// Suggests a review's short name (for its web address) from its title as the officer types,
// the way the server makes one when the field is left empty (Django's slugify), until the
// officer types in the short name themselves. Without this script the server still does it.
(function () {
  "use strict";
  var slug = document.querySelector("input[data-slug-from]");
  if (!slug) return;
  var title = document.getElementById(slug.getAttribute("data-slug-from"));
  if (!title) return;
  var maxLength = parseInt(slug.getAttribute("maxlength"), 10) || 100;

  function slugify(text) {
    var value = text.normalize("NFKD").replace(/[^\x00-\x7f]/g, "").toLowerCase();
    value = value.replace(/[^\w\s-]/g, "").replace(/[-\s]+/g, "-");
    return value.replace(/^[-_]+|[-_]+$/g, "").slice(0, maxLength).replace(/[-_]+$/, "");
  }

  // Following the title unless the officer has typed a short name of their own (also when
  // the page comes back with their form, after an error).
  var following = slug.value === "" || slug.value === slugify(title.value);
  title.addEventListener("input", function () {
    if (following) slug.value = slugify(title.value);
  });
  slug.addEventListener("input", function () {
    following = slug.value === "";
  });
})();
