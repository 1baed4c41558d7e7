"""Accounts with API keys on a live instance, and MCP bridge sessions over stdio."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import requests
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.processes import ROOT


@dataclass
class Account:
    """A user registered through the REST API, with a read+write API key."""

    url: str
    username: str
    access_token: str
    key: str
    key_id: int

    @property
    def bearer(self) -> dict[str, str]:
        """Authorization header for the user's access token."""
        return {"Authorization": f"Bearer {self.access_token}"}

    def api(self, method: str, path: str, **kwargs: object) -> requests.Response:
        """Call the REST API as this user (JWT)."""
        return requests.request(method, self.url + "/api/v1" + path, headers=self.bearer,
                                timeout=30, **kwargs)


def register(url: str, username: str, scopes: tuple[str, ...] = ("read", "write")) -> Account:
    """Register `username` over REST and create an API key for it."""
    made = requests.post(url + "/api/v1/auth/register", json={
        "username": username, "email": f"{username}@example.org",
        "password": "plasma tunnels at dawn"}, timeout=30)
    assert made.status_code == 201, made.text
    token = made.json()["access_token"]
    key = requests.post(url + "/api/v1/mcp-keys", json={"name": "agent", "scopes": list(scopes)},
                        headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert key.status_code == 201, key.text
    return Account(url, username, token, key.json()["key"], key.json()["id"])


def bridge_params(url: str, key: str | None, *extra: str) -> StdioServerParameters:
    """How to launch `python -m mcp_bridge` over stdio."""
    args = ["-m", "mcp_bridge", "--url", url, *extra]
    if key:
        args += ["--api-key", key]
    return StdioServerParameters(command=sys.executable, args=args, cwd=str(ROOT))


@contextlib.asynccontextmanager
async def stdio_session(url: str, key: str | None) -> AsyncIterator[ClientSession]:
    """An initialised SDK client session with a bridge subprocess over stdio."""
    async with stdio_client(bridge_params(url, key)) as (read, write), \
            ClientSession(read, write, read_timeout_seconds=60) as session:
        await session.initialize()
        yield session
