"""Jam sessions: an agent co-edits a shader live with people (and other agents) in a jam."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from mcp_bridge.models import JamEditResult
from mcp_bridge.tools.bridge import WRITES, Bridge

JAM_PATH = re.compile(r"/jam/(\d{1,18})(?:/|$|\?)")


def jam_reference(jam: str) -> tuple[int, str | None]:
    """The jam id of an id or a jam URL, and the invite token the URL carries (if any)."""
    text = jam.strip()
    if text.isdigit():
        return int(text), None
    found = JAM_PATH.search(urlsplit(text).path + "?")
    if found is None:
        raise ToolError(f"{jam[:80]!r} is neither a jam id nor a jam URL (…/jam/<id> or "
                        "…/jam/<id>/edit?invite=<token>).")
    return int(found.group(1)), invite_token(text)


def invite_token(invite: str | None) -> str | None:
    """The token of an invite given as the token itself or as the edit URL."""
    if not invite or not invite.strip():
        return None
    text = invite.strip()
    if "invite=" in text:
        tokens = parse_qs(urlsplit(text).query).get("invite")
        return tokens[0] if tokens else None
    return None if "/" in text else text


def register(server: MCPServer, bridge: Bridge) -> None:
    """Add jam_edit."""
    api, key_of = bridge.api, bridge.key_of

    @server.tool(annotations=WRITES)
    async def jam_edit(
        ctx: Context,
        jam: Annotated[int | str, Field(description=(
            "The jam: its id, its watcher URL (…/jam/<id>) or the edit URL the owner shared "
            "(…/jam/<id>/edit?invite=<token>, which also joins you)."))],
        pass_name: Annotated[str, Field(description=(
            "The pass to edit: 'Image', 'Buffer A'…'Buffer D' (those the shader has) or "
            "'Common'."))] = "Image",
        text: Annotated[str | None, Field(description=(
            "The pass's whole new text, replacing it as it is on the server now (edits others "
            "made since you read it are replaced too unless your text keeps them; a splice "
            "with at/delete/insert does not touch them). Sent as the smallest change."
        ))] = None,
        at: Annotated[int | None, Field(ge=0, description=(
            "Where to splice: a character offset (Unicode code points) into the pass's "
            "current text, 0 = the start."))] = None,
        delete: Annotated[int, Field(ge=0, description=(
            "With `at`: how many characters to delete there."))] = 0,
        insert: Annotated[str, Field(description=(
            "With `at`: the text to insert there (after deleting)."))] = "",
        invite: Annotated[str | None, Field(description=(
            "The invite token or the edit URL; needed the first time, not once you joined."
        ))] = None,
    ) -> JamEditResult:
        """Edit a live jam session's code as a co-editor: the change reaches everyone
        watching and editing within a moment (their editors merge it with their typing, no
        conflicts), and the answer is the pass's whole text after it.

        Give `text` to replace a pass, or `at` with `delete` and/or `insert` to splice it
        (read the current text from a previous answer first: others may be typing). Needs a
        key with the write scope and the jam's invite (once). Refusals say why: a wrong or
        replaced invite, removed by the owner, the jam ended, an unknown pass or offset, a pass
        over 256 KB, too many edits. Saving the jam as a version is the owner's.
        """
        key = key_of(ctx)
        jam_id, url_invite = jam_reference(str(jam))
        token = invite_token(invite) or url_invite
        if invite and not token:
            raise ToolError("`invite` must be the invite token or the edit URL "
                            "(…/jam/<id>/edit?invite=<token>).")
        body: dict[str, object] = {"pass": pass_name}
        if text is not None:
            if at is not None:
                raise ToolError("Give either `text` (the whole pass) or `at` with "
                                "delete/insert, not both.")
            body["text"] = text
        elif at is not None:
            body.update({"at": at, "delete": delete, "insert": insert})
        else:
            raise ToolError("Give `text` (the pass's new text) or `at` with `delete` and/or "
                            "`insert`.")
        if token:
            await api.send("POST", f"/jams/{jam_id}/join", {"invite": token}, api_key=key)
        edited = await api.send("POST", f"/jams/{jam_id}/edits", body, api_key=key)
        return JamEditResult(jam=jam_id, pass_=edited["pass"], code=edited["code"],
                             length=edited["length"], url=f"{api.base_url}/jam/{jam_id}")
