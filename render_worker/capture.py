"""Render a shader version in the warm browser: a thumbnail frame first, then preview frames.

One job has one time budget (the renderer's timeout, RENDER_TIMEOUT). The thumbnail frame is
drawn first and handed over (on_thumbnail) as soon as it exists; the preview then gets as many
of its frames as the time left allows, spread over the same seconds at a lower frame rate when
not all fit (Captured says what was made). A shader fails on time only when not even its
thumbnail frame is drawn within the budget: then the watchdog kills the browser.

(~400 lines with the render page's JavaScript, `FRESH_PLAYER_JS`, which stills and exports
reuse: the page's one way to get a player lives beside the capture that defined it.)
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from render_worker.browser import Chromium, player_script

log = logging.getLogger("render_worker.capture")

PAGE = "<!doctype html><html><body style='margin:0'><canvas id='c'></canvas></body></html>"

# Runs in the page: the one way every job (capture, still, export) gets its player. A fresh
# canvas (so a fresh GL context) with a new player that has loaded `version`; the page itself
# stays warm between jobs. Resolves once the version's media (uploaded images, inline as data
# URLs) are textures (player.ready), so frame 0 already samples them: to {player, canvas}, or
# to {errors} when the code does not compile. Anything else is thrown.
FRESH_PLAYER_JS = """
window.__fractafragFreshPlayer = async function (version) {
  if (window.__player) { window.__player.destroy(); window.__player = null; }
  const canvas = document.createElement('canvas');
  document.getElementById('c').replaceWith(canvas);
  canvas.id = 'c';
  const player = window.__player = new FractafragPlayer(canvas, {preserveDrawingBuffer: true});
  const loaded = player.load(version);
  if (!loaded.ok) return {errors: loaded.errors};
  await player.ready;
  return {player: player, canvas: canvas};
};
"""

# Runs in the page: the thumbnail frame first, then as many preview frames as the time left
# allows, in small batches (yielding between them); progress, data URLs, per-frame draw times
# and any error go to window.__capture. A frame's draw time is renderFrame plus a 1-pixel
# readPixels, which waits for the GPU (SwiftShader) to finish it. Every frame is drawn on a
# fixed-step clock: iTime = k/fps, iFrame = k, iTimeDelta = 1/fps (frame 0 included), as in
# exports.
CAPTURE_JS = """
window.__fractafragCapture = function (spec) {
  const deadline = performance.now() + spec.budgetMs;  // loading the media counts too
  const state = window.__capture = {frame: 0, done: false, error: null, errors: null,
                                    preview: [], thumbnail: null, total: 0, thumbnailMs: null,
                                    previewMs: [], previewFps: spec.fps, planned: 0,
                                    cutShort: false};
  const fail = (e) => { state.error = String((e && e.message) || e); state.done = true; };
  // Uploaded images decode asynchronously: the frames are drawn once they are textures.
  window.__fractafragFreshPlayer(spec.version).then((got) => {
    if (got.errors) { state.errors = got.errors; state.done = true; return; }
    window.__fractafragCaptureFrames(spec, state, got.player, got.canvas, deadline);
  }).catch(fail);
};
window.__fractafragCaptureFrames = function (spec, state, player, canvas, deadline) {
  const gl = player.gl, pixel = new Uint8Array(4);
  function draw(time, k, delta) {
    const began = performance.now();
    player.renderFrame(time, k, {delta: delta});
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
    return performance.now() - began;
  }
  const steps = [];
  let stop = false;
  // 1. The thumbnail, at its size; buffers carry state from frame to frame, so a multipass
  //    thumbnail replays the frames before it.
  steps.push(() => { player.setSize(spec.thumbWidth, spec.thumbHeight); player.reset(); });
  const last = spec.thumbFrame;
  const first = spec.multipass ? 0 : last;
  let thumbMs = 0;
  for (let k = first; k <= last; k++) {
    steps.push(() => {
      thumbMs += draw(k / spec.fps, k, 1 / spec.fps);
      if (k === last) {
        state.thumbnail = canvas.toDataURL('image/png');
        state.thumbnailMs = thumbMs / (last - first + 1);
        planPreview();
      }
      state.frame++;
    });
  }
  state.total = last - first + 1 + spec.previewFrames;
  // 2. The preview: frame 0, timed, then as many of the others as fit before the deadline,
  //    spread over the same seconds (a lower frame rate) when fewer than all of them fit.
  function planPreview() {
    const area = (spec.previewWidth * spec.previewHeight) / (spec.thumbWidth * spec.thumbHeight);
    let worst = state.thumbnailMs * area;  // the first preview frame's cost, estimated
    function previewFrame(k, time, delta) {
      const began = performance.now();
      state.previewMs.push(draw(time, k, delta));
      state.preview.push(canvas.toDataURL('image/jpeg', 0.92));
      worst = Math.max(worst, performance.now() - began);
    }
    function fits() {
      if (performance.now() + worst <= deadline) return true;
      state.cutShort = true; stop = true; return false;
    }
    steps.push(() => { player.setSize(spec.previewWidth, spec.previewHeight); player.reset(); });
    steps.push(() => {
      if (!fits()) return;
      const estimate = worst;
      worst = 0;
      previewFrame(0, 0, 1 / spec.fps);
      state.frame++;
      // The plan takes the cheaper of frame 0 and the thumbnail's estimate (one slow first
      // frame, a pause of a busy machine, must not shorten a normal shader's preview); the
      // deadline check before every frame keeps it inside the budget anyway.
      const plan = () => {
        const cost = Math.max(Math.min(worst, estimate), 1) * 1.1;
        const left = Math.max(0, deadline - performance.now());
        return Math.min(spec.previewFrames, 1 + Math.floor(left / cost));
      };
      let n = plan();
      if (n < spec.previewFrames && fits()) {
        // The first draw at a new size pays one-off costs: time frame 0 again, warm (frame 0
        // starts from cleared buffers, so it draws the same pixels), and plan from that.
        state.preview.pop(); state.previewMs.pop();
        worst = 0;
        previewFrame(0, 0, 1 / spec.fps);
        n = plan();
      }
      state.planned = n;
      state.total = last - first + 1 + n;
      if (n < spec.previewFrames) {
        state.cutShort = true;
        state.previewFps = n * spec.fps / spec.previewFrames;
      }
      for (let k = 1; k < n; k++) {
        steps.push(() => {
          if (!fits()) return;
          previewFrame(k, k / state.previewFps, 1 / state.previewFps);
          state.frame++;
        });
      }
    });
  }
  let i = 0;
  function batch() {
    const until = performance.now() + 40;
    try {
      while (!stop && i < steps.length && performance.now() < until) steps[i++]();
    } catch (e) { state.error = String((e && e.message) || e); state.done = true; return; }
    if (!stop && i < steps.length) setTimeout(batch, 0); else state.done = true;
  }
  setTimeout(batch, 0);
};
// One still frame at a time (for agents' test renders): PNG data URL, or the errors.
window.__fractafragStill = async function (spec) {
  try {
    const got = await window.__fractafragFreshPlayer(spec.version);
    if (got.errors) return {errors: got.errors};
    const player = got.player;
    player.setSize(spec.width, spec.height);
    player.reset();
    // Buffers carry state from frame to frame, so a multipass still replays the frames.
    const last = Math.round(spec.time * spec.fps);
    for (let k = spec.multipass ? Math.max(0, last - spec.maxFrames) : last; k <= last; k++) {
      player.renderFrame(k / spec.fps, k, {delta: 1 / spec.fps});
    }
    return {png: got.canvas.toDataURL('image/png')};
  } catch (e) { return {error: String((e && e.message) || e)}; }
};
"""


STILL_FPS = 30          # frame rate of the clock a multipass still replays
STILL_MAX_FRAMES = 300  # at most this many frames are replayed for one still


# The preview stops drawing this long before the watchdog would fire (seconds), so fetching
# the frames and tearing the page down stay inside the budget.
PREVIEW_MARGIN = 1.5


@dataclass(frozen=True)
class RenderSpec:
    """What to capture: a ~3 s preview at fps and one larger thumbnail frame."""

    fps: int = 10
    preview_frames: int = 30
    preview_size: tuple[int, int] = (320, 180)
    thumbnail_size: tuple[int, int] = (512, 288)
    thumbnail_frame: int = 15


@dataclass
class Captured:
    """The thumbnail (PNG) and preview frames (JPEG) straight from the canvas, and how long
    they took: `thumbnail_ms` is the mean draw time of one thumbnail-sized frame (ms),
    `preview_ms` each preview frame's; `preview_fps` is the preview's frame rate (lower than
    the spec's when fewer frames fitted the budget, which `cut_short` says)."""

    preview: list[bytes] = field(default_factory=list)
    thumbnail: bytes = b""
    preview_fps: float = 10.0
    thumbnail_ms: float | None = None
    preview_ms: list[float] = field(default_factory=list)
    cut_short: bool = False

    @property
    def frame_ms(self) -> float | None:
        """Milliseconds to draw one thumbnail-sized (512x288) frame."""
        return None if self.thumbnail_ms is None else round(self.thumbnail_ms, 1)


class ShaderRenderError(Exception):
    """The shader itself cannot be rendered (not an infrastructure fault): do not retry."""


class RenderTimeout(ShaderRenderError):
    """The shader took longer than the job's time budget."""


# Wake the collector: done, the thumbnail just appeared, a quarter of the frames more, or
# preview frames waiting for POLL_EVERY seconds.
_WAKE = """a => { const s = window.__capture;
  return s.done || (!!s.thumbnail && !a.thumbnail) || s.frame >= a.next
    || (s.preview.length > a.fetched && performance.now() - (s.polled || 0) >= a.every); }"""
# What the collector takes: the state, with only the preview frames it does not have yet.
_SNAPSHOT = """fetched => { const s = window.__capture; s.polled = performance.now();
  return Object.assign({}, s, {preview: s.preview.slice(fetched)}); }"""
POLL_EVERY = 1.0


def _data(data_url: str) -> bytes:
    return base64.b64decode(data_url.split(",", 1)[1])


def _describe(errors: list[dict]) -> str:
    first = errors[0]
    where = f"{first['pass']} line {first['line']}" if first.get("line") else first["pass"]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"The browser could not compile this shader: {where}: {first['message']}{more}"


class Renderer:
    """Renders versions in one warm Chromium; a watchdog kills it when a shader hangs."""

    def __init__(self, chromium: Chromium, timeout: float, spec: RenderSpec | None = None):
        self.chromium = chromium
        self.timeout = timeout
        self.spec = spec or RenderSpec()
        self._page = None
        self._page_launch = -1

    def _warm_page(self):
        """The page with the player loaded, kept across jobs; rebuilt after a relaunch."""
        browser = self.chromium.browser()
        if (self._page is None or self._page.is_closed()
                or self._page_launch != self.chromium.launches):
            page = browser.contexts[0].new_page()
            page.set_content(PAGE)
            page.add_script_tag(path=str(player_script()))
            page.add_script_tag(content=FRESH_PLAYER_JS)
            page.add_script_tag(content=CAPTURE_JS)
            self._page, self._page_launch = page, self.chromium.launches
        return self._page

    def capture(self, version: dict, on_progress: Callable[[float], None] | None = None,
                on_thumbnail: Callable[[Captured], None] | None = None) -> Captured:
        """Capture the thumbnail, then what fits of the preview; ShaderRenderError for the
        shader's faults, RenderTimeout when not even the thumbnail frame fits the budget.

        on_thumbnail is called (with the Captured so far) as soon as the thumbnail exists,
        while the browser draws the preview; a preview the budget ends is returned cut short."""
        fired = threading.Event()
        captured = Captured()

        def wedged() -> None:
            fired.set()
            log.warning("render exceeded %.0f s: killing chromium", self.timeout)
            self.chromium.kill_process()

        try:  # a (re)launch is not this shader's time, so not under its budget
            page = self._warm_page()
        except Exception:
            self.chromium.kill()
            raise
        watchdog = threading.Timer(self.timeout, wedged)
        watchdog.daemon = True
        began = time.monotonic()
        try:
            watchdog.start()
            self._run(page, version, began, captured, on_progress, on_thumbnail)
        except Exception as error:
            if fired.is_set():
                self.chromium.kill()
                if captured.thumbnail:  # the preview ran out of time: keep what was drawn
                    captured.cut_short = True
                    return captured
                raise RenderTimeout(
                    f"Rendering timed out after {self.timeout:.0f} s before even the thumbnail "
                    "frame was drawn: the shader takes too long to draw one frame (an endless "
                    "loop, or far too much work per pixel)."
                ) from None
            if isinstance(error, ShaderRenderError):
                raise
            self.chromium.kill()  # a crashed or confused browser: start clean next time
            raise
        finally:
            watchdog.cancel()
        return captured

    def still(self, version: dict, time: float, width: int, height: int,
              timeout: float | None = None) -> bytes:
        """One PNG frame at `time` seconds and the given size, under a watchdog of `timeout`
        seconds (default: the renderer's): past it Chromium is killed, whatever it is doing
        (a page hung in a draw call included), and RenderTimeout says so."""
        budget = self.timeout if timeout is None else timeout
        fired = threading.Event()

        def wedged() -> None:
            fired.set()
            log.warning("test render exceeded %.0f s: killing chromium", budget)
            self.chromium.kill_process()

        try:  # a (re)launch is not this shader's time, so not under its budget
            page = self._warm_page()
        except Exception:
            self.chromium.kill()
            raise
        watchdog = threading.Timer(budget, wedged)
        watchdog.daemon = True
        try:
            watchdog.start()
            result = page.evaluate("spec => window.__fractafragStill(spec)", {
                "version": version, "time": time, "width": width, "height": height,
                "fps": STILL_FPS, "maxFrames": STILL_MAX_FRAMES,
                "multipass": any(p["name"] != "Image" for p in version["passes"])})
        except Exception:
            self.chromium.kill()
            if fired.is_set():
                raise RenderTimeout(
                    f"Rendering timed out after {budget:.0f} s: the shader takes too long "
                    "to draw a frame (an endless loop, or far too much work per pixel)."
                ) from None
            raise
        finally:
            watchdog.cancel()
        if fired.is_set():  # the frame came back just as the budget ran out: still too slow
            self.chromium.kill()
            raise RenderTimeout(f"Rendering timed out after {budget:.0f} s.")
        if result.get("errors"):
            raise ShaderRenderError(_describe(result["errors"]))
        if result.get("error"):
            raise ShaderRenderError(f"The browser could not render this shader: {result['error']}")
        return _data(result["png"])

    def _run(self, page, version: dict, began: float, captured: Captured,
             on_progress: Callable[[float], None] | None,
             on_thumbnail: Callable[[Captured], None] | None) -> None:
        """Start the capture in the page and collect it into `captured` as it comes: the
        thumbnail as soon as it exists, preview frames at least every POLL_EVERY seconds."""
        spec = self.spec
        multipass = any(p["name"] != "Image" for p in version["passes"])
        budget = self.timeout - PREVIEW_MARGIN - (time.monotonic() - began)
        page.evaluate("spec => window.__fractafragCapture(spec)", {
            "version": version, "fps": spec.fps, "previewFrames": spec.preview_frames,
            "previewWidth": spec.preview_size[0], "previewHeight": spec.preview_size[1],
            "thumbWidth": spec.thumbnail_size[0], "thumbHeight": spec.thumbnail_size[1],
            "thumbFrame": spec.thumbnail_frame, "multipass": multipass,
            "budgetMs": max(budget, 0.0) * 1000,
        })
        frames, fetched, reported = 0, 0, 0.0
        total = (spec.thumbnail_frame + 1 if multipass else 1) + spec.preview_frames
        while True:
            # Wake when done, when the thumbnail appears, every quarter of the work, or
            # (frames waiting) every POLL_EVERY seconds.
            page.wait_for_function(_WAKE, arg={
                "next": frames + max(1, total // 4), "thumbnail": bool(captured.thumbnail),
                "fetched": fetched, "every": POLL_EVERY * 1000}, polling=10, timeout=0)
            state = page.evaluate(_SNAPSHOT, fetched)
            if state["errors"]:
                raise ShaderRenderError(_describe(state["errors"]))
            captured.preview.extend(_data(u) for u in state["preview"])
            fetched += len(state["preview"])
            captured.preview_ms = state["previewMs"]
            captured.preview_fps = state["previewFps"]
            captured.cut_short = state["cutShort"]
            if state["thumbnail"] and not captured.thumbnail:
                captured.thumbnail = _data(state["thumbnail"])
                captured.thumbnail_ms = state["thumbnailMs"]
                if on_thumbnail is not None:
                    on_thumbnail(captured)
            if state["error"]:
                if not captured.thumbnail:
                    raise ShaderRenderError(
                        f"The browser could not render this shader: {state['error']}")
                log.warning("preview stopped after %d frames: %s", fetched, state["error"])
                captured.cut_short = True
                return
            frames, total = state["frame"], max(state["total"], 1)
            progress = min(frames / total, 1.0)
            if on_progress is not None and (state["done"] or progress >= reported + 0.25):
                reported = progress
                on_progress(progress)
            if state["done"]:
                return

