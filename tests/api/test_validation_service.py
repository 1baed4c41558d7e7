"""The validator behind the API: the invalid corpus through /validate, gevent friendliness, and
the bounds on its cost: rate limits, one compile budget, site-wide compile slots, macro bombs."""

import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fractafrag.services import glsl
from fractafrag.services.compile_gate import CompilerBusy, compile_slot
from tests.api.shader_helpers import GRADIENT, publish
from tests.helpers import bearer

CORPUS = Path(__file__).resolve().parent.parent / "glsl_corpus"


def expected_line(source: str) -> int:
    if "expect-error-without-line" in source:
        return 0
    for number, line in enumerate(source.splitlines(), start=1):
        if "// expect-error" in line:
            return number
    raise AssertionError("corpus file without an expect-error marker")


@pytest.mark.parametrize("path", sorted((CORPUS / "invalid").glob("*.glsl")), ids=lambda p: p.stem)
def test_invalid_corpus_errors_point_at_the_marked_line(client, path):
    source = path.read_text()
    result = client.post("/api/v1/validate", json={"code": source}).json
    assert result["ok"] is False
    lines = {e["line"] for e in result["errors"] if e["pass"] == "Image"}
    assert expected_line(source) in lines, result["errors"]


@pytest.mark.parametrize("path", sorted((CORPUS / "valid").glob("*.glsl")), ids=lambda p: p.stem)
def test_valid_corpus_compiles(client, path):
    result = client.post("/api/v1/validate", json={"code": path.read_text()}).json
    assert result == {"ok": True, "errors": []}


GEVENT_PROBE = """
from gevent import monkey
monkey.patch_all()
import gevent
from fractafrag.services import glsl

ticks = []
def ticker():
    while True:
        ticks.append(1)
        gevent.sleep(0.005)

# Long enough (~0.1 s of glslang) that a blocked hub would show: the ticker would not tick.
body = "".join(f"    c += sin(vec4(f, {i}.0, 1.0));\\n" for i in range(3000))
code = "void mainImage(out vec4 c, in vec2 f) {\\n    c = vec4(0.0);\\n" + body + "}\\n"
glsl.validate_version("", [{"name": "Image", "code": code, "inputs": []}])  # warm up
background = gevent.spawn(ticker)
gevent.sleep(0)
before = len(ticks)
errors = glsl.validate_version("", [{"name": "Image", "code": code, "inputs": []}])
during = len(ticks) - before
background.kill()
assert errors == [], errors
# What makes the wait above cooperative: the compile server's pipe is waited on with select.
assert monkey.is_module_patched("select") and monkey.is_module_patched("subprocess")
print(during)
"""


def test_validation_lets_other_greenlets_run():
    """Compiling happens in a compile server the gevent hub waits on, so other requests
    proceed."""
    result = subprocess.run(
        [sys.executable, "-c", GEVENT_PROBE], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 3, "the ticker greenlet ran while glslang worked"


BOMB_COMMON = "#define A0 1\n" + "".join(
    f"#define A{i} (A{i - 1} + A{i - 1})\n" for i in range(1, 40)) + "#if A39 > 0\n#endif\n"
FIVE_PASSES = [{"name": name, "code": GRADIENT, "inputs": []}
               for name in ("Image", "Buffer A", "Buffer B", "Buffer C", "Buffer D")]


def slot_folder(app) -> Path:
    return Path(app.config["DATA_DIR"]) / "compile-slots"


def test_a_macro_bomb_is_a_422_naming_common_its_line_and_the_limit(client):
    answer = client.post("/api/v1/validate", json={"common": BOMB_COMMON, "passes": FIVE_PASSES})
    assert answer.status_code == 422
    assert answer.json["errors"] == [{"pass": "Common", "line": 41, "message": (
        "This #if expands to more than 65,536 tokens (a macro bomb?); the limit is 65,536 "
        "tokens per expression.")}]
    assert answer.json["message"].startswith("Not compiled: Common line 41:")


def test_publishing_a_macro_bomb_is_refused_the_same_way(client, make_user):
    user = make_user()
    answer = client.post("/api/v1/shaders", headers=bearer(user["access_token"]), json={
        "title": "bomb", "common": BOMB_COMMON, "passes": FIVE_PASSES})
    assert answer.status_code == 422
    assert answer.json["errors"][0]["pass"] == "Common" and answer.json["errors"][0]["line"] == 41


def test_the_compile_budget_spent_is_a_422_naming_the_pass(make_app, tmp_path, monkeypatch):
    fake = tmp_path / "slow-glslang"
    fake.write_text("#!/bin/sh\ncat >/dev/null\nsleep 0.4\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv(glsl.GLSLANG_ENV, str(fake))
    client = make_app(COMPILE_BUDGET_SECONDS=1.0).test_client()
    answer = client.post("/api/v1/validate", json={"passes": FIVE_PASSES})
    assert answer.status_code == 422
    [error] = answer.json["errors"]
    assert error["pass"] in {"Buffer A", "Buffer B", "Buffer C", "Buffer D"}
    assert "within the 1 s compile budget" in error["message"]


def test_with_every_compile_slot_taken_the_answer_is_a_503_with_retry_after(make_app, make_user):
    app = make_app(COMPILE_CONCURRENCY=1, COMPILE_WAIT_SECONDS=0.2, COMPILE_BUDGET_SECONDS=4,
                   COMPILE_WAIT_PUBLISH_SECONDS=0.6)
    client = app.test_client()
    user = make_user()
    with compile_slot(slot_folder(app), 1, 0, 1):
        began = time.monotonic()
        busy = client.post("/api/v1/validate", json={"code": GRADIENT})
        checked = time.monotonic()
        publishing = publish(client, user)
        published = time.monotonic()
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "4"
    assert "compiler is busy" in busy.json["message"]
    assert publishing.status_code == 503  # publishing shares the slots
    assert "for 0.6 s" in publishing.json["message"], "a publish waits its own, longer, time"
    assert checked - began < 0.6 <= published - checked
    assert client.post("/api/v1/validate", json={"code": GRADIENT}).json == {
        "ok": True, "errors": []}


def test_a_slot_held_by_a_dead_process_is_free_again(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(tmp_path / 'slot-0.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(60)\n")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(CompilerBusy) as busy, compile_slot(tmp_path, 1, 0.1, 3):
            pass
        assert busy.value.status == 503 and busy.value.headers == {"Retry-After": "3"}
    finally:
        holder.kill()
        holder.wait(10)
    with compile_slot(tmp_path, 1, 0.1, 3) as number:
        assert number == 0


def test_slots_are_shared_and_bounded(tmp_path):
    with compile_slot(tmp_path, 2, 0, 1) as first, compile_slot(tmp_path, 2, 0, 1) as second:
        assert {first, second} == {0, 1}
        with pytest.raises(CompilerBusy), compile_slot(tmp_path, 2, 0.05, 1):
            pass


def test_anonymous_validation_is_limited_per_address_and_accounts_have_their_own(make_app,
                                                                                make_user):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_VALIDATE_IP="2/1min",
                   RATELIMIT_VALIDATE_USER="3/1min")
    client = app.test_client()
    anonymous = [client.post("/api/v1/validate", json={"code": GRADIENT}) for _ in range(3)]
    assert [a.status_code for a in anonymous] == [200, 200, 429]
    assert int(anonymous[2].headers["Retry-After"]) >= 1
    assert "validations from this address" in anonymous[2].json["message"]
    other = client.post("/api/v1/validate", json={"code": GRADIENT},
                        environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200
    token = bearer(make_user()["access_token"])
    signed_in = [client.post("/api/v1/validate", json={"code": GRADIENT}, headers=token)
                 for _ in range(4)]
    assert [a.status_code for a in signed_in] == [200, 200, 200, 429]


def test_the_openapi_documents_the_refusals(client):
    spec = client.get("/api/openapi.json").json
    validate = spec["paths"]["/api/v1/validate"]["post"]["responses"]
    assert {"200", "422", "429", "503"} <= set(validate)
    assert "macro bomb" in validate["422"]["description"]
    assert "503" in spec["paths"]["/api/v1/shaders"]["post"]["responses"]
