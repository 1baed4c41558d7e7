"""The security tests' world: `author` owns the content, `stranger` is someone else."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from flask import Flask

from tests.api.shader_helpers import published
from tests.helpers import bearer

AUTHOR, STRANGER = "author", "stranger"


class World:
    """`author` owns the content; `stranger` is someone else. Rows are made on first use."""

    def __init__(self, app: Flask, make_user) -> None:
        self.app = app
        self.client = app.test_client()
        self.make_user = make_user
        self.users = {AUTHOR: make_user(AUTHOR), STRANGER: make_user(STRANGER)}
        self._keys: dict[tuple[str, tuple[str, ...]], str] = {}

    # -- people and credentials ---------------------------------------------------------------

    def user(self, who: str) -> dict:
        return self.users[who]

    def bearer(self, who: str, kind: str = "access") -> dict[str, str]:
        return bearer(self.users[who][f"{kind}_token"])

    def key(self, who: str, scopes: tuple[str, ...]) -> str:
        """An API key of `who` with `scopes` (made once per world)."""
        if (who, scopes) not in self._keys:
            made = self.client.post("/api/v1/mcp-keys", headers=self.bearer(who),
                                    json={"name": f"{who} {'+'.join(scopes)}",
                                          "scopes": list(scopes)})
            assert made.status_code == 201, made.get_json()
            self._keys[(who, scopes)] = made.get_json()["key"]
        return self._keys[(who, scopes)]

    # -- content ------------------------------------------------------------------------------

    @cached_property
    def shader(self) -> int:
        """The author's public shader."""
        return published(self.client, self.users[AUTHOR], title="Author's plasma")["id"]

    @cached_property
    def stranger_shader(self) -> int:
        """The stranger's public shader."""
        return published(self.client, self.users[STRANGER], title="Stranger's rings")["id"]

    @cached_property
    def desire(self) -> int:
        """The author's open desire."""
        made = self.client.post("/api/v1/desires", headers=self.bearer(AUTHOR),
                                json={"prompt": "a tunnel of neon rings"})
        assert made.status_code == 201, made.get_json()
        return made.get_json()["id"]

    @cached_property
    def offer(self) -> int:
        """The stranger's offer of their shader for the author's desire."""
        made = self.client.post(f"/api/v1/desires/{self.desire}/fulfill",
                                headers=self.bearer(STRANGER),
                                json={"shader_id": self.stranger_shader})
        assert made.status_code == 201, made.get_json()
        return made.get_json()["id"]

    @cached_property
    def spare_key(self) -> int:
        """An API key of the author's to revoke."""
        made = self.client.post("/api/v1/mcp-keys", headers=self.bearer(AUTHOR),
                                json={"name": "spare", "scopes": ["read"]})
        assert made.status_code == 201, made.get_json()
        return made.get_json()["id"]

    @cached_property
    def comment(self) -> int:
        """The author's comment under their own shader."""
        made = self.client.post(f"/api/v1/shaders/{self.shader}/comments",
                                headers=self.bearer(AUTHOR), json={"body": "First!"})
        assert made.status_code == 201, made.get_json()
        return made.get_json()["id"]

    @cached_property
    def playlist(self) -> int:
        """The author's public playlist, holding the author's shader."""
        made = self.client.post("/api/v1/playlists", headers=self.bearer(AUTHOR),
                                json={"title": "Favourites"})
        assert made.status_code == 201, made.get_json()
        added = self.client.post(f"/api/v1/playlists/{made.get_json()['id']}/items",
                                 headers=self.bearer(AUTHOR), json={"shader_id": self.shader})
        assert added.status_code == 201, added.get_json()
        return made.get_json()["id"]

    @cached_property
    def media(self) -> int:
        """The author's uploaded image (a 2×2 PNG)."""
        import io

        from PIL import Image

        png = io.BytesIO()
        Image.new("RGB", (2, 2), (255, 0, 0)).save(png, "PNG")
        made = self.client.post("/api/v1/media", headers=self.bearer(AUTHOR),
                                data={"file": (io.BytesIO(png.getvalue()), "red.png")},
                                content_type="multipart/form-data")
        assert made.status_code == 201, made.get_json()
        return made.get_json()["id"]

    @cached_property
    def started_jam(self) -> dict:
        """The author's live jam on their shader, as POST /shaders/<id>/jams answers it
        ({id, invite, …}); co-editors may not save it."""
        made = self.client.post(f"/api/v1/shaders/{self.shader}/jams",
                                headers=self.bearer(AUTHOR), json={})
        assert made.status_code == 201, made.get_json()
        return made.get_json()

    @property
    def jam(self) -> int:
        return self.started_jam["id"]

    @property
    def jam_invite(self) -> str:
        """The jam's current invite token (the one in its edit link)."""
        return self.started_jam["invite"]

    @cached_property
    def jam_guest(self) -> int:
        """A third person who joined the author's jam with its invite: a co-editor to remove."""
        guest = self.make_user("guest")
        joined = self.client.post(f"/api/v1/jams/{self.jam}/join",
                                  headers=bearer(guest["access_token"]),
                                  json={"invite": self.jam_invite})
        assert joined.status_code == 200, joined.get_json()
        return guest["id"]

    def join_jam(self, who: str) -> None:
        """`who` joins the author's jam with its invite (the author is in it already)."""
        joined = self.client.post(f"/api/v1/jams/{self.jam}/join", headers=self.bearer(who),
                                  json={"invite": self.jam_invite})
        assert joined.status_code == 200 and joined.get_json() == {"role": "editor"}, (
            joined.get_json())

    def edit_jam(self, who: str) -> None:
        """`who` changes the jam's Image pass (a save needs code unlike the current version)."""
        edited = self.client.post(f"/api/v1/jams/{self.jam}/edits", headers=self.bearer(who),
                                  json={"pass": "Image", "at": 0, "insert": "// jammed\n"})
        assert edited.status_code == 200, edited.get_json()

    def make_admin(self, who: str) -> None:
        """Give `who` the admin role (what `fractafrag admin grant` does)."""
        from fractafrag.extensions import db
        from fractafrag.services import moderation

        with self.app.app_context():
            moderation.grant_admin(self.users[who]["username"])
            db.session.commit()

    @property
    def author(self) -> str:
        return self.users[AUTHOR]["username"]

    def byok(self, who: str) -> None:
        """Save an OpenAI key for `who` (generation needs one)."""
        saved = self.client.put("/api/v1/users/me/byok/openai", headers=self.bearer(who),
                                json={"api_key": "sk-test-0123456789abcdefWXYZ"})
        assert saved.status_code == 200, saved.get_json()

    def checkout(self, who: str) -> None:
        """Start a checkout for `who`, which gives them a Stripe customer (the portal needs it)."""
        started = self.client.post("/api/v1/payments/checkout", headers=self.bearer(who),
                                   json={"plan": "pro"})
        assert started.status_code == 200, started.get_json()

    def get(self, path: str, who: str = AUTHOR) -> Any:
        return self.client.get(path, headers=self.bearer(who)).get_json()

    def fill(self, template: str) -> str:
        """`/api/v1/shaders/{shader}` with the world's ids."""
        return re.sub(r"\{(\w+)\}", lambda m: str(getattr(self, m.group(1))), template)
