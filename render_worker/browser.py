"""One warm headless Chromium, driven over CDP by Playwright, killed and relaunched if wedged."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import Browser, Playwright, sync_playwright

from fractafrag.embedded import parent_death_signal

log = logging.getLogger("render_worker.browser")

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--mute-audio",
    "--hide-scrollbars",
]


def find_chromium(configured: str = "") -> str | None:
    """FRACTAFRAG_CHROMIUM, else /usr/bin/chromium (or chromium on PATH), else None."""
    for candidate in (configured, "/usr/bin/chromium", shutil.which("chromium") or "",
                      shutil.which("chromium-browser") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


class Chromium:
    """A Chromium process we own (so a wedged one can be killed) with Playwright attached."""

    def __init__(self, executable: str = "") -> None:
        self.executable = find_chromium(executable)
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._process: subprocess.Popen | None = None
        self._profile: str | None = None
        self.launches = 0

    @property
    def pid(self) -> int | None:
        """The browser's process id while it runs."""
        return self._process.pid if self._process and self._process.poll() is None else None

    def browser(self) -> Browser:
        """The connected browser, launching it first if needed."""
        process_died = self._process is not None and self._process.poll() is not None
        if self._browser is None or process_died or not self._browser.is_connected():
            self._launch()
        return self._browser

    def _launch(self) -> None:
        self.close()
        began = time.monotonic()
        self._playwright = sync_playwright().start()
        if self.executable is None:
            # No system Chromium: Playwright's own browser, if one was installed.
            self._browser = self._playwright.chromium.launch(args=CHROMIUM_FLAGS)
        else:
            self._profile = tempfile.mkdtemp(prefix="fractafrag-chromium-")
            self._process = subprocess.Popen(
                [self.executable, *CHROMIUM_FLAGS, "--remote-debugging-port=0",
                 f"--user-data-dir={self._profile}", "about:blank"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                preexec_fn=parent_death_signal)  # own process group; dies with the worker
            endpoint = self._devtools_endpoint()
            self._browser = self._playwright.chromium.connect_over_cdp(endpoint)
        self.launches += 1
        log.info("chromium ready in %.2f s (launch #%d)", time.monotonic() - began, self.launches)

    def _devtools_endpoint(self, timeout: float = 30.0) -> str:
        found: list[str] = []

        def read() -> None:
            for line in self._process.stderr:
                if "DevTools listening on" in line and not found:
                    found.append(line.split("on", 1)[1].strip())
            # Keep draining so Chromium never blocks on a full pipe.

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not found:
            if self._process.poll() is not None:
                raise RuntimeError(f"Chromium exited at start (code {self._process.returncode})")
            if time.monotonic() > deadline:
                raise RuntimeError("Chromium did not open its DevTools endpoint in time")
            time.sleep(0.02)
        return found[0]

    def kill_process(self) -> None:
        """SIGKILL the browser's process group; safe from any thread (no Playwright calls)."""
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    def kill(self) -> None:
        """Kill the browser at once and forget it; the next job launches a fresh one."""
        self.kill_process()
        if self._process is not None:
            self._process.wait(10)
        self._browser = None
        self.close()

    def close(self) -> None:
        """Disconnect and stop the browser and Playwright."""
        if self._browser is not None:
            with contextlib.suppress(Exception):  # it may be gone already
                self._browser.close()
            self._browser = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(5)
                except subprocess.TimeoutExpired:
                    os.killpg(self._process.pid, signal.SIGKILL)
                    self._process.wait(5)
            self._process = None
        if self._playwright is not None:
            with contextlib.suppress(Exception):  # it may be gone already
                self._playwright.stop()
            self._playwright = None
        if self._profile is not None:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None


def player_script() -> Path:
    """static/js/player.js: the same file the pages load."""
    from fractafrag.paths import bundled_dir

    return bundled_dir("static") / "js" / "player.js"
