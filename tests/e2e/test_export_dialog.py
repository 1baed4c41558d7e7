"""The Export dialog on a shader page: its progress bar moves live while the render worker
renders, then a download link and an inline <video> preview appear; Settings lists it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from playwright.sync_api import expect

from tests.api.shader_helpers import published
from tests.helpers import process_env

ROOT = Path(__file__).resolve().parents[2]
BURST = """
from fractafrag import create_app
from fractafrag.extensions import redis
from render_worker import pool
from render_worker.fair import RenderWorker
app = create_app()
with app.app_context():
    worker = RenderWorker(["render", "export"], connection=redis.conn)
    worker.app = app
    try:
        worker.work(burst=True, with_scheduler=False)
    finally:
        pool.shutdown()
"""

SAMPLER = """() => {
  window.__seen = [];
  setInterval(() => {
    const bar = document.querySelector('[data-role=export-progress]');
    if (bar) window.__seen.push(bar.value);
  }, 30);
}"""


def test_the_export_dialog_shows_live_progress_then_the_video(
        app, make_user, new_page, live, service_urls, shot):
    user = make_user()
    shader = published(app.test_client(), user)
    page = new_page(user)
    page.goto(f"/shaders/{shader['id']}")
    page.click("[data-action=export]")
    dialog = page.locator("[data-role=export-dialog]")
    expect(dialog).to_be_visible()
    dialog.locator("select[name=format]").select_option("webm")
    dialog.locator("select[name=size]").select_option("640x360")
    dialog.locator("input[name=seconds]").fill("3")
    dialog.locator("select[name=fps]").select_option("30")
    page.evaluate(SAMPLER)
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator("[data-role=export-state]")).to_have_text("queued")
    page.wait_for_function("() => document.body.dataset.socket === 'connected'")
    page.wait_for_timeout(300)  # the user room's subscribe is on its way

    # The render worker in a process of its own (this thread's Playwright is the page's),
    # writing where the live web process serves files from; it works the queues empty.
    env = process_env(service_urls,
                      FRACTAFRAG_DATA_DIR=str(Path(service_urls["root"]) / "web-e2e"))
    subprocess.run([sys.executable, "-c", BURST], cwd=ROOT, env=env, check=True, timeout=240)

    download = dialog.locator("[data-role=export-download]")
    expect(download).to_be_visible(timeout=15_000)
    seen = page.evaluate("() => window.__seen")
    assert any(0 < value < 1 for value in seen), "the bar moved before the end"
    assert seen[-1] == 1
    video = dialog.locator("[data-role=export-video]")
    expect(video).to_be_visible()
    page.wait_for_function(
        "() => document.querySelector('[data-role=export-video]').readyState >= 2")
    assert page.evaluate("() => document.querySelector('[data-role=export-video]').videoWidth"
                         ) == 640
    shot(page, "export-dialog")
    href = download.get_attribute("href")
    assert href.startswith("/exports/") and href.endswith(".webm")

    page.goto("/settings")
    item = page.locator("[data-role=export-list] li").first
    expect(item).to_contain_text("webm 640×360")
    expect(item.locator("a[download]")).to_be_visible()
