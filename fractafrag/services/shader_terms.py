"""What a shader's code says about what it shows, as words the embedder knows.

`shader_code_terms` reads the passes' GLSL (function names, loops, calls, buffers feeding
back) and names the techniques it finds ("raymarch", "fbm", "voronoi", "feedback", "2d"…);
`shader_text` is the document a shader's style vector is embedded from (services/embedding.py).
"""

from __future__ import annotations

import re
from typing import Any

from fractafrag.services.text_terms import _wordset

# --------------------------------------------------------------------------------------------
# Shader documents
# --------------------------------------------------------------------------------------------

_TYPES = r"(?:float|int|uint|bool|[biu]?vec[234]|mat[234](?:x[234])?)"
_KEYWORDS = _wordset(
    "if else for while do switch case return break continue discard in out inout uniform const "
    "struct void true false precision highp mediump lowp"
)
# Names that say nothing about what a shader shows.
_GENERIC_NAMES = _wordset(
    """
    main image main_image mainimage frag fragcoord fragcolor uv uvs st col color colour res
    resolution pos position dir direction p q d t n i j k x y z w a b c e f h m r s u v o
    rd ro tmp temp val value values result res sum total acc dist distance len length angle
    ang time tt offset off scale size id ids index idx step steps count num dt delta ratio
    amount factor mask base center centre local cell max min eps epsilon pi tau two half one
    zero iter iters it speed phase radius rad width height at of to get set do calc compute
    init update apply make eval evaluate func fn sample tex coord coords point pt pts left
    right up down forward fwd ahead hit hash hash11 hash12 hash21 hash22 hash31 hash33 rot
    rotate rotation mat matrix lerp clamp01 saturate remap map2 on in k1 k2 alpha fi fj
    occ weight yaw pitch amp freq texel state turn target nearest corner along inside tone
    cover band core flip parity centers lines line with
    """
)
# Builtins worth a word when present (near-universal ones add little, but cost nothing).
_BUILTIN_HINTS = {
    "texture": "texture", "texelFetch": "texture", "textureLod": "texture",
    "smoothstep": "smooth", "mix": "blend", "fract": "repetition", "atan": "polar angle",
    "reflect": "reflection", "refract": "refraction", "fwidth": "antialiasing",
    "dFdx": "antialiasing", "iMouse": "interactive mouse",
}
_NOISE_NAME = re.compile(r"noise|perlin|simplex|fbm|turb|value|gradient", re.I)
_CELL_NAME = re.compile(r"noise|perlin|simplex|fbm|turb|hash|rand|voronoi|worley|cell", re.I)


def _strip_comments(code: str) -> str:
    """Code without // and /* */ comments (licence headers say nothing about the picture)."""
    code = re.sub(r"/\*.*?\*/", " ", code, flags=re.S)
    return re.sub(r"//[^\n]*", " ", code)


def _balanced(code: str, start: int, open_ch: str, close_ch: str) -> int:
    """Index just past the bracket that closes the one at `start`."""
    depth = 0
    for i in range(start, len(code)):
        if code[i] == open_ch:
            depth += 1
        elif code[i] == close_ch:
            depth -= 1
            if depth == 0:
                return i + 1
    return len(code)


def _functions(code: str) -> dict[str, str]:
    """Defined functions: name -> body (bodies of overloads are joined)."""
    found: dict[str, str] = {}
    pattern = re.compile(r"\b([A-Za-z_]\w*)\s+([A-Za-z_]\w*)\s*\(([^(){};]*)\)\s*\{")
    for match in pattern.finditer(code):
        if match.group(1) in _KEYWORDS - {"void"} or match.group(2) in _KEYWORDS:
            continue
        brace = match.end() - 1
        body = code[brace : _balanced(code, brace, "{", "}")]
        found[match.group(2)] = found.get(match.group(2), "") + body
    return found


def _loops(code: str) -> list[str]:
    """Bodies of every for/while loop (nested loops appear on their own too)."""
    bodies = []
    for match in re.finditer(r"\b(?:for|while)\s*\(", code):
        after = _balanced(code, match.end() - 1, "(", ")")
        rest = code[after:].lstrip()
        if rest.startswith("{"):
            start = len(code) - len(rest)
            bodies.append(code[start : _balanced(code, start, "{", "}")])
        else:
            bodies.append(rest.split(";", 1)[0])
    return bodies


def _call_arguments(code: str, names: list[str]) -> list[str]:
    """The argument text of every call to one of the named functions."""
    found = []
    for match in re.finditer(rf"\b(?:{'|'.join(map(re.escape, names))})\s*\(", code):
        before = re.search(r"(\w+)\s*$", code[: match.start()])
        if before and before.group(1) != "return":
            continue  # a definition (`float noise(vec2 p)`), not a call
        end = _balanced(code, match.end() - 1, "(", ")")
        found.append(code[match.end() : end - 1])
    return found


def split_identifier(name: str) -> str:
    """Words of an identifier: sdSphere -> 'sd sphere', soft_shadow2 -> 'soft shadow'."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return " ".join(w for w in re.split(r"[-_\d\s]+", spaced.lower()) if len(w) > 1)


def _is_raymarch_loop(body: str) -> bool:
    """A loop advancing a distance along a ray: `t += h` with a point `ro + rd * t` inside."""
    for acc in set(re.findall(r"\b([A-Za-z_]\w*)\s*\+=", body)):
        if acc.lower() in {"col", "color", "colour", "sum", "acc", "c"}:
            continue
        along = rf"\b\w+(?:\.\w+)?\s*\+\s*\w+(?:\.\w+)?\s*\*\s*{acc}\b"
        along_rev = rf"\b{acc}\s*\*\s*\w+(?:\.\w+)?\s*\+\s*\w+"
        if re.search(along, body) or re.search(along_rev, body):
            return True
    # The position itself marches: p += rd * d.
    return bool(re.search(r"\b\w+\s*\+=\s*(?:rd|dir|ray\w*)\s*\*\s*\w+", body, re.I)) or bool(
        re.search(r"\b\w+\s*\+=\s*\w+\s*\*\s*(?:rd|dir|ray\w*)\b", body, re.I)
    )


def _is_octave_loop(body: str, noise_calls: str) -> bool:
    """An fbm loop: sums a noise scaled by an amplitude that is itself scaled each octave."""
    if not re.search(rf"\b(?:{noise_calls})\s*\(", body):
        return False
    for var in set(re.findall(r"\b([A-Za-z_]\w*)\s*\*=\s*[\d.]+", body)):
        if re.search(rf"\+=\s*[^;]*\b{var}\b", body):
            return True
    return bool(re.search(r"\b(\w+)\s*=\s*[^;]*\*\s*\1\s*\*\s*[\d.]+", body)) and "+=" in body


def _pass_cycles(passes: list[dict[str, Any]]) -> bool:
    """Whether some buffer reads its own output, directly or through other buffers."""
    reads: dict[str | None, set[str | None]] = {
        p.get("name", ""): {i.get("source") for i in p.get("inputs") or [] if isinstance(i, dict)}
        for p in passes
    }

    def reaches(start: str | None, goal: str | None, seen: set[str | None]) -> bool:
        for source in reads.get(start, ()):
            if source == goal:
                return True
            if source in reads and source not in seen:
                seen.add(source)
                if reaches(source, goal, seen):
                    return True
        return False

    return any(reaches(name, name, set()) for name in reads if name != "Image")


def shader_code_terms(common: str, passes: list[dict[str, Any]]) -> list[str]:
    """Words a person would use for what the code does: names, builtin hints, techniques."""
    code = _strip_comments("\n".join([common or ""] + [p.get("code") or "" for p in passes]))
    functions = _functions(code)
    terms: list[str] = []

    def add(*words: str) -> None:
        for word in words:
            if word and word not in terms:
                terms.append(word)

    for name in functions:
        if name.lower() not in _GENERIC_NAMES:
            add(split_identifier(name))
    for name in re.findall(rf"\b{_TYPES}\s+([A-Za-z_]\w*)\s*(?:=|;|,|\[)", code):
        if name.lower() not in _GENERIC_NAMES and len(name) > 2 and not name.isupper():
            add(split_identifier(name))
    for builtin, hint in _BUILTIN_HINTS.items():
        if re.search(rf"\b{builtin}\b", code):
            add(hint)

    noise_names = [n for n in functions if _NOISE_NAME.search(n)] or ["noise"]
    noise_calls = "|".join(map(re.escape, noise_names + ["texture", "texelFetch"]))
    loops = _loops(code)
    raymarch = any(_is_raymarch_loop(body) for body in loops)
    if raymarch:
        add("raymarch", "3d")
    sd_names = [n for n in functions if re.match(r"(?:sd|ud|op)[A-Z_0-9]", n) or "sdf" in n.lower()]
    smooth_min = "smin" in functions or re.search(r"-\s*\w+\s*\*\s*h\s*\*\s*\(\s*1\.0\s*-", code)
    if sd_names or smooth_min or (raymarch and {"map", "scene", "de", "sdf"} & set(functions)):
        add("sdf")
    if any(_is_octave_loop(body, noise_calls) for body in loops):
        add("fbm", "noise")
    if any(re.search(r"noise|perlin|simplex", n, re.I) for n in functions) or re.search(
        r"mix\s*\(\s*mix\s*\(\s*hash", code
    ):
        add("noise")
    # Domain warping: a noise's coordinates contain another noise, directly or via a variable.
    noise_only = "|".join(map(re.escape, noise_names))
    warp_vars = re.findall(rf"\b{_TYPES}\s+(\w+)\s*=\s*[^;]*\b(?:{noise_only})\s*\(", code)
    warped = rf"\b(?:{noise_only}|{'|'.join(warp_vars) or '(?!x)x'})\b"
    if any(re.search(warped, args) for args in _call_arguments(code, noise_names)):
        add("domain warp")
    neighbour_loops = re.findall(r"for\s*\(\s*int\s+\w+\s*=\s*-\s*[12]\s*;", code)
    if len(neighbour_loops) >= 2 and "floor" in code and re.search(r"\b(?:length|dot)\s*\(", code):
        add("voronoi", "cells")
    if any(re.search(r"voronoi|worley|cellular", n, re.I) for n in functions):
        add("voronoi", "cells")
    angle_vars = re.findall(r"\b(\w+)\s*=\s*atan\s*\(", code)
    polar_wrap = re.search(r"mod\s*\(\s*atan\s*\(", code) or any(
        re.search(rf"mod\s*\(\s*{a}\b", code) for a in angle_vars
    )
    if polar_wrap and re.search(r"\babs\s*\(", code):
        add("kaleidoscope", "symmetry", "mirror")
    if any(re.search(r"\b(\w+)\s*=\s*abs\s*\(\s*\1\b", body) for body in loops):
        add("fold")
    if re.search(r"\batan\s*\(\s*[^,;()]+,", code):
        add("polar")
    radii = re.findall(r"\b(\w+)\s*=\s*length\s*\(", code)
    if re.search(r"\batan\s*\(", code) and any(
        re.search(rf"[\d.]+\s*/\s*{r}\b", code) for r in radii
    ):
        add("tunnel")
    complex_square = re.search(r"\b(\w+)\.x\s*\*\s*\1\.x\s*-\s*\1\.y\s*\*\s*\1\.y", code)
    if complex_square or re.search(r"\bc(?:mul|sqr)\s*\(", code):
        add("fractal", "escape time")
        z = complex_square.group(1) if complex_square else "z"
        if re.search(r"julia", code, re.I) or re.search(
            rf"\b{z}\s*=\s*[^;]*(?:fragCoord|\buv\b|\bp\b)", code
        ):
            add("julia")
        elif re.search(rf"\b{z}\s*=\s*vec2\s*\(\s*0", code) or "mandelbrot" in code.lower():
            add("mandelbrot")
        if re.search(r"\b(\w+)\s*=\s*min\s*\(\s*\1\s*,", code):
            add("orbit trap")
    if re.search(r"log2\s*\(\s*log2", code):
        add("smooth iteration")
    bulb_power = re.search(r"\bpow\s*\(\s*\w+\s*,\s*(?:8\.0|power)", code)
    if bulb_power and re.search(r"\bacos\s*\(", code):
        add("mandelbulb", "fractal")
    if re.search(r"menger|sierpinski|apollonian|kleinian|mandelbox", code, re.I):
        add("fractal")
    if any(
        re.search(r"\b(\w+)\s*=\s*min\s*\(\s*\1\s*,\s*[^;]*\*\s*[\w.]+\s*/\s*\w+\s*\)", body)
        for body in loops
    ):
        add("soft shadows")
    if re.search(r"\+=\s*\(\s*\w+\s*-\s*\w+\s*\(\s*\w+\s*\+\s*\w+\s*\*\s*\w+\s*\)", code):
        add("ambient occlusion")
    if re.search(r"mix\s*\([^;]*?,\s*1\.0\s*-\s*exp\s*\(\s*-", code):
        add("fog")
    if re.search(r"cos\s*\(\s*(?:6\.28\d*|TAU|TWO_PI|PI2|2\.0\s*\*\s*PI)\s*\*\s*\(", code):
        add("cosine palette")
    if re.search(r"[\d.]+(?:e-?\d+)?\s*/\s*\(\s*[^;]*?\+\s*[\d.]+(?:e-?\d+)?\s*\)", code):
        add("glow")
    for body in loops:
        if re.search(r"/\s*\(\s*dot\s*\(\s*([^,()]+),\s*\1\s*\)", body) and "+=" in body:
            accumulators = re.findall(r"\b(\w+)\s*\+=", body)
            if any(re.search(rf"smoothstep\s*\([^;]*\b{a}\s*\)", code) for a in accumulators):
                add("metaballs", "blobs")
            else:
                add("particles", "glow")
    # Noise and cell functions floor/fract their input too; only the picture's own grid counts.
    pictured = " ".join(
        body for name, body in functions.items() if not _CELL_NAME.search(name)
    )
    tiles = set(re.findall(r"\bfloor\s*\(\s*([\w.]+)\s*\)", pictured)) & set(
        re.findall(r"\bfract\s*\(\s*([\w.]+)\s*\)", pictured)
    )
    if tiles:
        add("grid", "tiling")
    if re.search(r"mod\s*\(\s*[\w.]+\s*\+\s*[\w.]+\s*,\s*2\.0\s*\)", code):
        add("checkerboard")
    post = False
    if re.search(r"pow\s*\(\s*\w+\s*,\s*vec3\s*\(\s*(?:0\.45|1\.0\s*/\s*2\.2)", code):
        add("gamma")
        post = True
    if re.search(r"1\.0\s*-\s*exp\s*\(\s*-\s*[\d.]+\s*\*\s*(?:col|color|colour)\w*\s*\)", code):
        add("tone mapping")
        post = True
    if re.search(r"\*=\s*1\.0\s*-\s*[\d.]+\s*\*\s*dot\s*\(\s*(\w+)\s*,\s*\1\s*\)", code):
        add("vignette")
        post = True
    if re.search(r"sin\s*\(\s*fragCoord\.y", code):
        add("scanlines")
        post = True
    if any(len(re.findall(r"\btexture\s*\(", body)) and "+=" in body for body in loops):
        add("blur", "bloom")
        post = True
    if post:
        add("post processing")
    if re.search(r"\b(?:dot|max|clamp)\s*\(\s*\w+\s*,\s*\w*(?:light|sun|lig)\w*\s*\)", code, re.I):
        add("lighting")
    if re.search(r"fft|spectrum|audio|music|sound|\bbeat\b|\bbass\b", code, re.I):
        add("audio reactive")

    sources = {
        str(i.get("source", ""))
        for p in passes
        for i in (p.get("inputs") or [])
        if isinstance(i, dict)
    }
    for source in sorted(sources):
        if source.startswith("texture:"):
            add("texture", split_identifier(source.removeprefix("texture:")) + " texture")
        if re.search(r"audio|music|sound|mic", source, re.I):
            add("audio reactive")
    if len(passes) > 1:
        add("multipass", "buffer")
    feedback = _pass_cycles(passes)
    if feedback:
        add("feedback")
        if re.search(r"laplac|diffus|\bfeed\b|\bkill\b", code, re.I) or re.search(
            r"\b(\w+)\.x\s*\*\s*\1\.y\s*\*\s*\1\.y", code
        ):
            add("reaction diffusion", "simulation")
    if not raymarch:
        add("2d")
    return terms


def shader_text(
    title: str, description: str, tags: list[str], common: str, passes: list[dict[str, Any]]
) -> str:
    """The document embedded for a shader: title and tags twice, description, code terms."""
    tag_text = ", ".join(tags or [])
    code_terms = " ".join(shader_code_terms(common, passes))
    parts = [title, title, tag_text, tag_text, description, code_terms]
    return ". ".join(part for part in parts if part)
