"""Loopback fake AI providers that speak the real wire formats and record every request.

`FakeProvider("openai", key)` answers `POST /v1/chat/completions` with an OpenAI
`chat.completion` object; `FakeProvider("anthropic", key)` answers `POST /v1/messages` with an
Anthropic `message` object. Both check the auth headers as the real APIs do (401 with the real
error shapes otherwise). Replies are queued with `reply(text)`, `status(code, body)`,
`slow(seconds, text)` or `raw(body)`; when the queue is empty the last one repeats.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GOOD_GLSL = """\
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 uv = fragCoord / iResolution.xy;
    vec3 color = 0.5 + 0.5 * cos(iTime + uv.xyx + vec3(0.0, 2.0, 4.0));
    fragColor = vec4(color, 1.0);
}
"""

# Line 3 uses a name that does not exist: glslang reports "'wobble' : undeclared identifier".
BROKEN_GLSL = """\
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 uv = fragCoord / iResolution.xy;
    vec3 color = 0.5 + 0.5 * cos(iTime + uv.xyx + wobble);
    fragColor = vec4(color, 1.0);
}
"""

OPENAI_KEY = "sk-test-openai-0123456789abcdefWXYZ"
ANTHROPIC_KEY = "sk-ant-test-0123456789abcdefQRST"


def shader_reply(title: str, code: str) -> str:
    """A reply shaped as the system prompt asks: a title line and one glsl block."""
    return f"Title: {title}\n\n```glsl\n{code}```\n"


@dataclass
class Step:
    """One queued answer: status, JSON body (or raw bytes), delay before answering."""

    status: int = 200
    body: Any = None
    raw: bytes | None = None
    delay: float = 0.0


@dataclass
class Recorded:
    """One request the fake received."""

    path: str
    headers: dict[str, str]
    body: Any = field(default=None)


class FakeProvider:
    """A ThreadingHTTPServer on 127.0.0.1 pretending to be OpenAI or Anthropic."""

    def __init__(self, kind: str, api_key: str) -> None:
        assert kind in ("openai", "anthropic")
        self.kind = kind
        self.api_key = api_key
        self.steps: list[Step] = []
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                fake._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        """What a user would save as base_url for this fake."""
        root = f"http://127.0.0.1:{self.port}"
        return root + "/v1" if self.kind == "openai" else root

    # ---- queueing answers ----

    def reply(self, text: str, delay: float = 0.0) -> FakeProvider:
        """Answer with a real-shaped completion carrying text."""
        self.steps.append(Step(200, self._completion(text), delay=delay))
        return self

    def status(self, code: int, body: Any) -> FakeProvider:
        """Answer with an HTTP error status and a JSON body."""
        self.steps.append(Step(code, body))
        return self

    def raw(self, body: Any, code: int = 200) -> FakeProvider:
        """Answer with any JSON body (a malformed completion, say)."""
        self.steps.append(Step(code, body))
        return self

    # ---- the wire formats ----

    def _completion(self, text: str) -> dict[str, Any]:
        if self.kind == "openai":
            return {
                "id": "chatcmpl-fake123", "object": "chat.completion",
                "created": int(time.time()), "model": "gpt-4o-mini-2024-07-18",
                "choices": [{"index": 0,
                             "message": {"role": "assistant", "content": text, "refusal": None},
                             "logprobs": None, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 120, "completion_tokens": 200, "total_tokens": 320},
                "system_fingerprint": "fp_fake",
            }
        return {
            "id": "msg_01Fake", "type": "message", "role": "assistant",
            "model": "claude-3-5-sonnet-20241022",
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": 120, "output_tokens": 200},
        }

    def _unauthorized(self) -> tuple[int, dict[str, Any]]:
        if self.kind == "openai":
            return 401, {"error": {"message": "Incorrect API key provided.",
                                   "type": "invalid_request_error", "param": None,
                                   "code": "invalid_api_key"}}
        return 401, {"type": "error", "error": {"type": "authentication_error",
                                                "message": "invalid x-api-key"}}

    def _authorized(self, headers: dict[str, str]) -> bool:
        if self.kind == "openai":
            return headers.get("authorization") == f"Bearer {self.api_key}"
        return (headers.get("x-api-key") == self.api_key
                and headers.get("anthropic-version") == "2023-06-01")

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        data = handler.rfile.read(length)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        try:
            body = json.loads(data)
        except ValueError:
            body = None
        with self.lock:
            self.requests.append(Recorded(handler.path, headers, body))
            step = self.steps.pop(0) if len(self.steps) > 1 else (
                self.steps[0] if self.steps else Step(500, {"error": {"message": "no reply"}}))
        expected = "/v1/chat/completions" if self.kind == "openai" else "/v1/messages"
        if handler.path != expected:
            status, payload = 404, {"error": {"message": f"unknown path {handler.path}"}}
        elif not self._authorized(headers):
            status, payload = self._unauthorized()
        else:
            if step.delay:
                time.sleep(step.delay)
            status, payload = step.status, step.body
        out = step.raw if step.raw is not None else json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(out)))
            handler.end_headers()
            handler.wfile.write(out)
        except OSError:
            pass  # the client gave up (a timeout test)

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
