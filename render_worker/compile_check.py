"""The render worker's compile checker: a warm Chromium that only compiles shader versions, for
the web's browser confirmation (fractafrag/services/browser_check.py).

It runs in its own thread with its own Chromium (Playwright's sync API belongs to the thread that
started it), so a render hung in a draw call never delays a check, and a check never touches the
render's browser. A check loads the version into static/js/player.js on a 1×1 canvas,
exactly as the player and the renders do (same prelude, wrapper and link), and answers whether
every pass compiled and linked. Requests past their due time are dropped unanswered; a check
that takes longer than its budget kills this browser (relaunched for the next one).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

from redis import Redis
from redis.exceptions import RedisError

from fractafrag.services import browser_check
from render_worker.browser import Chromium, player_script

log = logging.getLogger("render_worker.compile_check")

PAGE = "<!doctype html><html><body></body></html>"
# One player on a 1×1 canvas serves every check (load() swaps programs only on success), so
# checks do not pile up WebGL contexts; a lost context gets a new canvas.
CHECK_JS = """version => {
  let player = window.__checker;
  if (!player || player.gl.isContextLost()) {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    player = window.__checker = new FractafragPlayer(canvas, {});
  }
  try { return player.load(version); }
  catch (e) { return {ok: false, errors: [{pass: 'Image', line: 0, message: String(e)}]}; }
}"""
MIN_BUDGET = 1.0  # a request taken just before its due time still gets this long
WARM_UP = {"common": "", "passes": [{"name": "Image", "inputs": [], "code":
           "void mainImage(out vec4 c, in vec2 p) { c = vec4(p, 0.0, 1.0); }"}]}


class CompileChecker:
    """Serves browser_check requests from Redis until stop() is called."""

    def __init__(self, conn: Redis, executable: str = "", budget: float = 5.0) -> None:
        self.conn = conn
        self.executable = executable
        self.budget = budget
        self.chromium: Chromium | None = None
        self._page = None
        self._page_launch = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> CompileChecker:
        """Run in a daemon thread; returns self."""
        self._thread = threading.Thread(target=self.run, name="compile-check", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and close the browser (from another thread: waits for the loop)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def kill_process(self) -> None:
        """SIGKILL this checker's browser at once; safe from any thread."""
        if self.chromium is not None:
            self.chromium.kill_process()

    def run(self) -> None:
        """The loop: heartbeat, take a request, compile, answer."""
        self.chromium = Chromium(self.executable)
        with contextlib.suppress(RedisError):
            browser_check.starting(self.conn)  # requests wait for the first heartbeat
        last_beat = 0.0
        try:
            while not self._stop.is_set():
                try:
                    if time.monotonic() - last_beat > browser_check.ALIVE_TTL / 4:
                        self._warm_page()  # alive means a browser is ready
                        browser_check.beat(self.conn)
                        last_beat = time.monotonic()
                    item = self.conn.blpop([browser_check.REQUESTS_KEY], timeout=1)
                    if item is not None:
                        self.serve(item[1])
                except RedisError as error:
                    log.warning("compile check: redis error %s", error)
                    self._stop.wait(1.0)
                except Exception:  # noqa: BLE001 - a failed launch must not end the loop
                    log.exception("compile check failed")
                    self._stop.wait(1.0)
        finally:
            self.chromium.close()

    def serve(self, raw: bytes | str) -> None:
        """Answer one queued request (dropped when malformed or past its due time)."""
        request = browser_check.compile_check_request(raw)
        if request is None:
            return
        request_id, version, due = request
        left = due - time.time()
        if left <= 0:
            return  # nobody waits for it any more
        result = self.check(version, max(MIN_BUDGET, min(self.budget, left)))
        ok = None if result is None else bool(result.get("ok"))
        browser_check.reply(self.conn, request_id, ok,
                            None if result is None else result.get("errors"))

    def check(self, version: dict, budget: float) -> dict | None:
        """player.load(version) in the browser: {ok, errors}; None when it took over budget
        seconds (the browser is then killed) or the browser failed."""
        page = self._warm_page()
        fired = threading.Event()

        def wedged() -> None:
            fired.set()
            log.warning("compile check exceeded %.1f s: killing its chromium", budget)
            self.kill_process()

        watchdog = threading.Timer(budget, wedged)
        watchdog.daemon = True
        try:
            watchdog.start()
            result = page.evaluate(CHECK_JS, version)
        except Exception:  # noqa: BLE001 - a killed or crashed browser: unknown, start clean
            self._reset()
            return None
        finally:
            watchdog.cancel()
        if fired.is_set():
            self._reset()
            return None
        return result if isinstance(result, dict) else None

    def _warm_page(self):
        """The page with the player loaded, kept across checks; rebuilt after a relaunch."""
        assert self.chromium is not None
        browser = self.chromium.browser()
        if (self._page is None or self._page.is_closed()
                or self._page_launch != self.chromium.launches):
            page = browser.contexts[0].new_page()
            page.set_content(PAGE)
            page.add_script_tag(path=str(player_script()))
            # The first WebGL context and compile in a fresh browser cost seconds (SwiftShader
            # starting up); pay them here, before the heartbeat says a checker is ready, so the
            # first real check fits the web's COMPILE_CONFIRM_SECONDS.
            page.evaluate(CHECK_JS, WARM_UP)
            self._page, self._page_launch = page, self.chromium.launches
        return self._page

    def _reset(self) -> None:
        with contextlib.suppress(Exception):
            assert self.chromium is not None
            self.chromium.kill()
        self._page = None
