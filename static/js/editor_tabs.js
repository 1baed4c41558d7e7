/*
 * The editor's code and passes (first of the editor's scripts; see editor.js for the layout):
 * creates the shared namespace window.FractafragEditor, the CodeMirror (GLSL ES 3.00 and
 * Shadertoy's uniforms: static/js/glsl_code.js) with one Doc per tab (Common, Image, Buffer A-D; buffers can be added
 * and removed, each pass keeps its own iChannel inputs), the tab strip (WAI-ARIA tabs: arrow
 * keys, Home, End), the channel picker of the active pass (static/js/channel_picker.js), and
 * version(): the code as the API and the player take it.
 *
 * FractafragEditor (E) holds what the modules share:
 *   E.data, E.root, E.$(selector)      the page's JSON block, the editor element, a query in it
 *   E.state = {shader, active, dirty}  the saved shader (or null), the shown tab, unsaved edits
 *   E.cm, E.tabs, E.ERROR_GUTTER       CodeMirror, tab name -> {name, doc, inputs, button}
 *   E.selectTab, E.openPasses, E.version                        (this file)
 *   E.compileNow, E.scheduleCompile, E.showErrors, E.markErrors, E.where  (editor_compile.js)
 *   E.setStatus, E.showPublished                                (editor_save.js)
 * Functions of later modules are looked up when called, so the load order only matters for
 * editor.js, which starts the page once every part is there.
 */
(function () {
  "use strict";

  const F = window.Fractafrag;
  const el = F.el;
  const data = JSON.parse(document.getElementById("editor-data").textContent);
  const root = document.querySelector("[data-role=editor-page]");
  const $ = (selector) => root.querySelector(selector);

  const C = window.FractafragCode; // static/js/glsl_code.js: the GLSL mode, options, errors
  const MIME = C.MIME;
  const BUFFERS = ["Buffer A", "Buffer B", "Buffer C", "Buffer D"];
  const TAB_ORDER = ["Common", "Image"].concat(BUFFERS);
  const ERROR_GUTTER = C.ERROR_GUTTER;
  const NEW_BUFFER_CODE =
    "// A buffer keeps its picture between frames. Its iChannel0 reads\n" +
    "// its own previous frame (feedback): see the inputs below.\n" +
    "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n" +
    "    vec2 uv = fragCoord / iResolution.xy;\n" +
    "    fragColor = vec4(uv, 0.5 + 0.5 * sin(iTime), 1.0);\n" +
    "}\n";

  const tabsBox = $("[data-role=tabs]");
  const addPassButton = $("[data-action=add-pass]");
  const removePassButton = $("[data-action=remove-pass]");

  // Tab name -> {name, doc, inputs, button}; passOrder keeps the passes in the stored order,
  // so saving unchanged code does not make a new version.
  const tabs = new Map();
  const passOrder = [];
  const state = { shader: data.shader, active: "Image", dirty: false };

  const E = window.FractafragEditor = { data, root, $, state, tabs, ERROR_GUTTER };

  // ---- CodeMirror ----

  function makeDoc(text) {
    return new CodeMirror.Doc(text || "", MIME);
  }

  const cm = E.cm = CodeMirror($("[data-role=editor]"), C.options({
    value: makeDoc(""),
    extraKeys: Object.assign({}, C.indentKeys, {
      // Keyboard users need a way out of the editor (Tab indents inside it).
      Esc: () => { const tab = tabs.get(state.active); if (tab) tab.button.focus(); },
    }),
  }));
  cm.on("changes", () => {
    state.dirty = true;
    E.scheduleCompile();
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
    state.active = name;
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
    E.markErrors();
    if (focus) tab.button.focus();
  }

  // Arrow keys move between tabs (the WAI-ARIA tabs pattern).
  tabsBox.addEventListener("keydown", (event) => {
    const names = TAB_ORDER.filter((name) => tabs.has(name));
    const at = names.indexOf(state.active);
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
    state.dirty = true;
    selectTab(name);
    cm.focus();
    E.compileNow();
  });

  removePassButton.addEventListener("click", () => {
    const name = state.active;
    if (!BUFFERS.includes(name)) return;
    if (!window.confirm("Remove " + name + " and its code?")) return;
    tabs.delete(name);
    passOrder.splice(passOrder.indexOf(name), 1);
    // Nothing may read a buffer that is gone (the API refuses such inputs).
    for (const tab of tabs.values()) tab.inputs = tab.inputs.filter((i) => i.source !== name);
    renderTabs();
    state.dirty = true;
    selectTab("Image", true);
    E.compileNow();
  });

  // The stored passes as tabs (Common and Image always), the Image tab shown.
  function openPasses() {
    addTab("Common", data.common || "", []);
    const initial = Array.isArray(data.passes) ? data.passes : [];
    for (const pass of initial) {
      if (pass && TAB_ORDER.includes(pass.name) && pass.name !== "Common" && !tabs.has(pass.name)) {
        addTab(pass.name, pass.code || "", pass.inputs);
      }
    }
    if (!tabs.has("Image")) addTab("Image", "", []);
    selectTab("Image");
  }

  // ---- Channels (iChannel0-3 of the active pass: static/js/channel_picker.js) ----

  data.media = data.media || {}; // "media:<id>" → what the player loads; the picker adds uploads
  const picker = FractafragChannelPicker.create({
    grid: $("[data-role=channel-grid]"),
    builtins: data.builtins, // every built-in input (GET /api/v1/inputs), given by the page
    media: data.media,
    signedIn: !!data.signed_in,
    onChange: () => { state.dirty = true; E.compileNow(); },
  });

  function renderChannels() {
    const active = state.active;
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

  Object.assign(E, { selectTab, openPasses, version });
})();
