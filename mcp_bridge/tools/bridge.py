"""What every tool shares: the REST client, the caller's key, and API rows as result models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver import Context
from mcp.types import ToolAnnotations

from mcp_bridge.api import FractafragAPI
from mcp_bridge.models import Desire, Shader, ShaderSummary, pick

HEADER_KEY = "x-api-key"

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=True)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=True)


@dataclass(frozen=True)
class Bridge:
    """The Fractafrag instance the tools call, and how its answers become results."""

    api: FractafragAPI

    def key_of(self, ctx: Context | None) -> str | None:
        """The caller's own key from an HTTP header, else None (the configured key)."""
        if ctx is None:
            return None
        try:
            headers = ctx.headers
        except ValueError:
            return None
        if headers:
            value = headers.get(HEADER_KEY) or headers.get("X-API-Key")
            if value and value.strip():
                return value.strip()
        return None

    def summary(self, data: dict[str, Any]) -> ShaderSummary:
        """A shader row without code, with its page and thumbnail as absolute URLs."""
        return pick(ShaderSummary, data, url=f"{self.api.base_url}/shaders/{data['id']}",
                    thumbnail_url=self.api.absolute(data.get("thumbnail_url")))

    def full(self, data: dict[str, Any]) -> Shader:
        """A shader with its code, with its page and thumbnail as absolute URLs."""
        return pick(Shader, data, url=f"{self.api.base_url}/shaders/{data['id']}",
                    thumbnail_url=self.api.absolute(data.get("thumbnail_url")))

    def desire(self, data: dict[str, Any]) -> Desire:
        """A desire with its page's absolute URL."""
        return pick(Desire, data, url=f"{self.api.base_url}/desires/{data['id']}")
