// Large files sent in pieces before the form is submitted, so that a dropped connection carries
// on where it stopped instead of starting again from zero. Without this script the form sends the
// file in one request, which works too.
//
// For a form with data-resumable-upload="<url to start an upload>": on submit with a file chosen,
// start an upload (or carry on with the one this browser remembers for the same file), send the
// pieces, then clear the file field, put the upload's id in the hidden `upload_session` field and
// submit the form as usual. The server answers with JSON: {id, offset, size, state, chunk_size,
// url, chunk_url} or {error, offset?}.
(function () {
  "use strict";

  var RETRIES = 8; // about four minutes of waiting in all, then the person is asked to go on
  var MAX_CONFLICTS = 5;
  var KEY = "commonground.upload:";

  function Stop(message) {
    this.message = message;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }

  // Decimal units, as the server's messages use: "512 MB", "2.0 GB", "2,0 GB" in Spanish.
  var UNITS = [[1e9, "gigabyte", "GB", 1], [1e6, "megabyte", "MB", 0], [1e3, "kilobyte", "kB", 0]];
  function formatBytes(bytes) {
    var unit = UNITS.find(function (u) { return bytes >= u[0]; }) || UNITS[UNITS.length - 1];
    var value = bytes / unit[0];
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined, {
        style: "unit",
        unit: unit[1],
        minimumFractionDigits: unit[3],
        maximumFractionDigits: unit[3],
      }).format(value);
    } catch (error) {
      return value.toFixed(unit[3]) + " " + unit[2];
    }
  }

  function wait(seconds) {
    return new Promise(function (resolve) { setTimeout(resolve, seconds * 1000); });
  }

  function readJSON(response) {
    return response.json().catch(function () { return {}; });
  }

  // Remembered per file (name, size, last change), so choosing the same file again resumes.
  function memoryKey(file) {
    return KEY + [file.name, file.size, file.lastModified].join(":");
  }
  function recall(key) {
    try { return window.localStorage.getItem(key); } catch (error) { return null; }
  }
  function remember(key, url) {
    try { window.localStorage.setItem(key, url); } catch (error) { /* private mode: no resuming across pages */ }
  }
  function forget(key) {
    try { window.localStorage.removeItem(key); } catch (error) { /* as above */ }
  }

  function ResumableUpload(form) {
    this.form = form;
    this.input = form.querySelector("input[type=file]");
    this.hidden = form.querySelector("input[name=upload_session]");
    this.token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    this.panel = form.querySelector("[data-upload-progress]");
    this.bar = this.panel.querySelector("progress");
    this.status = this.panel.querySelector("[data-upload-status]");
    this.error = this.panel.querySelector("[data-upload-error]");
    this.texts = form.dataset;
    this.busy = false;
    form.addEventListener("submit", this.onSubmit.bind(this));
  }

  ResumableUpload.prototype.request = function (url, options) {
    options = options || {};
    options.credentials = "same-origin";
    // Signed out meanwhile: the answer would be the sign-in page, not the upload's state.
    options.redirect = "manual";
    options.headers = Object.assign({ Accept: "application/json", "X-CSRFToken": this.token }, options.headers);
    return fetch(url, options);
  };

  ResumableUpload.prototype.onSubmit = function (event) {
    if (!this.input || !this.input.files.length || !window.fetch || !window.Promise) {
      return; // nothing to send in pieces (the file may be uploaded already): a plain submit
    }
    event.preventDefault();
    if (this.busy) { return; }
    this.busy = true;
    this.run(this.input.files[0]).catch(this.fail.bind(this));
  };

  ResumableUpload.prototype.run = function (file) {
    var self = this;
    var key = memoryKey(file);
    self.error.textContent = "";
    self.panel.hidden = false;
    self.bar.max = file.size;
    self.announced = -1;
    return self.session(file, key)
      .then(function (session) { return self.send(file, key, session); })
      .then(function (session) {
        self.say(self.texts.textSealing);
        self.hidden.value = session.id;
        self.input.value = "";
        // The form's own submit, which does not come back through onSubmit.
        HTMLFormElement.prototype.submit.call(self.form);
      });
  };

  ResumableUpload.prototype.fail = function (error) {
    this.busy = false;
    this.error.textContent = error instanceof Stop ? error.message : this.texts.textFailed;
    if (!(error instanceof Stop) && window.console) { console.warn(error); }
  };

  ResumableUpload.prototype.say = function (text) {
    this.status.textContent = text;
  };

  ResumableUpload.prototype.progress = function (offset, size) {
    this.bar.value = offset;
    // Announced in tenths, so a screen reader is not talked over at every piece.
    var tenth = Math.floor((offset / size) * 10);
    if (tenth !== this.announced) {
      this.announced = tenth;
      this.say(fill(this.texts.textProgress, { done: formatBytes(offset), total: formatBytes(size) }));
    }
  };

  // The upload this browser started for the same file, if the server still has it; else a new one.
  ResumableUpload.prototype.session = function (file, key) {
    var self = this;
    var url = recall(key);
    var known = url
      ? self.request(url).then(function (response) {
          return response.ok ? readJSON(response) : null;
        }).catch(function () { return null; })
      : Promise.resolve(null);
    return known.then(function (session) {
      if (session && session.size === file.size && session.state !== "done" && session.state !== "failed") {
        return session;
      }
      forget(key);
      return self.request(self.form.dataset.resumableUpload, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: file.name, size: file.size }),
      }).then(function (response) {
        if (response.type === "opaqueredirect") { throw new Stop(self.texts.textSignedOut); }
        return readJSON(response).then(function (body) {
          if (!response.ok || !body.chunk_url) { throw new Stop(body.error || self.texts.textFailed); }
          remember(key, body.url);
          return body;
        });
      });
    });
  };

  ResumableUpload.prototype.send = function (file, key, session) {
    var self = this;
    var failures = 0;
    var conflicts = 0;

    function stopped(offset) {
      return new Stop(fill(self.texts.textStopped, { done: formatBytes(offset), total: formatBytes(file.size) }));
    }

    // After a failure: wait, longer each time, then ask the server where the upload reached.
    function retry(offset) {
      failures += 1;
      if (failures > RETRIES) { throw stopped(offset); }
      var seconds = Math.min(Math.pow(2, failures), 60);
      self.say(fill(self.texts.textRetry, { done: formatBytes(offset), total: formatBytes(file.size), seconds: seconds }));
      return wait(seconds).then(function () {
        return self.request(session.url).then(function (response) {
          return response.ok ? readJSON(response) : {};
        }).catch(function () { return {}; });
      }).then(function (status) {
        self.announced = -1;
        return next(typeof status.offset === "number" ? status.offset : offset);
      });
    }

    function next(offset) {
      self.progress(offset, file.size);
      if (offset >= file.size) { return session; }
      var end = Math.min(offset + session.chunk_size, file.size);
      return self.request(session.chunk_url, {
        method: "PUT",
        headers: { "Content-Type": "application/octet-stream", "Upload-Offset": String(offset) },
        body: file.slice(offset, end),
      }).then(function (response) {
        if (response.type === "opaqueredirect") {
          throw new Stop(self.texts.textSignedOut);
        }
        if (response.ok) {
          failures = 0;
          conflicts = 0;
          return readJSON(response).then(function (body) {
            if (typeof body.offset !== "number") { throw new Stop(self.texts.textFailed); }
            return next(body.offset);
          });
        }
        if (response.status >= 500 || response.status === 408 || response.status === 429) {
          return retry(offset);
        }
        return readJSON(response).then(function (body) {
          var open = body.state === "open" || body.state === "complete";
          if (response.status === 409 && typeof body.offset === "number" && open && conflicts < MAX_CONFLICTS) {
            conflicts += 1;
            return next(body.offset); // the server says where the upload is: carry on from there
          }
          forget(key);
          throw new Stop(body.error || self.texts.textFailed);
        });
      }, function () {
        return retry(offset); // the connection dropped
      });
    }

    return next(session.offset);
  };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-resumable-upload]").forEach(function (form) {
      if (form.querySelector("[data-upload-progress]") && form.querySelector("input[name=upload_session]")) {
        new ResumableUpload(form);
      }
    });
  });
})();
