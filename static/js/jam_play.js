/*
 * A jam's picture (after jam_sync.js; see jam.js): every page compiles and plays the shared code
 * with the one player (static/js/player.js) as it changes, and shows compile errors as the
 * editor does (static/js/glsl_code.js: a list that jumps to the line, marks on the lines, a dot
 * on the tab). The inputs are the base version's: a jam edits code only.
 */
(function () {
  "use strict";

  const C = window.FractafragCode;
  const J = window.FractafragJam;
  const { data, root, state, views, $ } = J;
  const COMPILE_DELAY_MS = 300;

  const canvas = $("[data-role=preview]");
  const note = $("[data-role=preview-note]");
  const playButton = $("[data-action=play-pause]");
  const clock = $("[data-role=clock]");
  const errorsBox = $("[data-role=compile-errors]");
  let player = null;
  let started = false; // plays from the first code that compiles; Pause is then the viewer's
  let errors = [];
  let compileTimer = 0;
  let compileDue = 0;
  let lastCompile = -Infinity;
  let compiled = null; // the code last given to the player, as JSON

  try {
    player = new FractafragPlayer(canvas, { autoResize: true });
    player.attachMouse();
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
    showNote(error.message);
    playButton.disabled = true;
    $("[data-action=restart]").disabled = true;
  }

  function showNote(message) {
    note.textContent = message;
    note.hidden = false;
  }

  function setPlaying(on) {
    if (!player) return;
    if (on) player.play(); else player.pause();
    playButton.textContent = on ? "Pause" : "Play";
    playButton.setAttribute("aria-pressed", String(!on));
  }
  playButton.addEventListener("click", () => setPlaying(!player.isPlaying));
  $("[data-action=restart]").addEventListener("click", () => { if (player) player.restart(); });

  // The code as the player takes it: the shared texts, with the base version's inputs.
  function version() {
    const text = (name) => (state.bound ? views.get(name).text.toString() : views.get(name).cm.getValue());
    return {
      common: views.has("Common") ? text("Common") : "",
      passes: Array.from(views.keys()).filter((name) => name !== "Common").map((name) => ({
        name, code: text(name), inputs: (data.inputs[name] || []).map((i) => ({ ...i })),
      })),
      media: data.media,
    };
  }

  // Your own typing compiles once you pause for COMPILE_DELAY_MS (no errors flashing under your
  // fingers); the others' edits compile at once, then at most every COMPILE_DELAY_MS, so the
  // picture follows them closely (what an audience watches).
  function scheduleCompile(remote) {
    const now = performance.now();
    const due = remote ? Math.max(now, lastCompile + COMPILE_DELAY_MS) : now + COMPILE_DELAY_MS;
    if (compileTimer && remote && compileDue <= due) return; // a compile is due sooner anyway
    clearTimeout(compileTimer);
    compileDue = due;
    compileTimer = setTimeout(compileNow, due - now);
  }

  function compileNow() {
    clearTimeout(compileTimer);
    compileTimer = 0;
    if (!player) return;
    const code = version();
    const text = JSON.stringify(code);
    if (text === compiled) return; // e.g. only active_pass changed
    compiled = text;
    lastCompile = performance.now();
    const result = player.load(code);
    showErrors(result.errors);
    if (result.ok && !started) {
      started = true;
      setPlaying(true);
    }
    root.dataset.compiled = String(Number(root.dataset.compiled || 0) + 1);
  }

  function showErrors(list) {
    errors = list || [];
    C.listErrors(errorsBox, errors, jumpTo);
    C.markTabs(views.values(), errors);
    markAll();
  }

  function markAll() {
    for (const view of views.values()) view.mark(errors, view.name);
  }

  function jumpTo(error) {
    if (!views.has(error.pass)) return;
    if (!J.canEdit()) J.setFollow(false);
    J.selectPass(error.pass);
    const cm = views.get(error.pass).cm;
    const line = Math.max(0, (error.line || 1) - 1);
    cm.setCursor({ line, ch: 0 });
    cm.scrollIntoView({ line, ch: 0 }, 80);
    cm.focus();
  }


  // Redraw at the canvas's new size (the projector view changes it).
  function fitPicture() {
    if (player) requestAnimationFrame(() => player.fitToDisplay());
  }

  Object.assign(J, { compileNow, scheduleCompile, showErrors, markAll, fitPicture });
})();
