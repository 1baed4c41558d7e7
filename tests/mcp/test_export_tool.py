"""export_shader end to end: the SDK's stdio client, the bridge as a subprocess, a real web
process and a real render worker (Chromium and ffmpeg); the file is fetched and decoded."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import AsyncIterator
from typing import Any

import av
import requests
from mcp.client.session import ClientSession
from mcp.client.stdio import stdio_client

from tests.mcp.helpers import Account, bridge_params
from tests.mcp.test_bridge import GRADIENT, fails, ok, run


@contextlib.asynccontextmanager
async def stdio_session(url: str, key: str | None) -> AsyncIterator[ClientSession]:
    """A bridge session whose calls may last minutes (an export waits behind the shader's own
    thumbnail render on a busy machine)."""
    async with stdio_client(bridge_params(url, key)) as (read, write), \
            ClientSession(read, write, read_timeout_seconds=300) as session:
        await session.initialize()
        yield session


def _decoded(url: str) -> list[Any]:
    response = requests.get(url, timeout=30)
    assert response.status_code == 200, url
    container = av.open(io.BytesIO(response.content))
    frames = list(container.decode(video=0))
    container.close()
    return frames


def test_export_shader_waits_for_the_file_and_returns_its_url(
        account: Account, render_worker) -> None:
    shader = account.api("POST", "/shaders", json={"title": "Red ramp", "code": GRADIENT}).json()

    async def scenario() -> None:
        async with stdio_session(account.url, account.key) as session:
            tools = {t.name: t for t in (await session.list_tools()).tools}
            assert "export_id" in str(tools["export_shader"].input_schema)
            done = await ok(session, "export_shader", id=shader["id"], format="webm",
                            width=64, height=32, seconds=1, fps=10, wait_seconds=240)
            assert done["status"] == "ready" and done["shader_id"] == shader["id"]
            assert (done["format"], done["width"], done["height"], done["fps"]) == (
                "webm", 64, 32, 10)
            assert done["url"].startswith(f"{account.url}/exports/")
            assert done["url"].endswith(".webm") and done["bytes"] > 0
            urls.append(done["url"])

            # A wait too short for the render (90 frames at 640x360): a tool error naming the
            # export, which keeps rendering; the same tool then waits for it by its id.
            text = await fails(session, "export_shader", id=shader["id"], format="webm",
                               width=640, height=360, seconds=3, fps=30, wait_seconds=1)
            assert "still queued" in text or "still rendering" in text, text
            export_id = int(re.search(r"export_id=(\d+)", text).group(1))
            later = await ok(session, "export_shader", export_id=export_id, wait_seconds=240)
            assert later["id"] == export_id and later["url"].endswith(".webm")
            still = await ok(session, "export_shader", id=shader["id"], format="png",
                             width=128, height=64, start=1.0, wait_seconds=240)
            assert still["url"].endswith(".png") and (still["width"], still["height"]) == (
                128, 64)
            urls.append(still["url"])

            # Refusals are tool errors carrying the API's message; the session keeps working.
            assert "width" in await fails(session, "export_shader", id=shader["id"],
                                          format="webm", width=1920, height=1080)
            assert "No shader" in await fails(session, "export_shader", id=999999)
            assert "export_id" in await fails(session, "export_shader")
            assert "format" in await fails(session, "export_shader", id=shader["id"],
                                           format="avi")

    urls: list[str] = []
    run(scenario)
    frames = _decoded(urls[0])
    assert len(frames) == 10 and (frames[0].width, frames[0].height) == (64, 32)
    picture = frames[5].to_image().convert("RGB")
    assert picture.getpixel((60, 16))[0] > picture.getpixel((3, 16))[0] + 150  # the red ramp
    png = requests.get(urls[1], timeout=30)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


def test_timeouts_failures_and_read_only_keys_are_tool_errors(app, account: Account) -> None:
    from fractafrag.extensions import db
    from fractafrag.models import Export
    from fractafrag.services import exports
    from tests.mcp.helpers import register

    reader = register(account.url, "reader", scopes=("read",))
    shader = account.api("POST", "/shaders", json={"title": "Ramp", "code": GRADIENT}).json()

    async def scenario() -> None:
        async with stdio_session(account.url, account.key) as session:
            # No render worker here: the export stays queued and the wait ends, bounded.
            text = await fails(session, "export_shader", id=shader["id"], format="png",
                               width=64, height=64, wait_seconds=2)
            assert "still queued (0% done) after 2 s" in text, text
            export_id = int(re.search(r"export_id=(\d+)", text).group(1))
            with app.app_context():  # what the render worker records when an export fails
                exports.mark_failed(db.session.get(Export, export_id), "The encoder failed.")
            text = await fails(session, "export_shader", export_id=export_id, wait_seconds=5)
            assert text.endswith(f"Export {export_id} failed: The encoder failed."), text
        async with stdio_session(account.url, reader.key) as session:
            text = await fails(session, "export_shader", id=shader["id"], format="png",
                               width=64, height=64)
            assert "scope" in text.lower(), text

    run(scenario)
