"""Shaders Chromium's WebGL2 compiles with Shadertoy's wrapper validate here too (real glslang;
the browser confirmation itself is tested with real Chromium in tests/render/test_compile_check.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fractafrag.services import browser_check, glsl
from fractafrag.services.glsl import GlslError, validate_version

PLAYER_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "player.js"
MAIN = "void mainImage(out vec4 fragColor, in vec2 fragCoord)\n{\n    fragColor = vec4(1.0);\n}\n"
RESERVED = "is reserved in WebGL (names may not start with webgl_ or contain __): rename it."


def image(code: str) -> dict:
    return {"name": "Image", "code": code, "inputs": []}


def check(code: str, common: str = "") -> list[GlslError]:
    return validate_version(common, [image(code)])


# --- structure checks run on the preprocessed source ------------------------------------------


def test_main_image_defined_through_a_macro_from_common_validates() -> None:
    common = "#define MAIN_IMAGE void mainImage(out vec4 O, in vec2 U)\n"
    assert check("MAIN_IMAGE\n{\n    O = vec4(U / iResolution.xy, 0.0, 1.0);\n}\n", common) == []


def test_main_image_defined_through_a_macro_in_the_pass_validates() -> None:
    code = ("#define ENTRY(o, u) void mainImage(out vec4 o, in vec2 u)\n"
            "ENTRY(c, p) { c = vec4(1); }\n")
    assert check(code) == []


def test_main_image_in_common_serves_every_pass() -> None:
    assert check("float unused() { return 1.0; }\n", MAIN) == []


def test_a_macro_for_something_else_still_needs_a_main_image() -> None:
    errors = check("#define MAIN void notMainImage(out vec4 c, in vec2 p)\nMAIN { c = vec4(1); }\n")
    assert errors == [GlslError("Image", 0, "Image has no mainImage function: define "
                                f"`{glsl.MAIN_IMAGE_SIGNATURE}`.")]


def test_ifdef_cplusplus_is_not_a_reserved_name() -> None:
    assert check("#ifdef __cplusplus\nfloat x;\n#endif\n#if defined(__cplusplus) || 0\n#endif\n"
                 + MAIN) == []


def test_a_preprocessor_test_in_common_is_not_a_reserved_name() -> None:
    assert check(MAIN, "#ifndef __cplusplus\n#define K 1.0\n#endif\n") == []


def test_a_macro_named_with_two_underscores_is_fine_when_unused() -> None:
    # ANGLE only warns about the macro's name; it never reaches the compiled code.
    assert check("#define SOME__MACRO 1.0\n#define X a__b\n" + MAIN) == []


def test_a_reserved_name_a_macro_expands_to_is_refused_where_used() -> None:
    code = "#define NAME a__b\n\nfloat NAME = 1.0;\n" + MAIN
    assert check(code) == [GlslError("Image", 3, f"'a__b' {RESERVED}")]


def test_a_reserved_name_from_a_common_macro_is_refused_in_the_pass() -> None:
    assert check("float Y = 1.0;\n" + MAIN, "#define Y q__r\n") == [
        GlslError("Image", 1, f"'q__r' {RESERVED}")]


def test_reserved_names_in_code_are_still_refused() -> None:
    assert check("float a__b = 1.0;\n" + MAIN) == [GlslError("Image", 1, f"'a__b' {RESERVED}")]
    assert check(MAIN, "\nfloat webgl_x;\n") == [GlslError("Common", 2, f"'webgl_x' {RESERVED}")]


def test_reserved_names_in_excluded_code_are_not_compiled_so_not_refused() -> None:
    assert check("#if 0\nfloat a__b;\n#endif\n" + MAIN) == []


# --- the prelude declares the sampler precisions Shadertoy's wrapper does ---------------------


@pytest.mark.parametrize("kind, lookup", [("sampler3D", "vec3(0.5)"),
                                          ("samplerCube", "vec3(0.0, 0.0, 1.0)"),
                                          ("sampler2D", "vec2(0.5)")])
def test_a_function_taking_a_sampler_compiles(kind: str, lookup: str) -> None:
    code = (f"vec4 sample3(in {kind} s) {{ return texture(s, {lookup}); }}\n"
            "void mainImage(out vec4 fragColor, in vec2 fragCoord)\n{\n"
            "    fragColor = vec4(1.0);\n}\n")
    assert check(code) == []


def test_header_declares_shadertoys_default_precisions() -> None:
    # Shadertoy: "precision highp float; precision highp int; precision mediump sampler3D;"
    for line in ("precision highp float;", "precision highp int;", "precision highp sampler3D;",
                 "precision highp samplerCube;", "precision highp sampler2D;"):
        assert line in glsl.HEADER.splitlines()


_JS_LITERAL = r'"(?:[^"\\]|\\.)*"'


def _js_string_constant(source: str, name: str) -> str:
    """The value of `const NAME = "..." + "...";` in player.js (string literals only)."""
    found = re.search(rf"const {name} =\s*((?:{_JS_LITERAL}\s*\+?\s*)+);", source)
    assert found, f"{name} not found in player.js"
    return "".join(json.loads(literal) for literal in re.findall(_JS_LITERAL, found.group(1)))


def test_player_header_is_the_validators() -> None:
    assert _js_string_constant(PLAYER_JS.read_text(encoding="utf-8"), "HEADER") == glsl.HEADER


# --- per-pass size: up to 256 KB --------------------------------------------------------------


def _big_pass(size: int) -> str:
    """A real shader of about `size` bytes: many small functions, then mainImage."""
    parts, total, index = [], 0, 0
    while total < size - 200:
        part = f"float f{index}(float x) {{ return x * {index % 7 + 1}.0 + sin(x); }}\n"
        parts.append(part)
        total += len(part)
        index += 1
    return "".join(parts) + MAIN


@pytest.mark.parametrize("kilobytes", [66, 88, 250])
def test_passes_over_64_kb_validate(kilobytes: int) -> None:
    code = _big_pass(kilobytes * 1024)
    assert len(code.encode()) > 64 * 1024
    assert check(code) == []


def test_a_pass_over_256_kb_is_refused_naming_the_limit() -> None:
    code = MAIN + "//" + "x" * glsl.MAX_PASS_BYTES + "\n"
    errors = check(code)
    assert len(errors) == 1 and errors[0].pass_name == "Image"
    assert "the limit is 262,144 bytes (256 KB) per pass" in errors[0].message


# --- which refusals go to the browser ---------------------------------------------------------


def test_only_known_stricter_messages_are_sent_to_the_browser() -> None:
    stricter = check("const mat2 R = mat2(0.8, 0.6, -0.6, 0.8);\nconst mat2 T = transpose(R);\n"
                     + MAIN)
    assert [e.line for e in stricter] == [2]
    assert browser_check.stricter_only(stricter)
    local = check("void mainImage(out vec4 c, in vec2 p)\n{\n"
                  "    const mat2 T = inverse(mat2(2.0));\n    c = vec4(T[0], 0.0, 1.0);\n}\n")
    assert browser_check.stricter_only(local)
    mixed = check("const mat2 T = transpose(mat2(1.0));\nfloat y = nope;\n" + MAIN)
    assert not browser_check.stricter_only(mixed)  # a real error too: refused at once
    assert not browser_check.stricter_only([])
    assert not browser_check.stricter_only(check("float y = nope;\n" + MAIN))
