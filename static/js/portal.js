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

  // A field that only matters for one choice of a select, e.g. the name of an
  // "Other" registration ID type: shown when that choice is made (or it has an error).
  document.querySelectorAll("[data-shown-when]").forEach(function (wrapper) {
    var rule = wrapper.getAttribute("data-shown-when").split("=");
    var select = document.getElementById(rule[0]);
    if (!select || wrapper.querySelector("[aria-invalid=true]")) return;
    function update() { wrapper.hidden = select.value !== rule[1]; }
    select.addEventListener("change", update);
    update();
  });

  // What a registration number looks like for the chosen ID type, under the field.
  document.querySelectorAll("[data-formats-for]").forEach(function (formats) {
    var select = document.getElementById(formats.getAttribute("data-formats-for"));
    var hint = document.querySelector("[data-format-hint]");
    if (!select || !hint) return;
    function update() {
      var term = formats.querySelector('[data-format="' + select.value + '"]');
      hint.hidden = !term;
      if (term) {
        hint.textContent = term.textContent + ": " + term.nextElementSibling.textContent;
      }
    }
    select.addEventListener("change", update);
    update();
  });

  // A file size in the reader's locale: "827 bytes", "45 kB", "3.0 MB".
  function formatSize(bytes) {
    var unit = bytes >= 1048576 ? ["megabyte", 1048576, 1, "short"]
      : bytes >= 1024 ? ["kilobyte", 1024, 0, "short"] : ["byte", 1, 0, "long"];
    try {
      return new Intl.NumberFormat(undefined, {
        style: "unit", unit: unit[0], unitDisplay: unit[3],
        minimumFractionDigits: unit[2], maximumFractionDigits: unit[2]
      }).format(bytes / unit[1]);
    } catch (error) {
      return (bytes / unit[1]).toFixed(unit[2]) + " " + unit[0];
    }
  }

  // Uploads: list the chosen files with their sizes, then show the progress.
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var list = form.querySelector("[data-upload-list]");
    var progress = form.querySelector("[data-upload-progress]");
    var status = form.querySelector("[data-upload-status]");
    if (!input || !list || !progress || !window.FormData) return;
    var limit = parseInt(form.getAttribute("data-upload-limit"), 10);
    var plainSubmit = false;

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

    function say(text) {
      if (!status) return;
      status.hidden = false;
      status.textContent = text;
    }

    // The answer replaces this page, at the address it came from (a redirect
    // after saving), as if the browser had sent the form itself.
    function show(request) {
      if (request.responseURL) {
        window.history.replaceState(null, "", request.responseURL);
      }
      document.open();
      document.write(request.responseText);
      document.close();
    }

    form.addEventListener("submit", function (event) {
      if (plainSubmit || !input.files.length) return;
      event.preventDefault();
      var submitter = event.submitter;
      var data = new FormData(form);
      if (submitter && submitter.name) {
        data.append(submitter.name, submitter.value);
      }
      var request = new XMLHttpRequest();
      // getAttribute: the form's "action" property is its button named action.
      request.open("POST", form.getAttribute("action") || window.location.href);
      request.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        progress.hidden = false;
        progress.value = Math.round((e.loaded / e.total) * 100);
        progress.textContent = progress.value + "%";
      });
      request.upload.addEventListener("load", function () {
        say(form.getAttribute("data-upload-checking-text"));
      });
      request.addEventListener("load", function () { show(request); });
      request.addEventListener("error", function () {
        // The connection failed: let the browser send the form on its own.
        plainSubmit = true;
        buttons.forEach(function (b) { b.disabled = false; });
        if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
      });
      var buttons = Array.prototype.slice.call(form.querySelectorAll("button"));
      buttons.forEach(function (b) { b.disabled = true; });
      say(form.getAttribute("data-upload-sending-text"));
      request.send(data);
    });
  });
})();
