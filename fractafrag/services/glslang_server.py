"""glslang kept running: a compile server process that loads libglslang once.

glslangValidator costs ~40 ms of CPU per run, nearly all of it starting up (linking the
library, building glslang's built-in symbol tables for GLSL ES 3.00); compiling an ordinary
pass takes ~1 ms. So each web process keeps a few of these servers and sends them the same
fragment sources it used to pipe into glslangValidator. A server answers exactly what the
binary would have printed (stdout, stderr and an exit status), through glslang's C interface,
so the parsing in glsl.py is the same for both.

A server is a separate process so that what the binary's process boundary gave stays: a
compile past its time budget is ended by killing the server; a crash (glslang documents that
cascading-error recovery may crash) or a memory blow-up (the server runs under the same address
space limit prlimit gave the binary) ends only that server, and the caller sees the negative
exit status a crashed binary gave. A server niced for a long compile is retired afterwards.

This file runs as a script (`python glslang_server.py <libglslang dir> <memory bytes>`) and
imports nothing from Fractafrag: the server starts in ~0.1 s. The client side, `CompilerPool`,
lives here too so the wire format is written down once.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import select
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

FRAME = struct.Struct(">I")
MAX_IDLE = 2             # idle servers a process keeps
RETIRE_AFTER = 2000      # compiles one server serves before a fresh one replaces it
START_SECONDS = 10.0     # how long a new server may take to say it is ready

# glslang's C enums (glslang_c_shader_types.h), and glslangValidator's defaults for
# `--stdin -S frag` without a target: GLSL source, fragment stage, no client or target,
# default version 100 with no profile (every source here starts with #version 300 es).
_SOURCE_GLSL, _STAGE_FRAGMENT, _NO_PROFILE = 1, 4, 1 << 0
_MSG_CASCADING_ERRORS = 1 << 7
BAD_TOKEN = "<bad token>"  # what the preprocessor writes for a character GLSL does not have
_FAILED, _LINK_FAILED = 2, 3  # glslangValidator's exit statuses for a failed compile, link


class _Callbacks(ctypes.Structure):
    _fields_ = [("include_system", ctypes.c_void_p), ("include_local", ctypes.c_void_p),
                ("free_include_result", ctypes.c_void_p)]


class _Input(ctypes.Structure):
    _fields_ = [("language", ctypes.c_int), ("stage", ctypes.c_int), ("client", ctypes.c_int),
                ("client_version", ctypes.c_int), ("target_language", ctypes.c_int),
                ("target_language_version", ctypes.c_int), ("code", ctypes.c_char_p),
                ("default_version", ctypes.c_int), ("default_profile", ctypes.c_int),
                ("force_default_version_and_profile", ctypes.c_int),
                ("forward_compatible", ctypes.c_int), ("messages", ctypes.c_int),
                ("resource", ctypes.c_void_p), ("callbacks", _Callbacks),
                ("callbacks_ctx", ctypes.c_void_p)]


def library_dir(binary: Path) -> Path | None:
    """The lib/ directory holding libglslang next to a glslangValidator binary (the cmeel
    wheel's layout), or None when there is none (a system binary)."""
    lib = binary.resolve().parent.parent / "lib"
    if (lib / "libglslang.so").is_file() and (
            lib / "libglslang-default-resource-limits.so").is_file():
        return lib
    return None


class _Glslang:
    """libglslang through its C interface, set up once per server."""

    def __init__(self, lib: Path) -> None:
        gl = ctypes.CDLL(str(lib / "libglslang.so"), mode=ctypes.RTLD_GLOBAL)
        limits = ctypes.CDLL(str(lib / "libglslang-default-resource-limits.so"))
        pointer = ctypes.c_void_p
        limits.glslang_default_resource.restype = pointer
        for name, result, args in (
                ("glslang_shader_create", pointer, [pointer]),
                ("glslang_shader_delete", None, [pointer]),
                ("glslang_shader_preprocess", ctypes.c_int, [pointer, pointer]),
                ("glslang_shader_parse", ctypes.c_int, [pointer, pointer]),
                ("glslang_shader_get_preprocessed_code", ctypes.c_char_p, [pointer]),
                ("glslang_shader_get_info_log", ctypes.c_char_p, [pointer]),
                ("glslang_shader_get_info_debug_log", ctypes.c_char_p, [pointer]),
                ("glslang_program_create", pointer, []),
                ("glslang_program_delete", None, [pointer]),
                ("glslang_program_add_shader", None, [pointer, pointer]),
                ("glslang_program_link", ctypes.c_int, [pointer, ctypes.c_int]),
                ("glslang_program_get_info_log", ctypes.c_char_p, [pointer]),
                ("glslang_program_get_info_debug_log", ctypes.c_char_p, [pointer])):
            function = getattr(gl, name)
            function.restype, function.argtypes = result, args
        gl.glslang_initialize_process()
        self.gl = gl
        self.resource = limits.glslang_default_resource()

    def run(self, source: bytes, cascade: bool, preprocess: bool) -> dict[str, Any]:
        """What `glslangValidator [-C] -l | -E --stdin -S frag` prints for source."""
        gl = self.gl
        messages = _MSG_CASCADING_ERRORS if cascade else 0
        given = _Input(_SOURCE_GLSL, _STAGE_FRAGMENT, 0, 0, 0, 0, source, 100, _NO_PROFILE,
                       0, 0, messages, self.resource, _Callbacks(), None)
        shader = gl.glslang_shader_create(ctypes.byref(given))
        try:
            # The C interface parses what its preprocess step produced, as the binary does.
            ok = bool(gl.glslang_shader_preprocess(shader, ctypes.byref(given)))
            logs = [_text(gl.glslang_shader_get_info_log(shader)),
                    _text(gl.glslang_shader_get_info_debug_log(shader))]
            code = _text(gl.glslang_shader_get_preprocessed_code(shader)) if ok else ""
            if BAD_TOKEN in code:
                # The binary names the character; its preprocessed text has only this mark.
                return {"status": _FAILED, "stdout": "", "stderr": "", "ask_binary": True}
            if preprocess:
                return {"status": 0 if ok else _FAILED, "stdout": _puts(code),
                        "stderr": "".join(_puts(log) for log in logs)}
            if not ok or "ERROR: " in logs[0]:
                # The binary's integrated preprocessor reports these first too; parsing the
                # C interface's preprocessed text after them would misname the token.
                return {"status": _FAILED,
                        "stdout": "".join(_puts(text) for text in ["stdin", *logs]),
                        "stderr": ""}
            ok = bool(gl.glslang_shader_parse(shader, ctypes.byref(given)))
            logs = [_text(gl.glslang_shader_get_info_log(shader)),
                    _text(gl.glslang_shader_get_info_debug_log(shader))]
            program = gl.glslang_program_create()
            try:
                gl.glslang_program_add_shader(program, shader)
                linked = bool(gl.glslang_program_link(program, messages))
                logs += [_text(gl.glslang_program_get_info_log(program)),
                         _text(gl.glslang_program_get_info_debug_log(program))]
            finally:
                gl.glslang_program_delete(program)
        finally:
            gl.glslang_shader_delete(shader)
        return {"status": 0 if ok and linked else _FAILED if not ok else _LINK_FAILED,
                "stdout": "".join(_puts(text) for text in ["stdin", *logs]), "stderr": ""}


def _text(value: bytes | None) -> str:
    return value.decode("utf-8", errors="replace") if value else ""


def _puts(text: str) -> str:
    """glslangValidator prints each non-empty log with puts (a newline after it)."""
    return text + "\n" if text else ""


def _read_frame(stream: Any) -> dict[str, Any] | None:
    header = stream.read(FRAME.size)
    if len(header) < FRAME.size:
        return None
    body = stream.read(FRAME.unpack(header)[0])
    request: dict[str, Any] = json.loads(body)
    return request


def _write_frame(stream: Any, message: dict[str, Any]) -> None:
    body = json.dumps(message).encode("utf-8")
    stream.write(FRAME.pack(len(body)) + body)
    stream.flush()


def serve(lib: Path, memory_bytes: int) -> None:
    """The server: answer {source, cascade, preprocess} frames on stdin until it closes."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # Frames go out on a private copy of stdout; anything a library prints goes to stderr.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    glslang = _Glslang(lib)
    _write_frame(replies, {"ready": True})
    while True:
        request = _read_frame(requests)
        if request is None:
            return
        _write_frame(replies, glslang.run(request["source"].encode("utf-8"),
                                          bool(request["cascade"]), bool(request["preprocess"])))


class _Server:
    """One running server, used by one caller at a time."""

    def __init__(self, lib: Path, memory_bytes: int, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(Path(__file__).resolve()), str(lib),
             str(memory_bytes)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.owner = os.getpid()
        self.served = 0
        self.demoted = False
        self._buffer = b""
        ready = self.receive(START_SECONDS)
        if ready is None or not ready.get("ready"):
            self.kill()
            raise OSError("the glslang compile server did not start")

    def send(self, message: dict[str, Any]) -> bool:
        body = json.dumps(message).encode("utf-8")
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(FRAME.pack(len(body)) + body)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            return False
        return True

    def receive(self, timeout: float) -> dict[str, Any] | None:
        """The next frame; None when the server ended; TimeoutExpired past timeout."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        needed = FRAME.size
        while True:
            if len(self._buffer) >= FRAME.size:
                needed = FRAME.size + FRAME.unpack(self._buffer[:FRAME.size])[0]
                if len(self._buffer) >= needed:
                    body, self._buffer = self._buffer[FRAME.size:needed], self._buffer[needed:]
                    result: dict[str, Any] = json.loads(body)
                    return result
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired("glslang compile server", timeout)
            readable, _, _ = select.select([fd], [], [], left)
            if readable:
                chunk = os.read(fd, max(65536, needed - len(self._buffer)))
                if not chunk:
                    return None
                self._buffer += chunk

    def exit_status(self) -> int:
        """The ended server's exit status (negative: the signal that ended it)."""
        try:
            return self.process.wait(2)
        except subprocess.TimeoutExpired:
            self.kill()
            return -9

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            self.process.wait(2)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


class CompilerPool:
    """This process's compile servers: a caller takes an idle one (or starts one), compiles,
    and gives it back; at most MAX_IDLE wait idle."""

    def __init__(self) -> None:
        self._idle: list[_Server] = []
        self._lock = threading.Lock()

    def run(self, lib: Path, memory_bytes: int, env: dict[str, str], source: str,
            cascade: bool, preprocess: bool, timeout: float, nice: int,
            nice_after: float) -> subprocess.CompletedProcess[bytes] | None:
        """Compile like glslangValidator would; TimeoutExpired past timeout (the server is
        killed), a negative returncode when the server died (a crash, memory), None when
        only the binary can say it exactly (a character GLSL does not have: the binary
        names it, the library's preprocessed text does not)."""
        server = self._take(lib, memory_bytes, env)
        args = ["glslang", "-E" if preprocess else "-l"]
        demote = None
        if nice > 0:
            demote = threading.Timer(nice_after, self._demote, (server, nice))
            demote.daemon = True
            demote.start()
        try:
            if not server.send({"source": source, "cascade": cascade,
                                "preprocess": preprocess}):
                return subprocess.CompletedProcess(args, server.exit_status(), b"", b"")
            try:
                answer = server.receive(timeout)
            except subprocess.TimeoutExpired:
                server.kill()
                raise
            if answer is None:
                return subprocess.CompletedProcess(args, server.exit_status(), b"", b"")
        finally:
            if demote is not None:
                demote.cancel()
        server.served += 1
        self._give_back(server)
        if answer.get("ask_binary"):
            return None
        return subprocess.CompletedProcess(args, int(answer["status"]),
                                           answer["stdout"].encode("utf-8"),
                                           answer["stderr"].encode("utf-8"))

    @staticmethod
    def _demote(server: _Server, nice: int) -> None:
        server.demoted = True
        with contextlib.suppress(OSError):  # it has ended meanwhile
            os.setpriority(os.PRIO_PROCESS, server.process.pid, nice)

    def _take(self, lib: Path, memory_bytes: int, env: dict[str, str]) -> _Server:
        with self._lock:
            while self._idle:
                server = self._idle.pop()
                if server.owner == os.getpid() and server.process.poll() is None:
                    return server
                if server.owner == os.getpid():
                    server.kill()
        return _Server(lib, memory_bytes, env)

    def _give_back(self, server: _Server) -> None:
        keep = (not server.demoted and server.served < RETIRE_AFTER
                and server.owner == os.getpid())
        with self._lock:
            if keep and len(self._idle) < MAX_IDLE:
                self._idle.append(server)
                return
        server.kill()

    def close(self) -> None:
        """End every idle server (tests, shutdown)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for server in idle:
            server.kill()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]))
