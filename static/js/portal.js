// Progressive enhancements; every page works without them.
(function () {
  "use strict";

  // An error summary takes focus, so keyboard and screen-reader users land on it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // Dates in the reader's own locale and time zone.
  document.querySelectorAll("time[datetime]").forEach(function (node) {
    var date = new Date(node.getAttribute("datetime"));
    if (isNaN(date)) return;
    var dateOnly = node.hasAttribute("data-date-only");
    node.textContent = dateOnly
      ? date.toLocaleDateString(undefined, { dateStyle: "medium" })
      : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  });

  function formatSize(bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(0) + " KB";
    return (bytes / 1024 / 1024).toFixed(1) + " MB";
  }

  // Uploads: list the chosen files with their sizes, then show progress.
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var list = form.querySelector("[data-upload-list]");
    var progress = form.querySelector("[data-upload-progress]");
    if (!input || !list || !progress || !window.FormData) return;
    var limit = parseInt(form.getAttribute("data-upload-limit"), 10);

    input.addEventListener("change", function () {
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var item = document.createElement("li");
        item.textContent = file.name + " — " + formatSize(file.size);
        if (limit && file.size > limit) {
          item.className = "too-large";
          item.textContent += " (" + form.getAttribute("data-upload-limit-text") + ")";
        }
        list.appendChild(item);
      });
    });

    form.addEventListener("submit", function (event) {
      if (!input.files.length) return;
      event.preventDefault();
      var data = new FormData(form);
      if (event.submitter && event.submitter.name) {
        data.append(event.submitter.name, event.submitter.value);
      }
      var request = new XMLHttpRequest();
      request.open("POST", form.action || window.location.href);
      request.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        progress.hidden = false;
        progress.value = Math.round((e.loaded / e.total) * 100);
        progress.textContent = progress.value + "%";
      });
      request.addEventListener("load", function () {
        if (request.responseURL && request.responseURL !== window.location.href) {
          window.location.assign(request.responseURL);
        } else {
          document.open();
          document.write(request.responseText);
          document.close();
        }
      });
      request.addEventListener("error", function () { form.submit(); });
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      request.send(data);
    });
  });
})();
