/*
 * The shader editor (/new and /shaders/<id>/edit).
 *
 * - One CodeMirror with a Doc per tab: Common, Image, Buffer A-D (buffers can be added and
 *   removed). Each pass keeps its own iChannel inputs.
 * - Compile-as-you-type: 400 ms after the last edit the code is compiled locally by the page's
 *   FractafragPlayer (the live preview); errors are marked on their lines and listed in
 *   [data-role=compile-errors]. Saving checks with the server's validator first.
 * - Save / Publish go through the REST API (Fractafrag.api: cookies + CSRF header).
 * - Generate with AI: the user's own provider key writes a new draft (/new?desire=<id>
 *   prefills the prompt with that desire's ask).
 *
 * The page data comes from <script type="application/json" id="editor-data"> (no inline code:
 * the site's CSP forbids it), and user data is only ever set as text.
 */
(function () {
  "use strict";

  const F = window.Fractafrag;
  const el = F.el;
  const data = JSON.parse(document.getElementById("editor-data").textContent);
  const root = document.querySelector("[data-role=editor-page]");

  const MIME = "x-shader/x-fragment";
  const BUFFERS = ["Buffer A", "Buffer B", "Buffer C", "Buffer D"];
  const TAB_ORDER = ["Common", "Image"].concat(BUFFERS);
  const COMPILE_DELAY_MS = 400;
  const ERROR_GUTTER = "cm-error-gutter";
  const NEW_BUFFER_CODE =
    "// A buffer keeps its picture between frames. Its iChannel0 reads\n" +
    "// its own previous frame (feedback): see the inputs below.\n" +
    "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n" +
    "    vec2 uv = fragCoord / iResolution.xy;\n" +
    "    fragColor = vec4(uv, 0.5 + 0.5 * sin(iTime), 1.0);\n" +
    "}\n";

  const $ = (selector) => root.querySelector(selector);
  const tabsBox = $("[data-role=tabs]");
  const errorsBox = $("[data-role=compile-errors]");
  const statusBox = $("[data-role=save-status]");
  const publishedBox = $("[data-role=published]");
  const addPassButton = $("[data-action=add-pass]");
  const removePassButton = $("[data-action=remove-pass]");
  const publishButton = $("[data-action=publish]");
  const saveButton = $("[data-action=save]");
  const fields = {
    title: $("#ed-title"), description: $("#ed-description"), tags: $("#ed-tags"),
    license: $("#ed-license"), visibility: $("#ed-visibility"), message: $("#ed-message"),
  };

  // ---- State ----

  let shader = data.shader; // {id, title, visibility, version, url, ...} once saved
  // Tab name -> {name, doc, inputs, button}; passOrder keeps the passes in the stored order,
  // so saving unchanged code does not make a new version.
  const tabs = new Map();
  const passOrder = [];
  let active = "Image";
  let errors = [];
  let dirty = false;
  let busy = false;
  let compileTimer = 0;

  // ---- CodeMirror ----

  // CodeMirror's GLSL mode knows GLSL 1.x: teach it GLSL ES 3.00 and Shadertoy's uniforms.
  (function extendGlslMode() {
    const spec = CodeMirror.mimeModes[MIME];
    if (!spec || typeof spec !== "object") return;
    const add = (key, words) => {
      spec[key] = spec[key] || {};
      for (const word of words.split(" ")) spec[key][word] = true;
    };
    add("keywords", "precision highp mediump lowp switch case default layout flat smooth " +
      "centroid invariant");
    add("types", "uint uvec2 uvec3 uvec4 mat2x2 mat2x3 mat2x4 mat3x2 mat3x3 mat3x4 mat4x2 " +
      "mat4x3 mat4x4 sampler2D sampler3D samplerCube sampler2DArray isampler2D usampler2D");
    add("builtin", "texture textureLod textureProj textureGrad textureOffset textureSize " +
      "texelFetch texelFetchOffset sinh cosh tanh asinh acosh atanh round roundEven trunc modf " +
      "isnan isinf inverse transpose determinant outerProduct floatBitsToInt floatBitsToUint " +
      "intBitsToFloat uintBitsToFloat packHalf2x16 unpackHalf2x16 mainImage");
    add("atoms", "iResolution iTime iTimeDelta iFrameRate iFrame iMouse iDate iSampleRate " +
      "iChannelResolution iChannelTime iChannel0 iChannel1 iChannel2 iChannel3 fragColor fragCoord");
  })();

  function makeDoc(text) {
    return new CodeMirror.Doc(text || "", MIME);
  }

  const cm = CodeMirror($("[data-role=editor]"), {
    value: makeDoc(""),
    mode: MIME,
    theme: "fractafrag",
    lineNumbers: true,
    matchBrackets: true,
    autoCloseBrackets: true,
    styleActiveLine: true,
    indentUnit: 4,
    tabSize: 4,
    indentWithTabs: false,
    gutters: [ERROR_GUTTER, "CodeMirror-linenumbers"],
    screenReaderLabel: "GLSL code",
    extraKeys: {
      Tab: (editor) => {
        if (editor.somethingSelected()) editor.indentSelection("add");
        else editor.replaceSelection(" ".repeat(editor.getOption("indentUnit")), "end");
      },
      "Shift-Tab": "indentLess",
      // Keyboard users need a way out of the editor (Tab indents inside it).
      Esc: () => { const tab = tabs.get(active); if (tab) tab.button.focus(); },
    },
  });
  cm.on("changes", () => {
    dirty = true;
    scheduleCompile();
  });

  // ---- Tabs ----

  function tabId(name) {
    return "ed-tab-" + name.toLowerCase().replace(/\s+/g, "-");
  }

  function addTab(name, code, inputs) {
    const button = el("button", {
      type: "button", role: "tab", id: tabId(name), class: "ed-tab",
      "aria-selected": "false", "aria-controls": "ed-code-panel", tabindex: "-1",
      dataset: { pass: name },
    }, name);
    button.addEventListener("click", () => selectTab(name));
    tabs.set(name, { name, doc: makeDoc(code), inputs: (inputs || []).map((i) => ({ ...i })), button });
    if (name !== "Common" && !passOrder.includes(name)) passOrder.push(name);
    renderTabs();
  }

  function renderTabs() {
    const ordered = TAB_ORDER.filter((name) => tabs.has(name)).map((name) => tabs.get(name).button);
    tabsBox.replaceChildren(...ordered);
    addPassButton.disabled = BUFFERS.every((name) => tabs.has(name));
  }

  function selectTab(name, focus) {
    const tab = tabs.get(name);
    if (!tab) return;
    active = name;
    for (const other of tabs.values()) {
      const selected = other.name === name;
      other.button.setAttribute("aria-selected", String(selected));
      other.button.tabIndex = selected ? 0 : -1;
    }
    cm.swapDoc(tab.doc);
    cm.setOption("screenReaderLabel", "GLSL code of " + name);
    $("[data-role=editor]").setAttribute("aria-labelledby", tab.button.id);
    removePassButton.hidden = !BUFFERS.includes(name);
    removePassButton.textContent = "Remove " + name;
    renderChannels();
    markErrors();
    if (focus) tab.button.focus();
  }

  // Arrow keys move between tabs (the WAI-ARIA tabs pattern).
  tabsBox.addEventListener("keydown", (event) => {
    const names = TAB_ORDER.filter((name) => tabs.has(name));
    const at = names.indexOf(active);
    let next = null;
    if (event.key === "ArrowRight") next = names[(at + 1) % names.length];
    else if (event.key === "ArrowLeft") next = names[(at - 1 + names.length) % names.length];
    else if (event.key === "Home") next = names[0];
    else if (event.key === "End") next = names[names.length - 1];
    if (next === null) return;
    event.preventDefault();
    selectTab(next, true);
  });

  addPassButton.addEventListener("click", () => {
    const name = BUFFERS.find((buffer) => !tabs.has(buffer));
    if (!name) return;
    // A new buffer reads its own previous frame on iChannel0, ready for feedback.
    addTab(name, NEW_BUFFER_CODE, [{ channel: 0, source: name, filter: "linear", wrap: "clamp" }]);
    dirty = true;
    selectTab(name);
    cm.focus();
    compileNow();
  });

  removePassButton.addEventListener("click", () => {
    const name = active;
    if (!BUFFERS.includes(name)) return;
    if (!window.confirm("Remove " + name + " and its code?")) return;
    tabs.delete(name);
    passOrder.splice(passOrder.indexOf(name), 1);
    // Nothing may read a buffer that is gone (the API refuses such inputs).
    for (const tab of tabs.values()) tab.inputs = tab.inputs.filter((i) => i.source !== name);
    renderTabs();
    dirty = true;
    selectTab("Image", true);
    compileNow();
  });

  // ---- Channels (iChannel0-3 of the active pass: static/js/channel_picker.js) ----

  data.media = data.media || {}; // "media:<id>" → what the player loads; the picker adds uploads
  const picker = FractafragChannelPicker.create({
    grid: $("[data-role=channel-grid]"),
    builtins: data.builtins, // every built-in input (GET /api/v1/inputs), given by the page
    media: data.media,
    signedIn: !!data.signed_in,
    onChange: () => { dirty = true; compileNow(); },
  });

  function renderChannels() {
    $("[data-role=channels-pass]").textContent = active;
    $("[data-role=channels]").hidden = active === "Common";
    const tab = tabs.get(active);
    if (!tab || active === "Common") { $("[data-role=channel-grid]").replaceChildren(); return; }
    picker.render(tab);
  }

  // ---- The code as the API and the player take it ----

  function version() {
    return {
      common: tabs.get("Common").doc.getValue(),
      passes: passOrder.map((name) => {
        const tab = tabs.get(name);
        return { name, code: tab.doc.getValue(), inputs: tab.inputs.map((i) => ({ ...i })) };
      }),
    };
  }

  // ---- The preview ----

  const canvas = $("[data-role=preview]");
  const note = $("[data-role=preview-note]");
  const playButton = $("[data-action=play-pause]");
  const clock = $("[data-role=clock]");
  let player = null;
  let loaded = false;
  try {
    player = new FractafragPlayer(canvas, { autoResize: true });
    player.attachMouse();
    canvas.tabIndex = 0; // keys reach the shader (keyboard input) while the canvas has focus
    player.attachKeyboard(canvas);
    // Mic, webcam and music start on a click (browsers ask permission, and play sound only
    // after a gesture); uploaded videos play muted at once.
    canvas.addEventListener("pointerdown", () => player.startLiveInputs());
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(() => player.fitToDisplay()).observe(canvas);
    }
    let shown = 0;
    player.onFrame = ({ time, fps }) => {
      const now = performance.now();
      if (now - shown < 100) return;
      shown = now;
      clock.textContent = time.toFixed(2) + " s · " + Math.round(fps) + " fps";
    };
    player.onError = ({ message }) => showNote(message);
    player.onContextRestored = () => { note.hidden = true; };
  } catch (error) {
    player = null;
    showNote(error.message + " The code is still checked by the server as you type.");
    playButton.disabled = true;
    $("[data-action=restart]").disabled = true;
  }

  function showNote(message) {
    note.textContent = message;
    note.hidden = false;
  }

  function setPlaying(playing) {
    if (!player) return;
    if (playing) player.play(); else player.pause();
    playButton.textContent = playing ? "Pause" : "Play";
    playButton.setAttribute("aria-pressed", String(!playing));
    playButton.setAttribute("aria-label", playing ? "Pause the preview" : "Play the preview");
  }

  playButton.addEventListener("click", () => setPlaying(!player.isPlaying));
  $("[data-action=restart]").addEventListener("click", () => {
    if (!player) return;
    player.restart();
  });

  // ---- Compiling ----

  function scheduleCompile() {
    clearTimeout(compileTimer);
    compileTimer = setTimeout(compileNow, COMPILE_DELAY_MS);
  }

  let serverCheck = 0; // sequence number: only the latest server answer is shown
  async function compileNow() {
    clearTimeout(compileTimer);
    const code = version();
    if (player) {
      const result = player.load(Object.assign({ media: data.media }, code));
      showErrors(result.errors);
      if (result.ok && !loaded) {
        loaded = true;
        setPlaying(true);
      }
      return result.ok;
    }
    const ticket = ++serverCheck;
    const answer = await F.api("POST", "/api/v1/validate", code);
    if (ticket !== serverCheck) return false;
    if (!answer.ok) {
      setStatus("Could not check the code: " + F.errorText(answer), "error");
      return false;
    }
    showErrors(answer.data.errors);
    return answer.data.ok;
  }

  function where(error) {
    return error.line ? error.pass + " line " + error.line : error.pass;
  }

  function showErrors(list) {
    errors = list || [];
    if (!errors.length) {
      errorsBox.dataset.state = "ok";
      errorsBox.replaceChildren(el("li", { class: "ed-ok" }, "Compiles."));
    } else {
      errorsBox.dataset.state = "errors";
      errorsBox.replaceChildren(...errors.map((error) => el("li", { class: "ed-error" },
        el("button", { type: "button", class: "ed-error-link", onclick: () => jumpTo(error) },
          where(error) + ": " + error.message))));
    }
    for (const tab of tabs.values()) {
      const count = errors.filter((e) => e.pass === tab.name).length;
      tab.button.classList.toggle("ed-tab-error", count > 0);
      tab.button.title = count ? count + (count === 1 ? " error" : " errors") : "";
    }
    markErrors();
  }

  // Line classes and gutter markers for the errors of the shown tab.
  let marked = []; // [{doc, handle}]
  function markErrors() {
    for (const { doc, handle } of marked) doc.removeLineClass(handle, "background", "cm-error-line");
    marked = [];
    cm.clearGutter(ERROR_GUTTER);
    const doc = cm.getDoc();
    const byLine = new Map();
    for (const error of errors) {
      if (error.pass !== active || !error.line || error.line > doc.lineCount()) continue;
      if (!byLine.has(error.line)) byLine.set(error.line, []);
      byLine.get(error.line).push(error.message);
    }
    for (const [line, messages] of byLine) {
      const handle = doc.addLineClass(line - 1, "background", "cm-error-line");
      marked.push({ doc, handle });
      cm.setGutterMarker(line - 1, ERROR_GUTTER,
        el("span", { class: "cm-error-marker", title: messages.join("\n"), "aria-hidden": "true" }, "●"));
    }
  }

  function jumpTo(error) {
    if (!tabs.has(error.pass)) return;
    selectTab(error.pass);
    const line = Math.max(0, (error.line || 1) - 1);
    cm.setCursor({ line, ch: 0 });
    cm.scrollIntoView({ line, ch: 0 }, 80);
    cm.focus();
  }

  // ---- Saving ----

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
      showErrors(body.errors); // the code does not compile: [{pass, line, message}]
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
      const code = version();
      const check = await F.api("POST", "/api/v1/validate", code);
      if (!check.ok) { showFailure(check); return; }
      if (!check.data.ok) {
        showErrors(check.data.errors);
        setStatus("Not saved: the shader does not compile (see the compiler's list).", "error");
        return;
      }
      setStatus(publish ? "Publishing…" : "Saving…");
      Object.assign(body, code);
      const before = shader ? shader.version : 0;
      const result = shader
        ? await F.api("PATCH", "/api/v1/shaders/" + shader.id, body)
        : await F.api("POST", "/api/v1/shaders", body);
      if (!result.ok) { showFailure(result); return; }
      const saved = result.data;
      dirty = false;
      if (!shader) {
        // The first save: continue in the shader's own editor page.
        window.location.assign("/shaders/" + saved.id + "/edit?" + (publish ? "published" : "saved") + "=1");
        return;
      }
      shader = Object.assign(shader, { title: saved.title, visibility: saved.visibility,
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

  $("[data-action=compile]").addEventListener("click", () => compileNow());
  if (saveButton) saveButton.addEventListener("click", () => save(false));
  if (publishButton) publishButton.addEventListener("click", () => save(true));
  for (const name of ["title", "description", "tags", "license", "visibility"]) {
    fields[name].addEventListener("input", () => {
      dirty = true;
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
      compileNow();
    } else if (event.key === "s" || event.key === "S") {
      event.preventDefault();
      event.stopPropagation();
      save(false);
    }
  }, true);

  window.addEventListener("beforeunload", (event) => {
    if (!dirty || !data.signed_in) return;
    event.preventDefault();
    event.returnValue = "";
  });

  // ---- Generate with AI (the user's own provider key) ----
  //
  // POST /api/v1/generate queues a job; its steps arrive in the user's room (user:<id>:
  // generate:progress, generate:done, generate:failed) and, as a fallback, from polling
  // GET /api/v1/generate/<id> every 2 s. Done: open the new draft in its editor.

  const PROVIDER_LABELS = { openai: "OpenAI-compatible", anthropic: "Anthropic" };
  const POLL_MS = 2000;
  const generateBox = $("[data-role=generate]");
  const generateForm = $("[data-role=generate-form]");
  const gen = generateForm ? {
    prompt: $("[data-role=generate-prompt]"),
    provider: $("[data-role=generate-provider]"),
    button: $("[data-action=generate]"),
    none: $("[data-role=generate-none]"),
    desire: $("[data-role=generate-desire]"),
    progress: $("[data-role=generate-progress]"),
  } : null;
  let providersLoaded = null; // the pending or finished load
  let desireId = null;
  let jobId = null;
  let jobOver = true;
  let pollTimer = 0;

  function loadProviders() {
    if (!providersLoaded) providersLoaded = (async () => {
      const answer = await F.api("GET", "/api/v1/users/me/byok");
      if (!answer.ok) {
        gen.provider.replaceChildren(el("option", { value: "" }, "Unavailable"));
        showGeneration({ status: "failed", message: F.errorText(answer) });
        return;
      }
      const keys = answer.data || [];
      gen.none.hidden = keys.length > 0;
      if (!keys.length) {
        gen.provider.replaceChildren(el("option", { value: "" }, "No provider key yet"));
        return;
      }
      gen.provider.replaceChildren(...keys.map((key) => el("option", { value: key.provider },
        (PROVIDER_LABELS[key.provider] || key.provider) + " · " + key.model)));
      gen.provider.disabled = false;
      gen.button.disabled = false;
    })();
    return providersLoaded;
  }

  function showGeneration(state) {
    const box = gen.progress;
    const attempt = state.attempts !== undefined ? state.attempts : state.attempt;
    const provider = PROVIDER_LABELS[gen.provider.value] || "the model";
    let headline;
    if (state.status === "queued") headline = "Queued: waiting for a worker…";
    else if (state.status === "running") {
      headline = attempt > 1
        ? "Attempt " + attempt + ": the code did not compile, so " + provider +
          " was asked to repair it…"
        : "Attempt 1: asking " + provider + " for a shader…";
    } else if (state.status === "done") headline = "It compiles! Opening the new draft…";
    else headline = state.message || "The generation failed.";
    const parts = [el("p", { "data-role": "generate-headline" }, headline)];
    const list = state.errors || [];
    if (list.length) {
      parts.push(el("ul", {}, list.slice(0, 5).map((error) =>
        el("li", {}, where(error) + ": " + error.message))));
    }
    box.dataset.state = state.status;
    box.replaceChildren(...parts);
    box.hidden = false;
  }

  function jobUpdate(state) {
    if (!state || state.id !== jobId || jobOver) return;
    showGeneration(state);
    if (state.status === "done" && state.shader_id) {
      jobOver = true;
      clearTimeout(pollTimer);
      window.location.assign("/shaders/" + state.shader_id + "/edit?generated=1");
    } else if (state.status === "failed") {
      jobOver = true;
      clearTimeout(pollTimer);
      gen.button.disabled = false;
      gen.button.removeAttribute("aria-busy");
      F.toast(state.message || "The generation failed.", "error");
    }
  }

  async function poll() {
    if (jobOver) return;
    const answer = await F.api("GET", "/api/v1/generate/" + encodeURIComponent(jobId));
    if (answer.ok) jobUpdate(answer.data);
    if (!jobOver) pollTimer = setTimeout(poll, POLL_MS);
  }

  let subscribed = false;
  function listen() {
    // The socket is opened only once someone generates; polling covers what it misses.
    if (subscribed || !F.user) return;
    subscribed = true;
    const handlers = {};
    for (const name of ["generate:progress", "generate:done", "generate:failed"]) {
      handlers[name] = jobUpdate;
    }
    F.subscribe("user:" + F.user.id, handlers);
  }

  async function generate(event) {
    event.preventDefault();
    if (!jobOver) return;
    await loadProviders();
    if (!gen.provider.value) {
      gen.none.hidden = false;
      return;
    }
    const body = { prompt: gen.prompt.value.trim(), provider: gen.provider.value };
    if (desireId) body.desire_id = desireId;
    if (!body.prompt && !desireId) {
      gen.prompt.setAttribute("aria-invalid", "true");
      showGeneration({ status: "failed", message: "Describe the shader you want first." });
      gen.prompt.focus();
      return;
    }
    gen.prompt.removeAttribute("aria-invalid");
    listen();
    gen.button.disabled = true;
    gen.button.setAttribute("aria-busy", "true");
    showGeneration({ status: "queued" });
    const answer = await F.api("POST", "/api/v1/generate", body);
    if (!answer.ok) {
      showGeneration({ status: "failed", message: F.errorText(answer) });
      gen.button.disabled = false;
      gen.button.removeAttribute("aria-busy");
      return;
    }
    jobId = answer.data.id;
    jobOver = false;
    pollTimer = setTimeout(poll, POLL_MS);
  }

  async function prefillDesire(id) {
    const answer = await F.api("GET", "/api/v1/desires/" + id);
    if (!answer.ok) return;
    desireId = answer.data.id;
    if (!gen.prompt.value.trim()) gen.prompt.value = answer.data.prompt;
    gen.desire.replaceChildren("Answering ",
      el("a", { href: "/desires/" + desireId }, "desire #" + desireId), ": “" +
      answer.data.prompt + "”");
    gen.desire.hidden = false;
  }

  if (gen) {
    generateForm.addEventListener("submit", generate);
    generateBox.addEventListener("toggle", () => { if (generateBox.open) loadProviders(); });
    const wanted = new URLSearchParams(window.location.search).get("desire");
    if (wanted && /^\d{1,18}$/.test(wanted)) {
      generateBox.open = true;
      loadProviders();
      prefillDesire(wanted);
    }
  } else if (generateBox && new URLSearchParams(window.location.search).has("desire")) {
    generateBox.open = true; // signed out: show the sign-in link
  }

  // ---- Start ----

  addTab("Common", data.common || "", []);
  const initial = Array.isArray(data.passes) ? data.passes : [];
  for (const pass of initial) {
    if (pass && TAB_ORDER.includes(pass.name) && pass.name !== "Common" && !tabs.has(pass.name)) {
      addTab(pass.name, pass.code || "", pass.inputs);
    }
  }
  if (!tabs.has("Image")) addTab("Image", "", []);
  selectTab("Image");
  showPublished();
  const params = new URLSearchParams(window.location.search);
  if (params.has("published")) setStatus("Published!", "ok");
  else if (params.has("generated")) {
    setStatus("Generated with AI and saved as a draft: edit it, then publish when you like.", "ok");
  } else if (params.has("saved")) setStatus("Saved as " + (shader ? shader.visibility : "a draft") + ".", "ok");
  if (params.has("published") || params.has("saved") || params.has("generated")) {
    window.history.replaceState(null, "", window.location.pathname);
  }
  compileNow();
  dirty = false;
})();
