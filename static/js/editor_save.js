/*
 * Saving from the editor (after editor_compile.js; see editor.js): the title, description,
 * tags, licence, visibility and version message fields, Save and Publish through the REST API
 * (Fractafrag.api: cookies + CSRF header), checked first by the server's validator, with the
 * answer in [data-role=save-status] and a refused field's message under that field. The first
 * save continues in the new shader's own editor page. Also: Ctrl/Cmd+Enter compiles,
 * Ctrl/Cmd+S saves, and leaving with unsaved edits asks first.
 */
(function () {
  "use strict";

  const F = window.Fractafrag;
  const el = F.el;
  const E = window.FractafragEditor;
  const { $, root, data, state } = E;
  const statusBox = $("[data-role=save-status]");
  const publishedBox = $("[data-role=published]");
  const publishButton = $("[data-action=publish]");
  const saveButton = $("[data-action=save]");
  const fields = {
    title: $("#ed-title"), description: $("#ed-description"), tags: $("#ed-tags"),
    license: $("#ed-license"), visibility: $("#ed-visibility"), message: $("#ed-message"),
  };
  let busy = false;

  function setStatus(message, kind) {
    statusBox.textContent = message || "";
    statusBox.className = "ed-status" + (kind ? " ed-status-" + kind : "");
  }

  function clearFieldErrors() {
    for (const node of root.querySelectorAll("[data-error-for]")) node.textContent = "";
    for (const field of Object.values(fields)) if (field) field.removeAttribute("aria-invalid");
  }

  function fieldError(name, message) {
    const box = root.querySelector('[data-error-for="' + name + '"]');
    if (!box || !fields[name]) return false;
    box.textContent = message;
    fields[name].setAttribute("aria-invalid", "true");
    return true;
  }

  function meta() {
    const body = {
      title: fields.title.value.trim(),
      description: fields.description.value,
      tags: fields.tags.value.split(",").map((t) => t.trim()).filter(Boolean),
      license: fields.license.value,
      visibility: fields.visibility.value,
    };
    if (fields.message && fields.message.value.trim()) body.message = fields.message.value.trim();
    return body;
  }

  function showPublished() {
    const shader = state.shader;
    const visible = shader && (shader.visibility === "public" || shader.visibility === "unlisted");
    publishedBox.hidden = !visible;
    if (visible) {
      publishedBox.replaceChildren(
        el("a", { href: shader.url, "data-role": "shader-link" },
          shader.visibility === "public" ? "Published: view the shader page →"
                                         : "Unlisted: view the shader page →"));
    }
    if (publishButton) {
      const isPublic = shader && shader.visibility === "public";
      publishButton.disabled = !!isPublic;
      publishButton.textContent = isPublic ? "Published" : "Publish";
    }
  }

  function showFailure(result) {
    const body = result.data || {};
    if (Array.isArray(body.errors)) {
      E.showErrors(body.errors); // the code does not compile: [{pass, line, message}]
    } else if (body.errors && typeof body.errors === "object") {
      const named = body.errors.json || body.errors;
      for (const [name, messages] of Object.entries(named)) {
        if (Array.isArray(messages) || typeof messages === "string") {
          fieldError(name, [].concat(messages).join(" "));
        }
      }
    }
    const text = F.errorText(result);
    setStatus("Not saved: " + text, "error");
    F.toast(text, "error");
  }

  async function save(publish) {
    if (!data.signed_in) {
      setStatus("Sign in to save your shader.", "error");
      return;
    }
    if (busy) return;
    clearFieldErrors();
    const body = meta();
    if (!body.title) {
      fieldError("title", "Give your shader a title.");
      fields.title.focus();
      setStatus("Not saved: the shader needs a title.", "error");
      return;
    }
    if (publish) body.visibility = "public";
    busy = true;
    for (const button of [saveButton, publishButton]) if (button) button.setAttribute("aria-busy", "true");
    try {
      setStatus("Checking the code…");
      const code = E.version();
      const check = await F.api("POST", "/api/v1/validate", code);
      if (!check.ok) { showFailure(check); return; }
      if (!check.data.ok) {
        E.showErrors(check.data.errors);
        setStatus("Not saved: the shader does not compile (see the compiler's list).", "error");
        return;
      }
      setStatus(publish ? "Publishing…" : "Saving…");
      Object.assign(body, code);
      const shader = state.shader;
      const before = shader ? shader.version : 0;
      const result = shader
        ? await F.api("PATCH", "/api/v1/shaders/" + shader.id, body)
        : await F.api("POST", "/api/v1/shaders", body);
      if (!result.ok) { showFailure(result); return; }
      const saved = result.data;
      state.dirty = false;
      if (!shader) {
        // The first save: continue in the shader's own editor page.
        window.location.assign("/shaders/" + saved.id + "/edit?" + (publish ? "published" : "saved") + "=1");
        return;
      }
      state.shader = Object.assign(shader, { title: saved.title, visibility: saved.visibility,
                                             version: saved.version, published_at: saved.published_at });
      fields.visibility.value = saved.visibility;
      if (fields.message) fields.message.value = "";
      const versionNote = $("[data-role=version]");
      if (versionNote) versionNote.textContent = "Version " + saved.version;
      document.title = "Edit “" + saved.title + "” · Fractafrag";
      showPublished();
      const what = saved.version > before ? "Saved version " + saved.version + "." : "Saved.";
      setStatus(publish ? "Published! " + what : what, "ok");
    } catch (error) {
      setStatus("Not saved: " + (error && error.message ? error.message : "network error"), "error");
    } finally {
      busy = false;
      for (const button of [saveButton, publishButton]) if (button) button.removeAttribute("aria-busy");
    }
  }

  // ---- Wiring ----

  if (saveButton) saveButton.addEventListener("click", () => save(false));
  if (publishButton) publishButton.addEventListener("click", () => save(true));
  for (const name of ["title", "description", "tags", "license", "visibility"]) {
    fields[name].addEventListener("input", () => {
      state.dirty = true;
      const box = root.querySelector('[data-error-for="' + name + '"]');
      if (box && box.textContent) { box.textContent = ""; fields[name].removeAttribute("aria-invalid"); }
    });
  }

  // Ctrl/Cmd+Enter compiles, Ctrl/Cmd+S saves: anywhere on the page, before CodeMirror sees it.
  window.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
    if (event.key === "Enter") {
      event.preventDefault();
      event.stopPropagation();
      E.compileNow();
    } else if (event.key === "s" || event.key === "S") {
      event.preventDefault();
      event.stopPropagation();
      save(false);
    }
  }, true);

  window.addEventListener("beforeunload", (event) => {
    if (!state.dirty || !data.signed_in) return;
    event.preventDefault();
    event.returnValue = "";
  });

  Object.assign(E, { setStatus, showPublished });
})();
