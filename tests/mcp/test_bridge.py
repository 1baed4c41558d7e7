"""The MCP bridge end to end: the SDK's real clients, the bridge as a subprocess, a real web
process (and for test renders a real render worker); no mocks."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult, ImageContent, TextContent
from PIL import Image

from tests.mcp.helpers import Account, stdio_session
from tests.processes import free_port

GRADIENT = (
    "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
    "    vec2 uv = fragCoord / iResolution.xy;\n"
    "    fragColor = vec4(uv.x, 0.0, 0.0, 1.0);\n"
    "}\n"
)
BROKEN = GRADIENT.replace("vec4(uv.x", "vec4(uvw.x")  # line 3: undeclared identifier
TOOLS = {"search_shaders", "get_shader", "validate_shader", "render_preview", "publish_shader",
         "update_shader", "fork_shader", "vote", "get_trending", "list_desires", "post_desire",
         "fulfill_desire", "comment_on_shader", "add_to_playlist", "export_shader", "jam_edit"}


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """Run an async scenario to completion (the SDK is anyio-based)."""
    anyio.run(scenario)


async def ok(session: ClientSession, tool: str, **arguments: Any) -> dict[str, Any]:
    """Call a tool that must succeed; its structured result."""
    result = await session.call_tool(tool, arguments)
    assert not result.is_error, (tool, text_of(result))
    assert isinstance(result.structured_content, dict), (tool, result)
    return result.structured_content


async def fails(session: ClientSession, tool: str, **arguments: Any) -> str:
    """Call a tool that must fail as a tool error (isError); its text."""
    result = await session.call_tool(tool, arguments)
    assert result.is_error, (tool, result)
    return text_of(result)


def text_of(result: CallToolResult) -> str:
    """The text blocks of a result."""
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def test_lists_and_calls_every_tool_resource_and_prompt_over_stdio(
        account: Account, make_account: Callable[[str], Account]) -> None:
    other = make_account("painter")
    theirs = other.api("POST", "/shaders", json={
        "title": "Neon tunnel", "code": GRADIENT, "tags": ["tunnel", "neon"]}).json()

    async def scenario() -> None:
        async with stdio_session(account.url, account.key) as session:
            tools = {t.name: t for t in (await session.list_tools()).tools}
            assert set(tools) == TOOLS
            for name, tool in tools.items():
                assert len(tool.description or "") > 60, name
                assert (tool.output_schema is None) == (name == "render_preview"), name
            assert "pass" in json.dumps(tools["validate_shader"].output_schema)
            resources = (await session.list_resources()).resources
            assert [str(r.uri) for r in resources] == ["desires://hot"]
            templates = (await session.list_resource_templates()).resource_templates
            assert [t.uri_template for t in templates] == ["shader://{id}"]
            prompts = (await session.list_prompts()).prompts
            assert [p.name for p in prompts] == ["write_shader_for_desire"]
            assert [a.name for a in prompts[0].arguments or []] == ["desire_id"]

            found = await ok(session, "search_shaders", query="tunnels", limit=5)
            assert found["total"] == 1 and found["page"] == 1
            hit = found["shaders"][0]
            assert hit["id"] == theirs["id"] and hit["author"]["username"] == "painter"
            assert hit["url"] == f"{account.url}/shaders/{theirs['id']}"
            assert "code" not in hit
            tagged = await ok(session, "search_shaders", tag=["neon"], sort="new")
            assert [s["id"] for s in tagged["shaders"]] == [theirs["id"]]

            shader = await ok(session, "get_shader", id=theirs["id"])
            assert shader["code"] == GRADIENT and shader["passes"][0]["name"] == "Image"
            assert (await ok(session, "validate_shader", code=GRADIENT)) == {"ok": True,
                                                                              "errors": []}

            mine = await ok(session, "publish_shader", title="Red ramp", code=GRADIENT,
                            description="Red grows to the right.", tags="ramp, red")
            assert mine["author"]["username"] == "agent" and mine["version"] == 1
            assert mine["tags"] == ["ramp", "red"] and mine["visibility"] == "public"
            brighter = GRADIENT.replace("0.0, 0.0, 1.0", "0.2, 0.0, 1.0")
            updated = await ok(session, "update_shader", id=mine["id"], code=brighter,
                               message="a touch of green", title="Red-green ramp")
            assert updated["version"] == 2 and updated["title"] == "Red-green ramp"
            first = await ok(session, "get_shader", id=mine["id"], version=1)
            assert first["version"] == 1 and first["code"] == GRADIENT
            assert (await ok(session, "get_shader", id=mine["id"]))["code"] == brighter

            fork = await ok(session, "fork_shader", id=theirs["id"])
            assert fork["forked_from"] == {"id": theirs["id"], "version": 1}
            assert fork["visibility"] == "draft" and fork["author"]["username"] == "agent"
            own = await ok(session, "search_shaders", author="agent", sort="new")
            assert [s["id"] for s in own["shaders"]] == [fork["id"], mine["id"]]

            voted = await ok(session, "vote", id=theirs["id"], value=1)
            assert voted == {**voted, "shader_id": theirs["id"], "vote": 1, "up": 1, "score": 1}
            assert "own" in await fails(session, "vote", id=mine["id"], value=1)

            trending = await ok(session, "get_trending", limit=5)
            assert trending["total"] == len(trending["shaders"])  # only rendered ones count

            ask = await ok(session, "post_desire", prompt="A red ramp that breathes slowly")
            assert ask["status"] == "open" and ask["author"]["username"] == "agent"
            listed = await ok(session, "list_desires", sort="new", limit=5)
            assert [d["id"] for d in listed["desires"]] == [ask["id"]]
            assert listed["desires"][0]["url"] == f"{account.url}/desires/{ask['id']}"
            offer = await ok(session, "fulfill_desire", desire_id=ask["id"],
                             shader_id=mine["id"])
            assert offer["status"] == "offered" and offer["shader_id"] == mine["id"]
            asked.append(ask["id"])
            offer_shader.append(mine["id"])

            read = await session.read_resource(f"shader://{mine['id']}")
            body = json.loads(read.contents[0].text)
            assert body["id"] == mine["id"] and body["code"] == brighter
            assert read.contents[0].mime_type == "application/json"
            hot = json.loads((await session.read_resource("desires://hot")).contents[0].text)
            assert set(hot) == {"clusters", "desires"}
            assert [d["id"] for d in hot["desires"]] == [ask["id"]]

            prompt = await session.get_prompt("write_shader_for_desire",
                                              {"desire_id": str(ask["id"])})
            text = prompt.messages[0].content.text
            assert "A red ramp that breathes slowly" in text
            order = [text.index(step) for step in ("validate_shader", "render_preview",
                                                   "publish_shader", "fulfill_desire")]
            assert order == sorted(order)

    asked: list[int] = []
    offer_shader: list[int] = []
    run(scenario)
    offers = account.api("GET", f"/desires/{asked[0]}/offers").json()
    assert [o["shader_id"] for o in offers] == [offer_shader[0]]


def test_an_agent_validates_fixes_renders_publishes_and_fulfils(
        account: Account, render_worker) -> None:
    async def scenario() -> None:
        async with stdio_session(account.url, account.key) as session:
            checked = await ok(session, "validate_shader", code=BROKEN)
            assert checked["ok"] is False
            error = checked["errors"][0]
            assert error["pass"] == "Image" and error["line"] == 3
            assert "uvw" in error["message"]
            refused = await fails(session, "publish_shader", title="Broken", code=BROKEN)
            assert "Image line 3" in refused

            assert (await ok(session, "validate_shader", code=GRADIENT))["ok"] is True
            frame = await session.call_tool("render_preview", {
                "code": GRADIENT, "width": 64, "height": 32, "time": 0.5})
            assert not frame.is_error, text_of(frame)
            image_block = frame.content[0]
            assert isinstance(image_block, ImageContent)
            assert image_block.mime_type == "image/png"
            image = Image.open(io.BytesIO(base64.b64decode(image_block.data))).convert("RGB")
            assert image.size == (64, 32)
            left, right = image.getpixel((1, 16)), image.getpixel((62, 16))
            assert right[0] > left[0] + 150, (left, right)

            shader = await ok(session, "publish_shader", title="Red ramp", code=GRADIENT,
                              tags=["ramp"])
            ask = await ok(session, "post_desire", prompt="a simple red gradient, please")
            offer = await ok(session, "fulfill_desire", desire_id=ask["id"],
                             shader_id=shader["id"])
            state["shader"], state["desire"], state["offer"] = shader, ask, offer

    state: dict[str, Any] = {}
    run(scenario)
    offers = account.api("GET", f"/desires/{state['desire']['id']}/offers")
    assert offers.status_code == 200
    assert [(o["id"], o["shader_id"]) for o in offers.json()] == [
        (state["offer"]["id"], state["shader"]["id"])]


def test_streamable_http_serves_tools_with_the_configured_or_the_callers_key(
        account: Account, make_account: Callable[[str], Account], http_bridge) -> None:
    url = http_bridge(account.key)
    guest = make_account("guest")

    async def scenario() -> None:
        async with httpx2.AsyncClient(timeout=60) as plain, \
                streamable_http_client(url, http_client=plain) as (read, write), \
                ClientSession(read, write) as session:
            await session.initialize()
            assert {t.name for t in (await session.list_tools()).tools} == TOOLS
            checked = await ok(session, "validate_shader", code=BROKEN)
            assert checked["errors"][0]["line"] == 3
            ask = await ok(session, "post_desire", prompt="fireflies over a dark pond")
            assert ask["author"]["username"] == "agent"
            found = await ok(session, "search_shaders", query="")
            assert found["total"] == 0 and found["shaders"] == []
            assert "No shader 424242" in await fails(session, "get_shader", id=424242)

        async with httpx2.AsyncClient(headers={"X-API-Key": guest.key}, timeout=60) as own, \
                streamable_http_client(url, http_client=own) as (read, write), \
                ClientSession(read, write) as session:
            await session.initialize()
            ask = await ok(session, "post_desire", prompt="rain on a tin roof, visualised")
            assert ask["author"]["username"] == "guest"

    run(scenario)


def test_a_revoked_key_is_refused_saying_so(account: Account) -> None:
    async def scenario() -> None:
        async with stdio_session(account.url, account.key) as session:
            await ok(session, "post_desire", prompt="a spinning cube of light")
            revoked = account.api("DELETE", f"/mcp-keys/{account.key_id}")
            assert revoked.status_code == 204
            text = await fails(session, "search_shaders", query="cube")
            assert "This API key was revoked; create a new one in Settings." in text
            text = await fails(session, "post_desire", prompt="another one")
            assert "revoked" in text

    run(scenario)


def test_bad_calls_are_tool_errors_and_the_session_keeps_working(account: Account) -> None:
    async def scenario() -> None:
        async with stdio_session(account.url, account.key) as session:
            assert "No shader 999999" in await fails(session, "get_shader", id=999999)
            assert "code" in await fails(session, "validate_shader")
            assert "either" in await fails(session, "validate_shader", code=GRADIENT,
                                           passes=[{"name": "Image", "code": GRADIENT}])
            assert "id" in await fails(session, "get_shader")
            assert "value" in await fails(session, "vote", id=1, value=5)
            assert "limit" in await fails(session, "search_shaders", limit=1000)
            assert "Nothing to change" in await fails(session, "update_shader", id=1)
            assert await fails(session, "publish_shader", code=GRADIENT)  # no title
            unknown = await session.call_tool("no_such_tool", {})
            assert unknown.is_error
            with pytest.raises(MCPError):
                await session.read_resource("shader://999999")
            with pytest.raises(MCPError):
                await session.get_prompt("write_shader_for_desire", {"desire_id": "999999"})
            multi = await ok(session, "validate_shader", passes=[
                {"name": "Buffer A", "code": BROKEN},
                {"name": "Image", "code": GRADIENT,
                 "inputs": [{"channel": 0, "source": "Buffer A"}]}])
            assert [(e["pass"], e["line"]) for e in multi["errors"]] == [("Buffer A", 3)]
            assert (await ok(session, "search_shaders", query="anything"))["total"] == 0

    run(scenario)


def test_an_unreachable_instance_and_a_missing_key_are_explained() -> None:
    dead = f"http://127.0.0.1:{free_port()}"

    async def scenario() -> None:
        async with stdio_session(dead, None) as session:
            text = await fails(session, "search_shaders", query="tunnel")
            assert f"instance at {dead} is unreachable" in text
            assert "unreachable" in await fails(session, "post_desire", prompt="anything at all")
            assert (await session.list_tools()).tools

    run(scenario)


def test_without_a_key_reads_work_and_writes_say_how_to_get_one(account: Account) -> None:
    async def scenario() -> None:
        async with stdio_session(account.url, None) as session:
            assert (await ok(session, "list_desires"))["desires"] == []
            text = await fails(session, "post_desire", prompt="a calm blue ocean")
            assert "FRACTAFRAG_API_KEY" in text

    run(scenario)


def test_the_instance_url_may_be_given_with_the_api_prefix() -> None:
    from mcp_bridge.api import FractafragAPI

    assert FractafragAPI(" http://ff.example.org/api/v1/ ").base_url == "http://ff.example.org"
    api = FractafragAPI("https://ff.example.org/")
    assert api.absolute("/renders/a.webp") == "https://ff.example.org/renders/a.webp"
    assert api.absolute(None) is None
