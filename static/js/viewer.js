/*
 * Mounts the one shader player (player.js) with its controls on a page: play/pause, restart,
 * time and FPS, fullscreen, mouse. Used by the shader page and the embed.
 *
 *   const view = FractafragViewer.mount(rootElement, {common, passes}, {start: 0, paused: false});
 *
 * rootElement holds a <canvas data-role="player">, and optionally buttons data-action="toggle",
 * "restart", "fullscreen", outputs data-role="time", "fps", and data-role="player-error".
 */
(function () {
  "use strict";

  function mount(root, version, options) {
    const opts = options || {};
    const canvas = root.querySelector("canvas[data-role=player]");
    const errorBox = root.querySelector("[data-role=player-error]");
    const show = (message) => {
      if (errorBox) { errorBox.textContent = message; errorBox.hidden = false; }
      root.dataset.state = "error";
    };
    let player;
    try {
      player = new FractafragPlayer(canvas, { autoResize: true });
    } catch (error) {
      show(error.message);
      return null;
    }
    const result = player.load(version);
    if (!result.ok) {
      show("This shader does not compile in your browser: " +
           result.errors.map((e) => e.pass + " line " + e.line + ": " + e.message).join("; "));
      return null;
    }
    player.attachMouse();
    player.attachKeyboard();
    // Mic, webcam and music start on the first gesture (browsers ask permission, and play
    // sound only after one).
    const live = () => player.startLiveInputs();
    root.addEventListener("pointerdown", live, { once: true });
    root.addEventListener("keydown", live, { once: true });
    player.onError = (e) => show(e.message);
    const toggle = root.querySelector("[data-action=toggle]");
    const time = root.querySelector("[data-role=time]");
    const fps = root.querySelector("[data-role=fps]");
    const state = () => {
      root.dataset.state = player.isPlaying ? "playing" : "paused";
      if (toggle) {
        toggle.textContent = player.isPlaying ? "❚❚" : "▶";
        toggle.setAttribute("aria-label", player.isPlaying ? "Pause" : "Play");
      }
    };
    let shown = 0;
    player.onFrame = (frame) => {
      const now = performance.now();
      if (now - shown < 100) return; // the readout need not change 60 times a second
      shown = now;
      if (time) time.textContent = frame.time.toFixed(2) + " s";
      if (fps) fps.textContent = Math.round(frame.fps) + " fps";
      root.dataset.frames = String(frame.frame + 1);
    };
    if (toggle) toggle.addEventListener("click", () => {
      if (player.isPlaying) player.pause(); else player.play();
      state();
    });
    const restart = root.querySelector("[data-action=restart]");
    if (restart) restart.addEventListener("click", () => player.restart());
    const full = root.querySelector("[data-action=fullscreen]");
    if (full) full.addEventListener("click", () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else (root.requestFullscreen ? root.requestFullscreen() : canvas.requestFullscreen());
    });
    document.addEventListener("fullscreenchange", () => requestAnimationFrame(() => player.fitToDisplay()));
    if (opts.start) player.setTime(opts.start);
    if (opts.paused) {
      player.setTime(opts.start || 0); // draws the still frame
      if (time) time.textContent = (opts.start || 0).toFixed(2) + " s";
    } else {
      player.play();
    }
    state();
    return player;
  }

  window.FractafragViewer = { mount };
})();
