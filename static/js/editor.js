/*
 * The shader editor (/new and /shaders/<id>/edit): starts the page once its parts are loaded.
 * templates/editor.html loads, in this order, CodeMirror, player.js (the one shader player),
 * channel_picker.js, then the editor's modules, which share one namespace,
 * window.FractafragEditor (described in editor_tabs.js):
 *
 *   editor_tabs.js      CodeMirror, the tabs and passes, the channel picker, the code as data
 *   editor_compile.js   the preview player and compile-as-you-type, with the error list
 *   editor_save.js      the fields, Save and Publish, Ctrl/Cmd shortcuts, the unsaved warning
 *   editor_generate.js  Generate with AI (the user's own provider key)
 *   editor.js           this start: the stored passes, the status after a save, a first compile
 *
 * The page data comes from <script type="application/json" id="editor-data"> (no inline code:
 * the site's CSP forbids it), and user data is only ever set as text.
 */
(function () {
  "use strict";

  const E = window.FractafragEditor;
  const { state } = E;

  E.openPasses();
  E.showPublished();
  const params = new URLSearchParams(window.location.search);
  if (params.has("published")) E.setStatus("Published!", "ok");
  else if (params.has("generated")) {
    E.setStatus("Generated with AI and saved as a draft: edit it, then publish when you like.", "ok");
  } else if (params.has("saved")) {
    E.setStatus("Saved as " + (state.shader ? state.shader.visibility : "a draft") + ".", "ok");
  }
  if (params.has("published") || params.has("saved") || params.has("generated")) {
    window.history.replaceState(null, "", window.location.pathname);
  }
  E.compileNow();
  state.dirty = false;
})();
