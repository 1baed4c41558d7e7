"""AI generation with the user's own key: a prompt becomes a shader that compiles.

`start` checks the request and queues `fractafrag.jobs.generate.generate_shader` on the
`default` queue; the job (`run`) asks the model for a Shadertoy-style Image pass, compiles its
code with the project's validator, and sends the compiler's errors (pass, line, the line's text
and the message) back for up to `FRACTAFRAG_BYOK_MAX_REPAIRS` repairs, so at most 4 model calls.
Code that compiles becomes a **draft** shader owned by the user.

A job's state is a Redis hash `generate:<id>` kept for a day:
`{id, user_id, status: queued|running|done|failed, attempts, shader_id?, errors?, message?}`.
Each step is also sent to the user's own room `user:<id>` (`generate:progress`, then
`generate:done` or `generate:failed`); `GET /generate/<id>` reads the hash.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from typing import Any

from flask import current_app

from fractafrag.extensions import db, queues, redis
from fractafrag.realtime import broadcast
from fractafrag.services import (
    NotFound,
    ServiceError,
    byok,
    desires,
    glsl,
    quota,
    shader_format,
    shaders,
)
from fractafrag.services.providers import ProviderError, complete

log = logging.getLogger(__name__)

JOB = "fractafrag.jobs.generate.generate_shader"
STATE_TTL_SECONDS = 24 * 3600
PROMPT_MAX = 2000
TITLE_MAX = 120
DESCRIPTION_MAX = 5000
TAG = "ai-generated"
NO_CODE = "The provider's reply had no GLSL code."

SYSTEM_PROMPT = f"""\
You write fragment shaders for Fractafrag, a Shadertoy-compatible site.

The contract:
- Write GLSL ES 3.00 for a single Image pass. Define exactly this entry point:
  {shader_format.MAIN_IMAGE_SIGNATURE}
  fragCoord is the pixel position; set fragColor to the pixel's colour (alpha 1.0).
- These uniforms already exist; use them, never declare them again:
  uniform vec3 iResolution;  // viewport size in pixels
  uniform float iTime;       // seconds since start
  uniform float iTimeDelta;  // seconds of the last frame
  uniform int iFrame;        // frame number
  uniform vec4 iMouse;       // xy: mouse position while pressed, zw: where the click began
  uniform vec4 iDate;        // year, month, day, seconds since midnight
- Do not write #version, precision statements, `out` variables or a main() function: the site
  adds them. Do not sample textures or iChannel0-3 (no inputs are bound).
- Names must not start with webgl_ or contain two underscores in a row (WebGL reserves them).
- Keep it fast enough for a laptop at 60 fps: bounded loops with constant limits.

Reply with a first line `Title: <a short title>`, then the complete shader in one ```glsl code
block, and nothing after the block."""

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_TITLE = re.compile(r"^[ \t>#*_]*title[ \t*_]*[:\-–][ \t]*(.+?)[ \t*_]*$",
                    re.IGNORECASE | re.MULTILINE)
_VERSION_LINE = re.compile(r"^[ \t]*#[ \t]*version\b.*$", re.MULTILINE)


def _key(job_id: str) -> str:
    return f"generate:{job_id}"


def _clean_prompt(prompt: str | None) -> str:
    return " ".join((prompt or "").split())


def start(user_id: int, prompt: str | None, provider: str | None,
          desire_id: int | None = None) -> dict[str, Any]:
    """Check the request, store the job's state and queue it; returns {id, status: queued}."""
    desire_prompt = None
    if desire_id is not None:
        try:
            desire_prompt = desires.get_desire(desire_id).prompt
        except NotFound as error:
            raise ServiceError(error.message, {"desire_id": [error.message]}) from error
    prompt = _clean_prompt(prompt) or _clean_prompt(desire_prompt)
    if not 3 <= len(prompt) <= PROMPT_MAX:
        message = f"Describe the shader in 3 to {PROMPT_MAX:,} characters."
        raise ServiceError(f"prompt: {message}", {"prompt": [message]})
    provider = _choose_provider(user_id, provider)
    byok.provider_key(user_id, provider)  # decryptable now, or 409 before anything is queued
    # Fail before spending the user's tokens when the draft could not be saved anyway.
    quota.reserve_new_shader(user_id)
    db.session.commit()
    job_id = secrets.token_urlsafe(12)
    state = {"id": job_id, "user_id": user_id, "status": "queued", "attempts": 0,
             "provider": provider, "prompt": prompt, "desire_id": desire_id or "",
             "updated": time.time()}
    _write(job_id, state)
    max_calls = 1 + current_app.config["BYOK_MAX_REPAIRS"]
    job_timeout = int(max_calls * (current_app.config["BYOK_TIMEOUT"] + 15) + 60)
    queues.enqueue("default", JOB, job_id, job_id=f"generate-{job_id}", job_timeout=job_timeout,
                   result_ttl=3600, failure_ttl=STATE_TTL_SECONDS)
    return {"id": job_id, "status": "queued"}


def _choose_provider(user_id: int, provider: str | None) -> str:
    """The provider asked for (the user must have its key), else their most recent key's."""
    keys = byok.list_keys(user_id)
    if provider is not None:
        byok.check_provider(provider)
        if all(k.provider != provider for k in keys):
            message = f"You have no {provider} key: add one in Settings first."
            raise ServiceError(message, {"provider": [message]})
        return provider
    if not keys:
        message = "Add a provider key (openai or anthropic) in Settings first."
        raise ServiceError(message, {"provider": [message]})
    return max(keys, key=lambda k: k.updated_at).provider


def _write(job_id: str, fields: dict[str, Any]) -> None:
    values = {k: json.dumps(v) if isinstance(v, list | dict) else str(v)
              for k, v in fields.items() if v is not None}
    pipe = redis.pipeline()
    pipe.hset(_key(job_id), mapping=values)
    pipe.expire(_key(job_id), STATE_TTL_SECONDS)
    pipe.execute()


def _read(job_id: str) -> dict[str, str] | None:
    raw = redis.hgetall(_key(job_id))
    if not raw:
        return None
    return {k.decode(): v.decode() for k, v in raw.items()}


def status(job_id: str, user_id: int) -> dict[str, Any]:
    """The job as its owner sees it; NotFound for anyone else or an unknown (expired) id."""
    state = _read(job_id) if len(job_id) <= 64 else None
    if state is None or state.get("user_id") != str(user_id):
        raise NotFound(f"No generation job {job_id[:64]!r}.")
    answer: dict[str, Any] = {"id": job_id, "status": state["status"],
                              "attempts": int(state.get("attempts") or 0),
                              "provider": state.get("provider")}
    if state.get("shader_id"):
        answer["shader_id"] = int(state["shader_id"])
    if state.get("desire_id"):
        answer["desire_id"] = int(state["desire_id"])
    errors = json.loads(state["errors"]) if state.get("errors") else []
    if errors:
        answer["errors"] = errors
    if state.get("message"):
        answer["message"] = state["message"]
    if answer["status"] in ("queued", "running") and _stalled(state):
        answer["status"] = "failed"
        answer["message"] = "The generation job stopped unexpectedly; try again."
    return answer


def _stalled(state: dict[str, str]) -> bool:
    """A job whose worker died: no step recorded for longer than one job may run."""
    max_calls = 1 + current_app.config["BYOK_MAX_REPAIRS"]
    allowed: float = max_calls * (current_app.config["BYOK_TIMEOUT"] + 15) + 120
    if state["status"] == "queued":
        allowed = STATE_TTL_SECONDS / 2  # waiting for a busy worker is fine
    return time.time() - float(state.get("updated") or 0) > allowed


def extract_code(reply: str) -> str | None:
    """The GLSL in a reply: its code fence with mainImage (else the first), or the whole reply."""
    blocks = [(m.group(1).lower(), m.group(2)) for m in _FENCE.finditer(reply)]
    code = None
    if blocks:
        with_main = [body for _lang, body in blocks if "mainImage" in body]
        code = with_main[0] if with_main else blocks[0][1]
    elif "mainImage" in reply:
        code = reply
    if code is None or not code.strip():
        return None
    # The site writes #version itself; keep the line count so error lines still match.
    code = _VERSION_LINE.sub("// (#version is set by Fractafrag)", code)
    return code.strip("\n") + "\n"


def extract_title(reply: str, prompt: str) -> str:
    """The `Title:` line of a reply (outside code), else the prompt, shortened to fit."""
    outside = _FENCE.sub("", reply)
    match = _TITLE.search(outside)
    title = match.group(1).strip().strip("\"'“”`*") if match else ""
    title = " ".join(title.split()) or prompt
    if len(title) > TITLE_MAX:
        title = title[:TITLE_MAX - 1].rstrip() + "…"
    return title


def _where(error: dict[str, Any]) -> str:
    return f"{error['pass']} line {error['line']}" if error.get("line") else error["pass"]


def repair_prompt(code: str, errors: list[dict[str, Any]]) -> str:
    """The message that sends the compiler's errors back to the model."""
    lines = code.splitlines()
    listed = []
    for error in errors[:20]:
        text = ""
        if error.get("pass") == "Image" and 0 < (error.get("line") or 0) <= len(lines):
            text = f" `{lines[error['line'] - 1].strip()[:160]}`"
        listed.append(f"- {_where(error)}{text}: {error['message']}")
    more = f"\n(and {len(errors) - 20} more)" if len(errors) > 20 else ""
    return ("Your shader does not compile. The compiler (glslang, GLSL ES 3.00) says, with "
            "line numbers counted from the first line of your code block:\n"
            + "\n".join(listed) + more
            + "\n\nFix every error and reply with the complete corrected shader in one ```glsl "
            "code block (keep the `Title:` line).")


def _user_prompt(prompt: str, desire_id: int | None) -> str:
    for_desire = f" (someone asked for it on the desire board, #{desire_id})" if desire_id else ""
    return f"Write a shader{for_desire}: {prompt}"


def _description(prompt: str, desire_id: int | None, key: byok.ProviderKey, attempts: int
                 ) -> str:
    repairs = attempts - 1
    how = (f"Generated with AI ({key.provider}, {key.model}) and compiled on the first try."
           if repairs == 0 else
           f"Generated with AI ({key.provider}, {key.model}); the compiler's errors were sent "
           f"back {repairs} time{'s' if repairs != 1 else ''} until it compiled.")
    head = f"Generated for desire #{desire_id}: {prompt}" if desire_id else f"Prompt: {prompt}"
    return f"{head}\n\n{how}"[:DESCRIPTION_MAX]


class _Failed(Exception):
    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


def run(job_id: str) -> str:
    """Run one generation job to done or failed; returns the final status."""
    state = _read(job_id)
    if state is None:
        return "gone"
    if state["status"] in ("done", "failed"):
        return state["status"]
    user_id = int(state["user_id"])
    desire_id = int(state["desire_id"]) if state.get("desire_id") else None
    progress = _Progress(job_id, user_id)
    try:
        shader_id = _generate(progress, user_id, state["provider"], state["prompt"], desire_id)
    except _Failed as failure:
        progress.finish("failed", message=failure.message, errors=failure.errors)
        return "failed"
    except Exception:
        log.exception("generation job %s failed unexpectedly", job_id)
        db.session.rollback()
        progress.finish("failed", message="Something went wrong on our side while generating; "
                        "it has been logged.")
        return "failed"
    progress.finish("done", shader_id=shader_id)
    return "done"


class _Progress:
    """Writes each step to the job's hash and the user's room."""

    def __init__(self, job_id: str, user_id: int) -> None:
        self.job_id = job_id
        self.user_id = user_id
        self.attempt = 0

    def step(self, attempt: int, errors: list[dict[str, Any]] | None = None) -> None:
        self.attempt = attempt
        _write(self.job_id, {"status": "running", "attempts": attempt, "errors": errors or [],
                             "updated": time.time()})
        broadcast.generate_status(self.user_id, self.job_id, "running", attempt, errors=errors)

    def finish(self, status: str, shader_id: int | None = None, message: str | None = None,
               errors: list[dict[str, Any]] | None = None) -> None:
        _write(self.job_id, {"status": status, "attempts": self.attempt, "shader_id": shader_id,
                             "message": message, "errors": errors or [],
                             "updated": time.time()})
        broadcast.generate_status(self.user_id, self.job_id, status, self.attempt,
                                  errors=errors, shader_id=shader_id, message=message)


def _generate(progress: _Progress, user_id: int, provider: str, prompt: str,
              desire_id: int | None) -> int:
    """The compile-and-repair loop; returns the new draft's id or raises _Failed."""
    config = current_app.config
    try:
        key = byok.provider_key(user_id, provider)
    except NotFound as error:
        raise _Failed(f"Your {provider} key was removed before the job ran; add it again.") \
            from error
    except ServiceError as error:
        raise _Failed(error.message) from error
    db.session.commit()  # hold no database connection while the model thinks
    messages: list[dict[str, str]] = [{"role": "user", "content": _user_prompt(prompt, desire_id)}]
    max_calls = 1 + config["BYOK_MAX_REPAIRS"]
    errors: list[dict[str, Any]] = []
    for attempt in range(1, max_calls + 1):
        progress.step(attempt, errors)
        try:
            reply = complete(key, SYSTEM_PROMPT, messages, timeout=config["BYOK_TIMEOUT"],
                             allow_local=config["BYOK_ALLOW_LOCAL"],
                             max_tokens=config["BYOK_MAX_TOKENS"])
        except ProviderError as error:
            raise _Failed(error.message, errors or None) from error
        code = extract_code(reply)
        if code is None:
            raise _Failed(NO_CODE, errors or None)
        version: dict[str, Any] = {
            "common": "", "passes": [{"name": "Image", "code": code, "inputs": []}]}
        errors = [e.as_dict() for e in glsl.validate_version(version["common"],
                                                              version["passes"])]
        if not errors:
            meta = {"title": extract_title(reply, prompt), "visibility": "draft",
                    "description": _description(prompt, desire_id, key, attempt),
                    "tags": [TAG],
                    "message": f"Generated with AI ({key.provider}, attempt {attempt})"}
            try:
                return shaders.create_shader(user_id, meta, version).id
            except ServiceError as error:  # the monthly quota, most likely (429)
                db.session.rollback()
                raise _Failed(error.message) from error
        messages.append({"role": "assistant", "content": reply})
        messages.append({"role": "user", "content": repair_prompt(code, errors)})
    repairs = max_calls - 1
    first = errors[0]
    raise _Failed(f"The code still did not compile after {repairs} repair"
                  f"{'s' if repairs != 1 else ''}: {_where(first)}: {first['message']}", errors)
