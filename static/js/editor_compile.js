/*
 * The editor's preview and compile-as-you-type (after editor_tabs.js; see editor.js).
 *
 * - The preview is the page's FractafragPlayer (static/js/player.js, the one player) on
 *   [data-role=preview], with mouse, keyboard and live inputs, Play/Pause and Restart.
 * - 400 ms after the last edit (or at once on Compile / Ctrl+Enter) the code is compiled
 *   locally by that player; where WebGL is missing the server's validator checks it instead.
 *   Errors are listed in [data-role=compile-errors] (each one jumps to its line), marked on
 *   their lines and counted on their tabs.
 */
(function () {
  "use strict";

  const F = window.Fractafrag;
  const E = window.FractafragEditor;
  const { $, data, state, tabs, cm } = E;
  const COMPILE_DELAY_MS = 400;
  const errorsBox = $("[data-role=compile-errors]");
  let errors = [];
  let compileTimer = 0;

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
    const code = E.version();
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
      E.setStatus("Could not check the code: " + F.errorText(answer), "error");
      return false;
    }
    showErrors(answer.data.errors);
    return answer.data.ok;
  }

  const mark = FractafragCode.errorMarks(cm);

  function showErrors(list) {
    errors = list || [];
    FractafragCode.listErrors(errorsBox, errors, jumpTo);
    FractafragCode.markTabs(tabs.values(), errors);
    markErrors();
  }

  // Line classes and gutter markers for the errors of the shown tab.
  function markErrors() {
    mark(errors, state.active);
  }

  function jumpTo(error) {
    if (!tabs.has(error.pass)) return;
    E.selectTab(error.pass);
    const line = Math.max(0, (error.line || 1) - 1);
    cm.setCursor({ line, ch: 0 });
    cm.scrollIntoView({ line, ch: 0 }, 80);
    cm.focus();
  }

  $("[data-action=compile]").addEventListener("click", () => compileNow());

  Object.assign(E, { compileNow, scheduleCompile, showErrors, markErrors, where: FractafragCode.where });
})();
