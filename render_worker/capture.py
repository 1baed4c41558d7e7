"""Render a shader version in the warm browser: preview frames and a thumbnail at fixed times."""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from render_worker.browser import Chromium, player_script

log = logging.getLogger("render_worker.capture")

PAGE = "<!doctype html><html><body style='margin:0'><canvas id='c'></canvas></body></html>"

# Runs in the page: steps through the frames in small batches (yielding between them) and
# records progress, PNG data URLs and any error in window.__capture.
CAPTURE_JS = """
window.__fractafragCapture = function (spec) {
  const state = window.__capture = {frame: 0, done: false, error: null, errors: null,
                                    preview: [], thumbnail: null, total: 0};
  // A fresh canvas (and GL context) per job; the page itself stays warm between jobs.
  if (window.__player) { window.__player.destroy(); window.__player = null; }
  const canvas = document.createElement('canvas');
  document.getElementById('c').replaceWith(canvas);
  canvas.id = 'c';
  let player;
  try {
    player = window.__player = new FractafragPlayer(canvas, {preserveDrawingBuffer: true});
    const loaded = player.load(spec.version);
    if (!loaded.ok) { state.errors = loaded.errors; state.done = true; return; }
  } catch (e) { state.error = String((e && e.message) || e); state.done = true; return; }
  const steps = [];
  steps.push(() => { player.setSize(spec.previewWidth, spec.previewHeight); player.reset(); });
  for (let k = 0; k < spec.previewFrames; k++) {
    steps.push(() => {
      player.renderFrame(k / spec.fps, k);
      state.preview.push(canvas.toDataURL('image/jpeg', 0.92));
      state.frame++;
    });
  }
  steps.push(() => { player.setSize(spec.thumbWidth, spec.thumbHeight); player.reset(); });
  const last = spec.thumbFrame;
  // Buffers carry state from frame to frame, so a multipass thumbnail replays the frames.
  for (let k = spec.multipass ? 0 : last; k <= last; k++) {
    steps.push(() => {
      player.renderFrame(k / spec.fps, k);
      if (k === last) state.thumbnail = canvas.toDataURL('image/png');
      state.frame++;
    });
  }
  state.total = steps.length - 2;
  let i = 0;
  function batch() {
    const until = performance.now() + 40;
    try {
      while (i < steps.length && performance.now() < until) steps[i++]();
    } catch (e) { state.error = String((e && e.message) || e); state.done = true; return; }
    if (i < steps.length) setTimeout(batch, 0); else state.done = true;
  }
  setTimeout(batch, 0);
};
// One still frame at a time (for agents' test renders): PNG data URL, or the errors.
window.__fractafragStill = function (spec) {
  if (window.__player) { window.__player.destroy(); window.__player = null; }
  const canvas = document.createElement('canvas');
  document.getElementById('c').replaceWith(canvas);
  canvas.id = 'c';
  try {
    const player = window.__player = new FractafragPlayer(canvas, {preserveDrawingBuffer: true});
    const loaded = player.load(spec.version);
    if (!loaded.ok) return {errors: loaded.errors};
    player.setSize(spec.width, spec.height);
    player.reset();
    // Buffers carry state from frame to frame, so a multipass still replays the frames.
    const last = Math.round(spec.time * spec.fps);
    for (let k = spec.multipass ? Math.max(0, last - spec.maxFrames) : last; k <= last; k++) {
      player.renderFrame(k / spec.fps, k);
    }
    return {png: canvas.toDataURL('image/png')};
  } catch (e) { return {error: String((e && e.message) || e)}; }
};
"""


STILL_FPS = 30          # frame rate of the clock a multipass still replays
STILL_MAX_FRAMES = 300  # at most this many frames are replayed for one still


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
    """PNG frames of the preview and the thumbnail, straight from the canvas."""

    preview: list[bytes] = field(default_factory=list)
    thumbnail: bytes = b""


class ShaderRenderError(Exception):
    """The shader itself cannot be rendered (not an infrastructure fault): do not retry."""


class RenderTimeout(ShaderRenderError):
    """The shader took longer than the job's time budget."""


def _png(data_url: str) -> bytes:
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
            page.add_script_tag(content=CAPTURE_JS)
            self._page, self._page_launch = page, self.chromium.launches
        return self._page

    def capture(self, version: dict, on_progress: Callable[[float], None] | None = None
                ) -> Captured:
        """Capture preview frames and the thumbnail; ShaderRenderError for the shader's faults."""
        fired = threading.Event()

        def wedged() -> None:
            fired.set()
            log.warning("render exceeded %.0f s: killing chromium", self.timeout)
            self.chromium.kill_process()

        watchdog = threading.Timer(self.timeout, wedged)
        watchdog.daemon = True
        try:
            watchdog.start()
            result = self._run(self._warm_page(), version, on_progress)
        except Exception as error:
            if fired.is_set():
                self.chromium.kill()
                raise RenderTimeout(
                    f"Rendering timed out after {self.timeout:.0f} s: the shader takes too long "
                    "to draw a frame (an endless loop, or far too much work per pixel)."
                ) from None
            if isinstance(error, ShaderRenderError):
                raise
            self.chromium.kill()  # a crashed or confused browser: start clean next time
            raise
        finally:
            watchdog.cancel()
        return result

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
        return _png(result["png"])

    def _run(self, page, version: dict, on_progress: Callable[[float], None] | None
             ) -> Captured:
        spec = self.spec
        multipass = any(p["name"] != "Image" for p in version["passes"])
        page.evaluate("spec => window.__fractafragCapture(spec)", {
            "version": version, "fps": spec.fps, "previewFrames": spec.preview_frames,
            "previewWidth": spec.preview_size[0], "previewHeight": spec.preview_size[1],
            "thumbWidth": spec.thumbnail_size[0], "thumbHeight": spec.thumbnail_size[1],
            "thumbFrame": spec.thumbnail_frame, "multipass": multipass,
        })
        total = spec.preview_frames + (spec.thumbnail_frame + 1 if multipass else 1)
        for milestone in (total // 4, total // 2, 3 * total // 4, total):
            page.wait_for_function(
                "n => window.__capture.done || window.__capture.frame >= n", arg=milestone,
                polling=10, timeout=0)
            if on_progress is not None:
                on_progress(min(page.evaluate("() => window.__capture.frame") / total, 1.0))
        page.wait_for_function("() => window.__capture.done", polling=10, timeout=0)
        state = page.evaluate("() => window.__capture")
        if state["errors"]:
            raise ShaderRenderError(_describe(state["errors"]))
        if state["error"]:
            raise ShaderRenderError(f"The browser could not render this shader: {state['error']}")
        return Captured(preview=[_png(u) for u in state["preview"]],
                        thumbnail=_png(state["thumbnail"]))

