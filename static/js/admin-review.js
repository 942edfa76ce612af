// The review page's document previews: a PDF's frame or an image is only put in
// (and so only fetched) when the reviewer opens its preview, so a profile with
// many documents does not load them all with the page.
(function () {
  "use strict";

  function show(box) {
    if (box.querySelector(".review-preview, .review-preview-image")) return;
    var frame = box.getAttribute("data-preview-kind") === "frame";
    var preview = document.createElement(frame ? "iframe" : "img");
    preview.className = frame ? "review-preview" : "review-preview-image";
    preview.src = box.getAttribute("data-preview-src");
    preview.setAttribute(frame ? "title" : "alt", box.getAttribute("data-preview-title"));
    var fallback = box.querySelector(".review-preview-fallback");
    if (fallback) fallback.hidden = true;
    box.appendChild(preview);
  }

  document.querySelectorAll("details[data-preview-src]").forEach(function (box) {
    box.addEventListener("toggle", function () {
      if (box.open) show(box);
    });
  });
})();
