"""Calls to AI providers with a user's own key: two wire formats, one function.

- `openai`: OpenAI-compatible Chat Completions, `POST {base_url}/chat/completions` with
  `Authorization: Bearer <key>` and `{model, messages}`; the answer is
  `choices[0].message.content`. With a `base_url` this speaks to Ollama, llama.cpp or vLLM too.
- `anthropic`: the Messages API, `POST {base_url}/v1/messages` with `x-api-key`,
  `anthropic-version: 2023-06-01` and `{model, max_tokens, system, messages}`; the answer is the
  text of `content`.

Requests go through `http.client` to an address checked by `byok.resolve` just before (the
connection is made to that very address, so a DNS answer that changes in between cannot send
the request elsewhere), redirects are never followed, the whole call has one deadline
(`FRACTAFRAG_BYOK_TIMEOUT`) and replies are capped at 4 MB. Every failure becomes a
`ProviderError` whose message a person understands; the key never appears in one.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from fractafrag.services import ServiceError
from fractafrag.services.byok import ProviderKey, resolve, split_base_url

ANTHROPIC_VERSION = "2023-06-01"
MAX_REPLY_BYTES = 4 * 1024 * 1024
USER_AGENT = "Fractafrag (bring-your-own-key generation)"


class ProviderError(Exception):
    """A provider call failed; `message` says why in words a person understands."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to a host by name, connected to an address that was already checked."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        """Connect to the checked address, not to whatever the name resolves to now."""
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address; the certificate is verified for the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        """Connect to the checked address, then TLS with SNI and verification for the host."""
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def _remaining(deadline: float, timeout: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return min(left, timeout)


def post_json(url: str, headers: dict[str, str], body: dict[str, Any], timeout: float,
              allow_local: bool) -> tuple[int, bytes]:
    """POST body as JSON to url; (status, raw reply). Raises ProviderError for network faults."""
    try:
        scheme, host, port = split_base_url(url)
        addresses = resolve(host, port, allow_local)
    except ServiceError as error:
        raise ProviderError(f"Not sent: {error.message}") from error
    parts = urlsplit(url)
    path = parts.path or "/"
    payload = json.dumps(body).encode("utf-8")
    deadline = time.monotonic() + timeout
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    last_error: OSError | None = None
    try:
        for address in addresses:
            connection = connection_class(host, port, address, _remaining(deadline, timeout))
            try:
                connection.connect()
            except TimeoutError:
                raise
            except OSError as error:
                connection.close()
                last_error = error
                continue
            sock = connection.sock  # the response may take it over from the connection
            try:
                sock.settimeout(_remaining(deadline, timeout))
                connection.request("POST", path, body=payload, headers={
                    **headers, "Content-Type": "application/json",
                    "Accept": "application/json", "User-Agent": USER_AGENT})
                response = connection.getresponse()
                chunks, size = [], 0
                while True:
                    sock.settimeout(_remaining(deadline, timeout))
                    chunk = response.read1(65536)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > MAX_REPLY_BYTES:
                        raise ProviderError("The provider's reply was larger than 4 MB.")
                    chunks.append(chunk)
                return response.status, b"".join(chunks)
            finally:
                connection.close()
    except TimeoutError as error:
        raise ProviderError(f"The provider did not answer within {timeout:g} s.") from error
    except ssl.SSLError as error:
        raise ProviderError(f"Could not make a secure connection to {host}: "
                            f"{error.reason or error}.") from error
    except (http.client.HTTPException, ConnectionError) as error:
        raise ProviderError(f"The provider at {host} closed the connection without a valid "
                            "answer.") from error
    except OSError as error:
        raise ProviderError(f"Could not reach the provider at {host}: "
                            f"{error.strerror or error}.") from error
    reason = last_error.strerror if last_error is not None else None
    raise ProviderError(f"Could not connect to the provider at {host}:{port}"
                        f"{': ' + reason if reason else ''}.")


def _detail(raw: bytes, api_key: str) -> str:
    """The provider's own error message (OpenAI or Anthropic shape), short, without the key."""
    text = raw.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            text = error["message"]
        elif isinstance(error, str):
            text = error
        elif isinstance(data.get("message"), str):
            text = data["message"]
    text = " ".join(text.split())
    if api_key:
        text = text.replace(api_key, "••••")
    return text[:300] + ("…" if len(text) > 300 else "") if text else "no details"


def _check_status(key: ProviderKey, status: int, raw: bytes) -> None:
    """Raise the person-readable ProviderError for a non-2xx answer."""
    if 200 <= status < 300:
        return
    if status in (401, 403):
        raise ProviderError(f"Your {key.provider} key was rejected by the provider ({status}).",
                            status)
    if 300 <= status < 400:
        raise ProviderError(f"The provider answered with a redirect ({status}), which is not "
                            "followed: check the base URL.", status)
    detail = _detail(raw, key.api_key)
    if status == 404:
        raise ProviderError(f"The provider answered 404 ({detail}): check the model "
                            f"({key.model}) and the base URL.", status)
    if status == 429:
        raise ProviderError(f"The provider is limiting this key (429): {detail}", status)
    raise ProviderError(f"The provider answered {status}: {detail}", status)


def _parse(raw: bytes, what: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ProviderError(f"The provider's reply was malformed: not JSON (expected {what})."
                            ) from error


def _openai(key: ProviderKey, system: str, messages: list[dict[str, str]], timeout: float,
            allow_local: bool) -> str:
    status, raw = post_json(
        f"{key.base_url.rstrip('/')}/chat/completions",
        {"Authorization": f"Bearer {key.api_key}"},
        {"model": key.model, "messages": [{"role": "system", "content": system}, *messages]},
        timeout, allow_local)
    _check_status(key, status, raw)
    data = _parse(raw, "a chat completion")
    try:
        message = data["choices"][0]["message"]
        content = message.get("content")
    except (KeyError, IndexError, TypeError, AttributeError) as error:
        raise ProviderError("The provider's reply was malformed: it has no "
                            "choices[0].message (expected a chat completion).") from error
    if not isinstance(content, str) or not content.strip():
        refusal = message.get("refusal") if isinstance(message, dict) else None
        if isinstance(refusal, str) and refusal.strip():
            raise ProviderError(f"The model refused: {refusal.strip()[:300]}")
        raise ProviderError("The provider's reply was malformed: the message has no text.")
    return content


def _anthropic(key: ProviderKey, system: str, messages: list[dict[str, str]], timeout: float,
               allow_local: bool, max_tokens: int) -> str:
    status, raw = post_json(
        f"{key.base_url.rstrip('/')}/v1/messages",
        {"x-api-key": key.api_key, "anthropic-version": ANTHROPIC_VERSION},
        {"model": key.model, "max_tokens": max_tokens, "system": system, "messages": messages},
        timeout, allow_local)
    _check_status(key, status, raw)
    data = _parse(raw, "a message")
    content = data.get("content") if isinstance(data, dict) else None
    if not isinstance(content, list):
        raise ProviderError("The provider's reply was malformed: it has no content "
                            "(expected a message).")
    text = "".join(block.get("text", "") for block in content
                   if isinstance(block, dict) and block.get("type") == "text"
                   and isinstance(block.get("text"), str))
    if not text.strip():
        raise ProviderError("The provider's reply was malformed: the message has no text.")
    return text


def complete(key: ProviderKey, system: str, messages: list[dict[str, str]], *, timeout: float,
             allow_local: bool, max_tokens: int = 4096) -> str:
    """The model's text answer to a conversation of {role: user|assistant, content} turns."""
    if key.provider == "openai":
        return _openai(key, system, messages, timeout, allow_local)
    if key.provider == "anthropic":
        return _anthropic(key, system, messages, timeout, allow_local, max_tokens)
    raise ProviderError(f"Unknown provider {key.provider!r}.")
