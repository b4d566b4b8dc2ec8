// Lodge's only script. Everything works without it; it adds the Escape key for quick exit,
// makes the quick-exit button blank the page before leaving, reloads a page restored from
// the back-forward cache so a closed session never reappears, updates work in progress in
// place, runs passkey ceremonies (which need the browser's WebAuthn API) for the forms
// marked data-passkey, opens a police link from the secret after its "#", and copies a
// link she must pass on.
(function () {
  "use strict";
  function leave() {
    document.documentElement.style.display = "none";
    document.title = "";
    window.location.replace("/exit");
  }
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !typing(e.target)) {
      e.preventDefault();
      leave();
    }
  });
  var button = document.getElementById("quick-exit");
  if (button) {
    button.addEventListener("click", function (e) {
      e.preventDefault();
      leave();
    });
  }
  // A link to pass on: its copy button appears only where a script can copy.
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (copy) {
    var box = document.getElementById(copy.getAttribute("data-copy"));
    var said = document.getElementById(copy.getAttribute("data-copy") + "-copied");
    if (!box || !navigator.clipboard) return;
    copy.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(box.value).then(
        function () { if (said) said.textContent = "Copied. Paste it into your message."; },
        function () { box.select(); if (said) said.textContent = "Select the link and copy it."; }
      );
    });
  });
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) window.location.reload();
  });

  // A police link keeps its secret after "#", which the browser never sends. Post it in the
  // form (the same one an officer without JavaScript pastes the link into), and take it out
  // of the address bar and the history first.
  var shared = document.getElementById("open-shared");
  if (shared && window.location.hash.length > 1) {
    shared.elements["link"].value = window.location.hash.slice(1);
    window.history.replaceState(null, "", window.location.pathname);
    shared.submit();
  }

  // Work in progress (a scan, a video, a report being made): rather than reloading the page,
  // which would take her place and what she is typing, bring the parts marked data-progress
  // up to date in place every few seconds. Once the work is done, reload the page to show what
  // it made, unless she has typed something on it.
  var working = document.querySelector('meta[name="lodge-working"]');
  function typedSomething() {
    var fields = document.querySelectorAll("input, textarea");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "hidden" || (f.type === "file" && !f.value)) continue;
      if (f.type === "checkbox" || f.type === "radio" ? f.checked !== f.defaultChecked : f.value !== f.defaultValue) return true;
    }
    return false;
  }
  function refresh(seconds) {
    window.setTimeout(function () {
      fetch(window.location.href, { credentials: "same-origin", headers: { accept: "text/html" } })
        .then(function (res) { return res.ok ? res.text() : Promise.reject(res.status); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html");
          var regions = document.querySelectorAll("[data-progress][id]");
          for (var i = 0; i < regions.length; i++) {
            var now = fresh.getElementById(regions[i].id);
            if (now && !regions[i].contains(document.activeElement)) regions[i].innerHTML = now.innerHTML;
          }
          if (fresh.querySelector('meta[name="lodge-working"]')) refresh(seconds);
          else if (!typedSomething()) window.location.reload();
        })
        .catch(function () { refresh(seconds * 2); });
    }, seconds * 1000);
  }
  if (working) refresh(Number(working.getAttribute("content")) || 5);

  // Passkeys. Lodge sends WebAuthn options with binary fields as base64url text; the
  // browser wants bytes, and Lodge wants the answer back as base64url text.
  function bytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }
  function text(buffer) {
    if (!buffer) return null;
    var raw = "", view = new Uint8Array(buffer);
    for (var i = 0; i < view.length; i++) raw += String.fromCharCode(view[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function withBytes(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: bytes(c.id) }); });
  }
  function answer(credential) {
    var r = credential.response, out = { id: credential.id, rawId: text(credential.rawId), type: credential.type, extensions: {} };
    out.response = r.attestationObject
      ? { attestationObject: text(r.attestationObject), clientDataJSON: text(r.clientDataJSON) }
      : { authenticatorData: text(r.authenticatorData), clientDataJSON: text(r.clientDataJSON),
          signature: text(r.signature), userHandle: text(r.userHandle) };
    return out;
  }
  function post(url, body, token) {
    var headers = { "content-type": "application/json" };
    if (token) headers["x-lodge-form"] = token;
    return fetch(url, { method: "POST", headers: headers, body: JSON.stringify(body), credentials: "same-origin" })
      .then(function (res) {
        return res.json().then(function (json) {
          if (!res.ok) throw new Error(json.error || "That did not work. Try again.");
          return json;
        });
      });
  }
  function ceremony(form, start, finish, startBody, extra, create) {
    var message = form.querySelector("[data-passkey-message]");
    var token = form.getAttribute("data-form-token");
    if (message) message.textContent = "";
    post(start, startBody, token)
      .then(function (c) {
        var o = c.options.publicKey;
        o.challenge = bytes(o.challenge);
        if (create) {
          o.user.id = bytes(o.user.id);
          o.excludeCredentials = withBytes(o.excludeCredentials);
          return navigator.credentials.create({ publicKey: o }).then(function (cred) { return [c, cred]; });
        }
        o.allowCredentials = withBytes(o.allowCredentials);
        return navigator.credentials.get({ publicKey: o }).then(function (cred) { return [c, cred]; });
      })
      .then(function (pair) {
        return post(finish, Object.assign({ ceremony: pair[0].ceremony, answer: answer(pair[1]) }, extra), token);
      })
      .then(function (done) { window.location.assign(done.next); })
      .catch(function (e) {
        if (message) message.textContent = e.name === "NotAllowedError" ? "The passkey was not used. Try again." : e.message;
      });
  }
  if (window.PublicKeyCredential) {
    var register = document.querySelector("form[data-passkey=register]");
    if (register) register.addEventListener("submit", function (e) {
      e.preventDefault();
      var extra = { name: register.elements["passkey_name"].value, signs_in: register.elements["signs_in"].checked };
      var start = { password: register.elements["passkey_password"].value };
      ceremony(register, "/account/passkeys/start", "/account/passkeys/finish", start, extra, true);
    });
    var second = document.querySelector("form[data-passkey=second]");
    if (second) second.addEventListener("submit", function (e) {
      e.preventDefault();
      ceremony(second, "/login/code/passkey/start", "/login/code/passkey/finish", {}, {}, false);
    });
    var signIn = document.querySelector("button[data-passkey=sign-in]");
    if (signIn) {
      signIn.hidden = false;
      signIn.addEventListener("click", function () {
        var form = signIn.form, name = form.elements["username"].value;
        var message = form.querySelector("[data-passkey-message]");
        if (!name) { message.textContent = "Type your username first."; return; }
        ceremony(form, "/login/passkey/start", "/login/passkey/finish", { username: name }, {}, false);
      });
    }
  }
})();
