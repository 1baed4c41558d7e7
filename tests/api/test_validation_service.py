"""The validator behind the API: the invalid corpus through /validate, and gevent friendliness."""

import subprocess
import sys
from pathlib import Path

import pytest

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

code = "void mainImage(out vec4 c, in vec2 f) { c = vec4(f, 0.0, 1.0); }"
glsl.validate_version("", [{"name": "Image", "code": code, "inputs": []}])  # warm up
background = gevent.spawn(ticker)
gevent.sleep(0)
before = len(ticks)
errors = glsl.validate_version("", [{"name": "Image", "code": code, "inputs": []}])
during = len(ticks) - before
background.kill()
assert errors == [], errors
print(during)
"""


def test_validation_lets_other_greenlets_run():
    """Compiling happens in a subprocess the gevent hub waits on, so other requests proceed."""
    result = subprocess.run(
        [sys.executable, "-c", GEVENT_PROBE], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 3, "the ticker greenlet ran while glslang worked"
