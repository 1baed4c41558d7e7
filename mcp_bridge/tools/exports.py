"""Exporting: a shader rendered offline to a PNG still, a WebM or MP4 video, or a GIF."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from mcp_bridge.api import FractafragAPI
from mcp_bridge.models import ExportResult, pick
from mcp_bridge.tools.bridge import WRITES, Bridge

POLL_EVERY = 1.0     # seconds between looks at a queued or rendering export
DEFAULT_WAIT = 120   # how long export_shader waits by default (seconds)
MAX_WAIT = 600       # and at most


async def wait_for_export(api: FractafragAPI, export_id: int, wait: float,
                          key: str | None, ctx: Context | None = None) -> dict[str, Any]:
    """Poll GET /exports/<id> until it is ready (its row) or failed (ToolError with the
    export's own error), for at most `wait` seconds (then a ToolError saying how to resume)."""
    deadline = time.monotonic() + wait
    reported = -1.0
    while True:
        row = await api.get(f"/exports/{export_id}", api_key=key)
        status = row.get("status")
        if status == "ready":
            return row
        if status == "failed":
            raise ToolError(f"Export {export_id} failed: {row.get('error') or 'no reason given'}")
        progress = float(row.get("progress") or 0.0)
        if ctx is not None and progress > reported:  # progress notifications only increase
            reported = progress
            await ctx.report_progress(progress, 1.0, f"export {export_id} {status}")
        if time.monotonic() + POLL_EVERY > deadline:
            raise ToolError(
                f"Export {export_id} is still {status} ({progress:.0%} done) after {wait:g} s. "
                f"It keeps rendering: call export_shader again with export_id={export_id} to "
                "wait for it (or with a longer wait_seconds next time).")
        await anyio.sleep(POLL_EVERY)


def register(server: MCPServer, bridge: Bridge) -> None:
    """Add export_shader."""
    api, key_of = bridge.api, bridge.key_of

    @server.tool(annotations=WRITES)
    async def export_shader(
        ctx: Context,
        id: Annotated[int | None, Field(
            ge=1, description="The shader to export (one you can see). Not needed with "
                              "export_id.")] = None,
        format: Annotated[Literal["png", "webm", "mp4", "gif"], Field(
            description="png (a still), webm (VP9), mp4 (H.264, even sizes) or gif.")] = "webm",
        width: Annotated[int, Field(ge=16, le=3840, description=(
            "Pixels: up to 1280 on free accounts, 1920 on Pro (3840 for a png)."))] = 1280,
        height: Annotated[int, Field(ge=16, le=2160, description=(
            "Pixels: up to 720 on free accounts, 1080 on Pro (2160 for a png)."))] = 720,
        seconds: Annotated[float | None, Field(gt=0, le=60, description=(
            "Length of a video or GIF: up to 10 s free, 60 s Pro (default 5); ignored for a "
            "png."))] = None,
        fps: Annotated[int | None, Field(ge=1, le=60, description=(
            "Frames per second: up to 30 free, 60 Pro (default 30)."))] = None,
        start: Annotated[float | None, Field(ge=0, description=(
            "iTime of the first frame, seconds (default 0); a png is the frame at this "
            "time."))] = None,
        version: Annotated[int | None, Field(
            ge=1, description="The shader version (default: the current one).")] = None,
        wait_seconds: Annotated[float, Field(ge=1, le=MAX_WAIT, description=(
            f"How long to wait for the file, 1–{MAX_WAIT} s (default {DEFAULT_WAIT}). Past "
            "it the tool fails saying the export id; the export keeps rendering."))
        ] = DEFAULT_WAIT,
        export_id: Annotated[int | None, Field(ge=1, description=(
            "Wait for an export started earlier (a timed-out call names it) instead of "
            "starting a new one."))] = None,
    ) -> ExportResult:
        """Render a shader offline to a file and return its download URL when ready: a PNG
        still, a WebM or MP4 video, or a looping GIF, at the size, length and frame rate you
        choose. Frames are drawn at a fixed step (iTime = start + n/fps, iTimeDelta = 1/fps,
        iFrame = n), so the video never drops a frame.

        Needs a key with the write scope and the instance's render worker. Limits depend on
        the account (free: 1280×720, 10 s, 30 fps; Pro: 1920×1080, 4K stills, 60 s, 60 fps);
        a value over them is an error naming the field. Rendering takes a while (tens of
        seconds per exported second at 720p); the call waits up to wait_seconds.
        """
        key = key_of(ctx)
        if export_id is None:
            if id is None:
                raise ToolError("Give the shader's `id` (or an `export_id` to wait for).")
            body = {"format": format, "width": width, "height": height}
            for name, value in (("seconds", seconds), ("fps", fps), ("start", start),
                                ("version", version)):
                if value is not None:
                    body[name] = value
            queued = await api.send("POST", f"/shaders/{id}/exports", body, api_key=key)
            export_id = int(queued["id"])
        row = await wait_for_export(api, export_id, wait_seconds, key, ctx)
        return pick(ExportResult, row, url=api.absolute(row.get("url")),
                    expires_at=str(row["expires_at"]) if row.get("expires_at") else None)
