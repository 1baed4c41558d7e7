"""Render an export offline: the warm browser's player at a fixed timestep, frames into ffmpeg.

Frame n of an export is drawn at iTime = start + n/fps with iFrame = n and iTimeDelta = 1/fps
on every frame, frame 0 included (the thumbnail and preview renderer keeps the same fixed-step
clock; only the live page's first frame, which has no step to measure, gets a nominal 1/60).
The player is the render page's fresh one with the version's uploaded media already textures
(capture.py's FRESH_PLAYER_JS awaits player.ready), so frame 0 samples them. A multipass shader's
buffers carry state from frame to frame, so when start > 0 its frames 0 … start·fps − 1 are
replayed first (not kept) and the export's frames continue that count (iFrame = start·fps + n):
the export shows exactly what the player shows from time 0. Each frame leaves the page as its
raw RGBA pixels (readPixels: PNG-encoding in the page cost ten times the draw), POSTed by the
page to a loopback HTTP server of the worker's (binary: base64 text through the DevTools
protocol cost about twice the draw at 720p) and written in frame order straight into ffmpeg's
stdin (a few frames in flight at most, never the whole video in memory):

- webm: VP9 (libvpx-vp9, constant quality), yuv420p;
- mp4:  H.264 (libx264), yuv420p, even sizes, `+faststart` so it plays while downloading;
- gif:  the frames go into a lossless FFV1 file first, then ffmpeg makes the palette from all of
        them (palettegen) and maps them onto it (paletteuse);
- png:  the one frame, as the canvas drew it.

ffmpeg is the binary the `imageio-ffmpeg` wheel ships (or FRACTAFRAG_FFMPEG / Debian's on PATH
when that wheel is missing). The whole export runs under one watchdog (the job's budget): past
it Chromium and ffmpeg are killed and RenderTimeout says so.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO

from render_worker.capture import Renderer, RenderTimeout, ShaderRenderError, _describe

log = logging.getLogger("render_worker.export")

# Frame uploads in flight from the page to the frame sink (so ~this many frames in memory).
IN_FLIGHT = 3
# Frames per round trip to the page: about 20 per export (progress every 5 %), at most 30.
MAX_STEP = 30

EXPORT_JS = """
// The render page's fresh player (capture.py's FRESH_PLAYER_JS), its media loaded.
window.__fractafragExportStart = async function (spec) {
  try {
    const got = await window.__fractafragFreshPlayer(spec.version);
    if (got.errors) return {errors: got.errors};
    const player = got.player, canvas = got.canvas;
    player.setSize(spec.width, spec.height);
    player.reset();
    const gl = player.gl;
    if (gl.drawingBufferWidth !== spec.width || gl.drawingBufferHeight !== spec.height) {
      return {error: 'the browser cannot draw ' + spec.width + 'x' + spec.height +
                     ' (it gave ' + gl.drawingBufferWidth + 'x' + gl.drawingBufferHeight + ')'};
    }
    // The fixed step: iTimeDelta = 1/fps on every frame, frame 0 included.
    window.__export = {player: player, canvas: canvas, spec: spec, step: {delta: 1 / spec.fps}};
    return {ok: true};
  } catch (e) { return {error: String((e && e.message) || e)}; }
};
// Replay frames [from, to) of the clock from 0 (multipass warm-up): drawn, not kept.
window.__fractafragExportReplay = function (from, to) {
  const s = window.__export;
  try {
    for (let k = from; k < to; k++) s.player.renderFrame(k / s.spec.fps, k, s.step);
    return {ok: true};
  } catch (e) { return {error: String((e && e.message) || e)}; }
};
// Draw export frames [from, to) and return them as PNG data URLs.
window.__fractafragExportFrames = function (from, to) {
  const s = window.__export, spec = s.spec, frames = [];
  try {
    for (let n = from; n < to; n++) {
      s.player.renderFrame(spec.start + n / spec.fps, spec.frameOffset + n, s.step);
      frames.push(s.canvas.toDataURL('image/png'));
    }
    return {frames: frames};
  } catch (e) { return {error: String((e && e.message) || e)}; }
};
// Draw export frames [from, to) and POST each one's raw RGBA pixels (bottom row first) to the
// worker's frame sink at `url` + n: binary over the loopback, no base64 and no DevTools JSON
// (which cost about twice the draw at 720p). The body is a Blob (a copy, so one buffer serves
// every frame): Chromium uploads a 720p Blob several times faster than the same ArrayBuffer.
// A few uploads stay in flight while the next frames are drawn.
window.__fractafragExportSend = async function (from, to, url, inFlight) {
  const s = window.__export, spec = s.spec, gl = s.player.gl, sending = [];
  const pixels = new Uint8Array(spec.width * spec.height * 4);
  const post = (n) => fetch(url + n, {method: 'POST', body: new Blob([pixels]),
                                      cache: 'no-store'})
    .then((r) => { if (!r.ok) throw new Error('the frame sink answered ' + r.status); });
  try {
    for (let n = from; n < to; n++) {
      s.player.renderFrame(spec.start + n / spec.fps, spec.frameOffset + n, s.step);
      gl.readPixels(0, 0, spec.width, spec.height, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
      sending.push(post(n));
      if (sending.length >= inFlight) await sending.shift();
    }
    await Promise.all(sending);
    return {ok: true};
  } catch (e) { return {error: String((e && e.message) || e)}; }
};
"""


@dataclass(frozen=True)
class ExportSpec:
    """What to render: format (png, webm, mp4, gif), size, length, frame rate, start time."""

    format: str
    width: int
    height: int
    seconds: float
    fps: int
    start: float = 0.0

    @property
    def frames(self) -> int:
        """Frames drawn: one for a still, seconds × fps for a video."""
        return 1 if self.format == "png" else max(1, round(self.seconds * self.fps))


class ExportError(ShaderRenderError):
    """The encoder failed (not the shader's fault, but nothing to retry either)."""


def ffmpeg_exe() -> str:
    """The ffmpeg binary: FRACTAFRAG_FFMPEG, else the imageio-ffmpeg wheel's, else PATH's."""
    configured = os.environ.get("FRACTAFRAG_FFMPEG", "").strip()
    if configured:
        return configured
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        found = shutil.which("ffmpeg")
        if found:
            return found
        raise ExportError("No ffmpeg: install the imageio-ffmpeg package (or Debian's ffmpeg)."
                          ) from None


# Bit-exact muxing (no encoder version strings or creation times): same frames, same bytes.
BITEXACT = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1"]


def encoder_args(spec: ExportSpec, output: Path) -> list[str]:
    """ffmpeg's arguments after the piped PNG input, for a video format."""
    if spec.format == "webm":
        codec = ["-c:v", "libvpx-vp9", "-pix_fmt", "yuv420p", "-b:v", "0", "-crf", "30",
                 "-deadline", "good", "-cpu-used", "4", "-row-mt", "1", "-threads", "2"]
    elif spec.format == "mp4":
        codec = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "medium", "-crf", "18",
                 "-threads", "2", "-movflags", "+faststart"]
    elif spec.format == "gif":  # the lossless intermediate (see _gif)
        codec = ["-c:v", "ffv1", "-level", "3", "-threads", "2"]
    else:
        raise ExportError(f"Not a video format: {spec.format}")
    return codec + BITEXACT + ["-y", str(output)]


class _Encoder:
    """One ffmpeg process reading PNG frames from its stdin."""

    def __init__(self, spec: ExportSpec, output: Path) -> None:
        self.log_path = output.with_suffix(".log")
        # Raw RGBA from readPixels, bottom row first: flipped upright by ffmpeg. The colour
        # channels are taken as they are (alpha ignored, as on the site's black player).
        args = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "rawvideo",
                "-pix_fmt", "rgba", "-s", f"{spec.width}x{spec.height}",
                "-framerate", str(spec.fps), "-i", "-", "-vf", "vflip",
                "-r", str(spec.fps), *encoder_args(spec, output)]
        with self.log_path.open("wb") as log_file:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(args, stdin=subprocess.PIPE,
                                         stdout=subprocess.DEVNULL, stderr=log_file)

    def write(self, frame: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(frame)
        except BrokenPipeError:
            self.finish()  # raises with ffmpeg's own message

    def finish(self) -> None:
        if self.proc.stdin and not self.proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.close()
        code = self.proc.wait()
        if code != 0:
            message = self.log_path.read_text(errors="replace").strip()[-500:]
            raise ExportError(f"The encoder failed (ffmpeg exit {code}): {message}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _run_ffmpeg(args: list[str]) -> None:
    done = subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", *args],
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise ExportError("The encoder failed (ffmpeg exit "
                          f"{done.returncode}): {done.stderr.decode(errors='replace')[-500:]}")


def _gif(lossless: Path, palette: Path, output: Path) -> None:
    """A palette made from every frame, then the frames mapped onto it."""
    _run_ffmpeg(["-i", str(lossless), "-vf", "palettegen=stats_mode=full",
                 *BITEXACT, "-y", str(palette)])
    _run_ffmpeg(["-i", str(lossless), "-i", str(palette), "-lavfi",
                 "paletteuse=dither=sierra2_4a", "-loop", "0", *BITEXACT, "-y", str(output)])


def _step(total: int) -> int:
    return max(1, min(MAX_STEP, total // 20))


def _png(data_url: str) -> bytes:
    return base64.b64decode(data_url.split(",", 1)[1])


class _FrameSink:
    """A loopback HTTP server taking the page's frames (POST /<token>/<n>, raw RGBA) and
    writing them to the encoder in frame order; it lives for one export. The random token
    keeps anything else on the machine from adding frames."""

    def __init__(self, encoder: _Encoder, frame_bytes: int) -> None:
        self.encoder, self.frame_bytes = encoder, frame_bytes
        self.token = secrets.token_urlsafe(16)
        self.next = 0
        self.error: BaseException | None = None
        self.turn = threading.Condition()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def _answer(self, code: int) -> None:
                self.send_response(code)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Access-Control-Allow-Private-Network", "true")
                self.send_header("Access-Control-Allow-Methods", "POST")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_OPTIONS(self) -> None:  # a preflight, should Chromium send one
                self._answer(204)

            def do_POST(self) -> None:
                self._answer(sink.take(self.path, self.headers, self.rfile))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/{self.token}/"
        self.thread = threading.Thread(target=self.server.serve_forever, name="frame-sink",
                                       daemon=True)
        self.thread.start()

    def take(self, path: str, headers: Message, body: BinaryIO) -> int:
        """One frame: wait for its turn, write it to the encoder; the HTTP status to answer."""
        prefix = f"/{self.token}/"
        length = int(headers.get("Content-Length") or -1)
        if not path.startswith(prefix) or not path[len(prefix):].isdigit():
            return 404
        if length != self.frame_bytes:
            return 400
        frame, n = body.read(length), int(path[len(prefix):])
        with self.turn:
            if not self.turn.wait_for(lambda: self.next >= n or self.error is not None,
                                      timeout=60):
                return 504
            if self.error is not None:
                return 500
            if self.next != n:  # that frame was written already
                return 409
            try:
                self.encoder.write(frame)
            except Exception as error:  # the encoder died: the page stops, finish() explains
                self.error = error
                self.turn.notify_all()
                return 500
            self.next += 1
            self.turn.notify_all()
        return 204

    def close(self) -> None:
        with self.turn:
            if self.error is None:
                self.error = RuntimeError("closed")
            self.turn.notify_all()
        self.server.shutdown()
        self.server.server_close()


def render_export(renderer: Renderer, version: dict, spec: ExportSpec, output: Path,
                  timeout: float, on_progress: Callable[[float], None] | None = None) -> int:
    """Render `version` per `spec` into the file `output`; returns its size in bytes.

    ShaderRenderError for the shader's faults, RenderTimeout past `timeout` seconds (Chromium
    and ffmpeg are killed), ExportError when the encoder fails."""
    fired = threading.Event()
    encoder: _Encoder | None = None
    sink: _FrameSink | None = None

    def wedged() -> None:
        fired.set()
        log.warning("export exceeded %.0f s: killing chromium and ffmpeg", timeout)
        renderer.chromium.kill_process()
        if encoder is not None:
            encoder.kill()

    try:  # a (re)launch is not this export's time
        page = renderer._warm_page()
        if not page.evaluate("() => typeof window.__fractafragExportStart === 'function'"):
            page.add_script_tag(content=EXPORT_JS)
    except Exception:
        renderer.chromium.kill()
        raise
    multipass = any(p["name"] != "Image" for p in version["passes"])
    offset = round(spec.start * spec.fps) if multipass else 0
    output.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="export-", dir=output.parent))
    watchdog = threading.Timer(timeout, wedged)
    watchdog.daemon = True
    try:
        watchdog.start()
        started = page.evaluate("spec => window.__fractafragExportStart(spec)", {
            "version": version, "width": spec.width, "height": spec.height, "fps": spec.fps,
            "start": spec.start, "frameOffset": offset})
        _check(started)
        for first in range(0, offset, 30):  # the multipass warm-up from frame 0
            _check(page.evaluate("a => window.__fractafragExportReplay(a[0], a[1])",
                                 [first, min(first + 30, offset)]))
        total = spec.frames
        if spec.format == "png":
            frames = _check(page.evaluate("() => window.__fractafragExportFrames(0, 1)"))
            part = work / "still.png"
            part.write_bytes(_png(frames["frames"][0]))
        else:
            middle = work / "frames.mkv" if spec.format == "gif" else work / output.name
            encoder = _Encoder(spec, middle)
            sink = _FrameSink(encoder, spec.width * spec.height * 4)
            step = _step(total)
            for first in range(0, total, step):
                sent = page.evaluate("a => window.__fractafragExportSend(a[0], a[1], a[2], a[3])",
                                     [first, min(first + step, total), sink.url, IN_FLIGHT])
                if sink.error is not None:
                    encoder.finish()  # raises with ffmpeg's own message
                _check(sent)
                if on_progress is not None:
                    on_progress(min(first + step, total) / total * 0.95)
            sink.close()
            sink = None
            encoder.finish()
            if spec.format == "gif":
                part = work / output.name
                _gif(middle, work / "palette.png", part)
            else:
                part = middle
        part.replace(output)
        return output.stat().st_size
    except Exception as error:
        if sink is not None:
            sink.close()
        if encoder is not None:
            encoder.kill()
        if fired.is_set():
            renderer.chromium.kill()
            raise RenderTimeout(
                f"The export took longer than its budget of {timeout:.0f} s: try a smaller "
                "size, fewer seconds or a lower frame rate.") from None
        if not isinstance(error, ShaderRenderError):
            renderer.chromium.kill()  # a crashed or confused browser: start clean next time
        raise
    finally:
        watchdog.cancel()
        shutil.rmtree(work, ignore_errors=True)


def _check(result: dict) -> dict:
    if result.get("errors"):
        raise ShaderRenderError(_describe(result["errors"]))
    if result.get("error"):
        raise ShaderRenderError(f"The browser could not render this shader: {result['error']}")
    return result
