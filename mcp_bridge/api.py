"""A small async client of Fractafrag's REST API (`/api/v1`), as the bridge's tools need it.

Every failure becomes an `ApiError`: a `ToolError` whose text is the API's own `message` (plus
the located GLSL errors of a compile failure), or a sentence saying the instance is unreachable.
The bridge never talks to the database; it works against any Fractafrag instance.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
from mcp.server.mcpserver.exceptions import ToolError

log = logging.getLogger("mcp_bridge")

TIMEOUT = 30.0
PREVIEW_TIMEOUT = 40.0
API_PREFIX = "/api/v1"
USER_AGENT = "fractafrag-mcp-bridge/0.1"


class ApiError(ToolError):
    """A failed call of the REST API, with the message an agent should read."""

    def __init__(self, message: str, status: int | None = None,
                 errors: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors = errors


def located_errors(errors: Any) -> list[dict[str, Any]]:
    """The `[{pass, line, message}]` list of a GLSL failure, or [] for any other error shape."""
    if not isinstance(errors, list):
        return []
    return [e for e in errors if isinstance(e, dict) and "message" in e]


def _describe(response: httpx.Response, has_key: bool) -> ApiError:
    """An ApiError from an error answer: its `message`, GLSL errors and the hints that help."""
    status = response.status_code
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        body = None
    message = body.get("message") if isinstance(body, dict) else None
    errors = body.get("errors") if isinstance(body, dict) else None
    if not message:
        text = response.text.strip()[:200] if response.text else ""
        message = f"HTTP {status} {response.reason_phrase}" + (f": {text}" if text else "")
    located = located_errors(errors)
    if located:
        lines = [f"- {e.get('pass', '?')} line {e.get('line', 0)}: {e['message']}"
                 for e in located]
        message = message + "\nErrors:\n" + "\n".join(lines)
    if status == 401 and not has_key:
        message += (" (The bridge has no API key: set FRACTAFRAG_API_KEY or --api-key to an ff_… "
                    "key made in Settings.)")
    if status == 429 and response.headers.get("Retry-After"):
        message += f" Retry after {response.headers['Retry-After']} s."
    return ApiError(message, status, errors)


class FractafragAPI:
    """Calls one Fractafrag instance with an optional `X-API-Key`."""

    def __init__(self, base_url: str, api_key: str | None = None) -> None:
        base = base_url.strip().rstrip("/")
        self.base_url = base[: -len(API_PREFIX)] if base.endswith(API_PREFIX) else base
        self.api_key = api_key or None

    def absolute(self, path: str | None) -> str | None:
        """An absolute URL for a path the API gave (thumbnails, pages); None stays None."""
        if not path:
            return None
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + (path if path.startswith("/") else "/" + path)

    async def request(self, method: str, path: str, *, json_body: Any = None,
                      params: dict[str, Any] | None = None, timeout: float = TIMEOUT,
                      api_key: str | None = None) -> httpx.Response:
        """Send one request to `/api/v1{path}`; return the 2xx response or raise ApiError."""
        key = api_key or self.api_key
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if key:
            headers["X-API-Key"] = key
        url = self.base_url + API_PREFIX + path
        query = {k: v for k, v in (params or {}).items() if v is not None and v != []}
        try:
            async with httpx.AsyncClient(timeout=timeout) as client:
                response = await client.request(method, url, json=json_body, params=query,
                                                headers=headers)
        except httpx.TimeoutException as exc:
            raise ApiError(f"The Fractafrag instance at {self.base_url} did not answer within "
                           f"{timeout:.0f} s ({type(exc).__name__}); try again later.") from exc
        except httpx.HTTPError as exc:
            raise ApiError(f"The Fractafrag instance at {self.base_url} is unreachable: "
                           f"{exc or type(exc).__name__}. Check FRACTAFRAG_URL and that the "
                           "server is running.") from exc
        log.debug("%s %s -> %s", method, path, response.status_code)
        if response.status_code >= 400:
            raise _describe(response, has_key=bool(key))
        return response

    async def get(self, path: str, params: dict[str, Any] | None = None,
                  api_key: str | None = None) -> Any:
        """GET and decode the JSON answer."""
        return _json(await self.request("GET", path, params=params, api_key=api_key))

    async def get_list(self, path: str, params: dict[str, Any] | None = None,
                       api_key: str | None = None) -> tuple[list[dict[str, Any]], int]:
        """GET a paginated list: its rows and the `X-Pagination` total."""
        response = await self.request("GET", path, params=params, api_key=api_key)
        rows = _json(response)
        if not isinstance(rows, list):
            raise ApiError(f"The server at {response.request.url} did not answer with a list; "
                           "is FRACTAFRAG_URL the address of a Fractafrag instance?")
        return rows, pagination_total(response, len(rows))

    async def send(self, method: str, path: str, body: Any,
                   api_key: str | None = None) -> Any:
        """POST/PATCH a JSON body and decode the JSON answer (None for 204)."""
        return _json(await self.request(method, path, json_body=body, api_key=api_key))


def _json(response: httpx.Response) -> Any:
    """The JSON body of a successful answer; ApiError if it is not JSON."""
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
        raise ApiError(f"The server at {response.request.url} did not answer with JSON; is "
                       "FRACTAFRAG_URL the address of a Fractafrag instance?") from exc


def pagination_total(response: httpx.Response, fallback: int) -> int:
    """The `total` of the `X-Pagination` header, or fallback."""
    try:
        return int(json.loads(response.headers.get("X-Pagination", "{}")).get("total", fallback))
    except (ValueError, TypeError, AttributeError):
        return fallback
