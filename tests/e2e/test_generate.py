"""Generate with AI in a real browser: save a key in Settings, answer a desire from /new, watch
the compile-and-repair loop run against a loopback fake of the OpenAI API, and land on the new
draft's editor with code that compiles."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from unittest import mock

import pytest
from playwright.sync_api import Browser, Page, expect

from fractafrag.extensions import db, redis
from fractafrag.jobs.worker import AppSimpleWorker
from fractafrag.models import Desire, Shader
from fractafrag.services import glsl
from tests.byok.fakes import BROKEN_GLSL, GOOD_GLSL, FakeProvider, shader_reply
from tests.processes import WebProcess

API_KEY = "sk-e2e-0123456789abcdefLAST"


@pytest.fixture(scope="module")
def byok_live(app, service_urls: dict[str, str]) -> Iterator[WebProcess]:
    """A web process that lets provider URLs point at loopback (where the fake listens)."""
    with mock.patch.dict(os.environ, {"FRACTAFRAG_BYOK_ALLOW_LOCAL": "1"}):
        process = WebProcess(service_urls, "byok")
    try:
        yield process.wait_ready()
    finally:
        process.stop()


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    """The OpenAI-compatible fake, expecting API_KEY."""
    provider = FakeProvider("openai", API_KEY)
    yield provider
    provider.close()


def signed_in_page(browser: Browser, live: WebProcess, user: dict) -> Page:
    """A fresh context on the live process, signed in through the /login form."""
    context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login")
    page.fill("input[name=username]", user["username"])
    page.fill("input[name=password]", user["password"])
    page.click("form[data-role=login] button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def work_until(page: Page, worker_app, pattern: re.Pattern[str], seconds: float = 30) -> None:
    """Run the default queue in this process until the page reaches a URL matching pattern."""
    with worker_app.app_context():
        connection = redis.conn
    deadline = time.monotonic() + seconds
    while True:
        worker = AppSimpleWorker(["default"], connection=connection)
        worker.app = worker_app
        worker.work(burst=True, with_scheduler=False)
        try:
            page.wait_for_url(pattern, timeout=1000)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise


def test_generate_a_draft_for_a_desire(browser, byok_live, make_app, make_user, fake, shot):
    worker_app = make_app(BYOK_ALLOW_LOCAL=True)
    ada, asker = make_user("ada"), make_user("asker")
    with worker_app.app_context():
        desire = Desire(author_id=asker["id"], prompt="a rainbow colour field drifting in time")
        db.session.add(desire)
        db.session.commit()
        desire_id = desire.id
    fake.reply(shader_reply("Drifting Rainbow", BROKEN_GLSL))
    fake.reply(shader_reply("Drifting Rainbow", GOOD_GLSL))

    page = signed_in_page(browser, byok_live, ada)
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda frame: frames.append(frame if isinstance(frame, str) else "")))
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if "Content Security Policy" in message.text else None)

    # 1. Settings: save the key, pointed at the fake.
    page.goto("/settings")
    section = page.locator("[data-role=byok]")
    section.get_by_label("Provider").select_option("openai")
    section.get_by_label("API key").fill(API_KEY)
    section.get_by_label("Base URL").fill(fake.base_url)
    section.get_by_label("Model").fill("fake-gpt")
    section.get_by_role("button", name="Save key").click()
    expect(page.locator(".flash.ok")).to_contain_text("OpenAI-compatible key saved (•••• LAST).")
    row = page.locator("[data-role=byok-keys] tr[data-provider=openai]")
    expect(row).to_contain_text("fake-gpt")
    expect(row).to_contain_text("••••LAST")
    assert API_KEY not in page.content()
    shot(page, "byok-settings")

    # 2. The editor, opened from the desire board's link: the prompt is the desire's ask.
    page.goto(f"/new?desire={desire_id}")
    panel = page.locator("[data-role=generate]")
    expect(panel).to_have_attribute("open", "")
    expect(page.locator("[data-role=generate-prompt]")).to_have_value(
        "a rainbow colour field drifting in time")
    expect(page.locator("[data-role=generate-desire]")).to_contain_text(f"desire #{desire_id}")
    expect(page.locator("[data-role=generate-provider]")).to_have_value("openai")
    expect(page.locator("[data-role=generate-provider] option")).to_have_text(
        ["OpenAI-compatible · fake-gpt"])
    with page.expect_response(lambda r: r.url.endswith("/api/v1/generate")) as posted:
        page.locator("[data-action=generate]").click()
    assert posted.value.status == 202
    progress = page.locator("[data-role=generate-progress]")
    expect(progress).to_have_attribute("data-state", "queued")
    expect(page.locator("body")).to_have_attribute("data-socket", "connected")
    page.wait_for_timeout(500)  # the room join that follows the connection
    shot(page, "byok-generate-queued")

    # 3. A worker runs the job: broken code, the compiler's errors back, fixed code.
    work_until(page, worker_app, re.compile(r"/shaders/\d+/edit"))
    shader_id = int(re.search(r"/shaders/(\d+)/edit", page.url).group(1))
    expect(page.locator("[data-role=compile-errors]")).to_have_text("Compiles.")
    expect(page.locator("#ed-title")).to_have_value("Drifting Rainbow")
    expect(page.locator("#ed-visibility")).to_have_value("draft")
    expect(page.locator("#ed-description")).to_contain_text(
        f"Generated for desire #{desire_id}: a rainbow colour field drifting in time")
    expect(page.locator("[data-role=save-status]")).to_contain_text("Generated with AI")
    code = page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert code == GOOD_GLSL
    shot(page, "byok-generated-draft")

    # The steps came live through the user's room (polling is only the fallback).
    live_events = [f for f in frames if "generate:" in f]
    assert any('"generate:progress"' in f and '"attempt":2' in f.replace(" ", "")
               for f in live_events), live_events
    assert any('"generate:done"' in f for f in live_events), live_events
    assert len(fake.requests) == 2
    assert "Image line 3" in fake.requests[1].body["messages"][-1]["content"]
    with worker_app.app_context():
        shader = db.session.get(Shader, shader_id)
        assert shader.owner_id == ada["id"] and shader.visibility == "draft"
        assert glsl.validate_version(shader.current.common, shader.current.passes) == []
    assert problems == []


def test_without_a_key_the_editor_points_to_settings(browser, byok_live, make_user):
    page = signed_in_page(browser, byok_live, make_user("bo"))
    page.goto("/new")
    page.locator("[data-role=generate] summary").click()
    note = page.locator("[data-role=generate-none]")
    expect(note).to_be_visible()
    expect(note.get_by_role("link", name="Settings")).to_have_attribute("href", "/settings")
    expect(page.locator("[data-action=generate]")).to_be_disabled()


def test_a_rejected_key_is_explained_in_the_panel(browser, byok_live, make_app, make_user,
                                                  fake, shot):
    worker_app = make_app(BYOK_ALLOW_LOCAL=True)
    page = signed_in_page(browser, byok_live, make_user("cy"))
    page.goto("/settings")
    section = page.locator("[data-role=byok]")
    section.get_by_label("API key").fill("sk-wrong-key-000000000000")
    section.get_by_label("Base URL").fill(fake.base_url)
    section.get_by_role("button", name="Save key").click()
    expect(page.locator(".flash.ok")).to_contain_text("key saved")

    page.goto("/new")
    page.locator("[data-role=generate] summary").click()
    expect(page.locator("[data-action=generate]")).to_be_enabled()
    page.locator("[data-role=generate-prompt]").fill("a plasma that never comes")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/generate")) as posted:
        page.locator("[data-action=generate]").click()
    assert posted.value.status == 202
    progress = page.locator("[data-role=generate-progress]")
    expect(progress).to_have_attribute("data-state", "queued")
    with worker_app.app_context():
        connection = redis.conn
    worker = AppSimpleWorker(["default"], connection=connection)
    worker.app = worker_app
    worker.work(burst=True, with_scheduler=False)
    expect(progress).to_have_attribute("data-state", "failed")
    expect(progress).to_have_text("Your openai key was rejected by the provider (401).")
    expect(page.locator("[data-action=generate]")).to_be_enabled()
    assert "/new" in page.url
    shot(page, "byok-generate-failed")
