/*
 * GLSL code in CodeMirror 5, shared by the editor and the jam page: CodeMirror's GLSL mode taught
 * GLSL ES 3.00 and Shadertoy's uniforms, the editor options both pages use, and compile errors
 * shown three ways (a list whose items jump to their line, marks on the lines and in the gutter,
 * a dot on the tab of each pass with errors). Errors are the player's and the validator's shape:
 * [{pass, line, message}].
 *
 *   const cm = CodeMirror(box, FractafragCode.options({readOnly: true}));
 *   const mark = FractafragCode.errorMarks(cm);   mark(errors, "Image");
 *   FractafragCode.listErrors(ul, errors, (error) => jump(error));
 *   FractafragCode.markTabs([{name, button}], errors);
 */
(function () {
  "use strict";

  const MIME = "x-shader/x-fragment";
  const ERROR_GUTTER = "cm-error-gutter";

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

  // The options of a GLSL editor in the site's theme; `extra` adds or overrides.
  function options(extra) {
    return Object.assign({
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
    }, extra || {});
  }

  // Tab indents by four spaces (or the selection), Shift-Tab outdents.
  const indentKeys = {
    Tab: (editor) => {
      if (editor.somethingSelected()) editor.indentSelection("add");
      else editor.replaceSelection(" ".repeat(editor.getOption("indentUnit")), "end");
    },
    "Shift-Tab": "indentLess",
  };

  function where(error) {
    return error.line ? error.pass + " line " + error.line : error.pass;
  }

  // The error list: "Compiles." or one button per error that calls onJump(error).
  function listErrors(box, errors, onJump) {
    const el = window.Fractafrag.el;
    if (!errors.length) {
      box.dataset.state = "ok";
      box.replaceChildren(el("li", { class: "ed-ok" }, "Compiles."));
      return;
    }
    box.dataset.state = "errors";
    box.replaceChildren(...errors.map((error) => el("li", { class: "ed-error" },
      el("button", { type: "button", class: "ed-error-link", onclick: () => onJump(error) },
        where(error) + ": " + error.message))));
  }

  // A function that marks the errors of one pass on cm's shown document (line background and
  // gutter dot, the messages as its title), clearing the marks it made before.
  function errorMarks(cm) {
    let marked = []; // [{doc, handle}]: the doc may have been swapped out since
    return function mark(errors, pass) {
      const el = window.Fractafrag.el;
      for (const { doc, handle } of marked) doc.removeLineClass(handle, "background", "cm-error-line");
      marked = [];
      cm.clearGutter(ERROR_GUTTER);
      const doc = cm.getDoc();
      const byLine = new Map();
      for (const error of errors) {
        if (error.pass !== pass || !error.line || error.line > doc.lineCount()) continue;
        if (!byLine.has(error.line)) byLine.set(error.line, []);
        byLine.get(error.line).push(error.message);
      }
      for (const [line, messages] of byLine) {
        const handle = doc.addLineClass(line - 1, "background", "cm-error-line");
        marked.push({ doc, handle });
        cm.setGutterMarker(line - 1, ERROR_GUTTER,
          el("span", { class: "cm-error-marker", title: messages.join("\n"), "aria-hidden": "true" }, "●"));
      }
    };
  }

  // A dot and a count (as the title) on the tab of each pass that has errors.
  function markTabs(tabs, errors) {
    for (const tab of tabs) {
      const count = errors.filter((e) => e.pass === tab.name).length;
      tab.button.classList.toggle("ed-tab-error", count > 0);
      tab.button.title = count ? count + (count === 1 ? " error" : " errors") : "";
    }
  }

  window.FractafragCode = { MIME, ERROR_GUTTER, options, indentKeys, where, listErrors,
                            errorMarks, markTabs };
})();
