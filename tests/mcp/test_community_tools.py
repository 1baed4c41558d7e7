"""The community tools: comment_on_shader and add_to_playlist, over a real bridge session."""

from __future__ import annotations

from collections.abc import Callable

from tests.mcp.helpers import Account, stdio_session
from tests.mcp.test_bridge import GRADIENT, fails, ok, run


def test_an_agent_comments_and_curates_a_playlist(
        account: Account, make_account: Callable[[str], Account]) -> None:
    painter = make_account("painter")
    theirs = painter.api("POST", "/shaders", json={"title": "Neon tunnel",
                                                   "code": GRADIENT}).json()
    playlist = account.api("POST", "/playlists", json={"title": "Tunnels"}).json()

    async def scenario() -> None:
        async with stdio_session(account.url, account.key) as session:
            made = await ok(session, "comment_on_shader", shader_id=theirs["id"],
                            body="Lovely **glow**")
            assert made["shader_id"] == theirs["id"]
            assert "<strong>glow</strong>" in made["body_html"]
            added = await ok(session, "add_to_playlist", playlist_id=playlist["id"],
                             shader_id=theirs["id"])
            assert added["shader_ids"] == [theirs["id"]] and added["item_count"] == 1
            again = await fails(session, "add_to_playlist", playlist_id=playlist["id"],
                                shader_id=theirs["id"])
            assert "already" in again.lower()
            missing = await fails(session, "comment_on_shader", shader_id=999999, body="hi")
            assert "999999" in missing

    run(scenario)
    notes = painter.api("GET", "/notifications").json()
    assert [n["kind"] for n in notes] == ["comment"]
