"""Shader validation: structural checks and real glslang compiles, mapped to the user's lines."""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from fractafrag.services import glsl
from fractafrag.services.glsl import GlslangMissing, GlslError, check_structure, validate_version

CORPUS = Path(__file__).resolve().parent.parent / "glsl_corpus"
VALID = sorted((CORPUS / "valid").glob("*.glsl"))
INVALID = sorted((CORPUS / "invalid").glob("*.glsl"))

# A corpus line ending in this comment is where the compiler must report an error.
MARKER = "// expect-error"
# A file containing this comment expects errors that are not tied to a line (line 0).
NO_LINE_MARKER = "// expect-error-without-line"

OK_CODE = """void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    fragColor = vec4(fragCoord / iResolution.xy, 0.0, 1.0);
}
"""


def image(code: str = OK_CODE, inputs: list | None = None) -> dict:
    """An Image pass."""
    return {"name": "Image", "code": code, "inputs": inputs or []}


def buffer(letter: str, code: str = OK_CODE, inputs: list | None = None) -> dict:
    """A Buffer pass."""
    return {"name": f"Buffer {letter}", "code": code, "inputs": inputs or []}


def channel(number: int, source: str, filter: str = "linear", wrap: str = "clamp") -> dict:
    """An input spec in the version format."""
    return {"channel": number, "source": source, "filter": filter, "wrap": wrap}


def expected_lines(path: Path) -> set[int]:
    """The lines a corpus file marks with MARKER, or {0} for NO_LINE_MARKER."""
    text = path.read_text(encoding="utf-8")
    if NO_LINE_MARKER in text:
        return {0}
    return {
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if line.rstrip().endswith(MARKER)
    }


def test_corpus_is_big_enough() -> None:
    assert len(VALID) >= 12
    assert len(INVALID) >= 12
    for path in INVALID:
        assert expected_lines(path), f"{path.name} has no {MARKER} marker"


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_corpus_compiles_without_errors(path: Path) -> None:
    assert validate_version("", [image(path.read_text(encoding="utf-8"))]) == []


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_corpus_errors_point_at_marked_lines(path: Path) -> None:
    errors = validate_version("", [image(path.read_text(encoding="utf-8"))])
    assert errors, f"{path.name} compiled cleanly"
    assert {e.pass_name for e in errors} == {"Image"}
    assert {e.line for e in errors} == expected_lines(path), errors
    assert all(e.message for e in errors)


def test_valid_single_pass_has_no_errors() -> None:
    assert validate_version("", [image()]) == []


def test_error_in_common_names_common_pass() -> None:
    common = "float helper(float x)\n{\n    return x * undefinedScale;\n}\n"
    code = OK_CODE.replace("0.0, 1.0", "helper(0.5), 1.0")
    errors = validate_version(common, [image(code)])
    assert errors == [GlslError("Common", 3, "'undefinedScale' : undeclared identifier")]


def test_common_error_is_reported_once_for_all_passes() -> None:
    common = "const float K = missing;\n"
    passes = [image(), buffer("A"), buffer("B")]
    errors = validate_version(common, passes)
    common_errors = [e for e in errors if e.pass_name == "Common"]
    assert len(common_errors) == len({(e.line, e.message) for e in common_errors}) >= 1
    assert all(e.line == 1 for e in common_errors)


def test_common_helpers_are_visible_in_every_pass() -> None:
    common = (
        "#define TAU 6.2831853\n"
        "vec3 palette(float t) { return 0.5 + 0.5 * cos(TAU * (t + vec3(0.0, 0.33, 0.67))); }\n"
    )
    code = OK_CODE.replace("vec4(fragCoord / iResolution.xy, 0.0, 1.0)", "vec4(palette(iTime), 1)")
    passes = [image(code, [channel(0, "Buffer A")]), buffer("A", code)]
    assert validate_version(common, passes) == []


def test_error_in_buffer_names_buffer_and_its_own_line() -> None:
    common = "// three lines of common\n// so pass lines must not\n// be shifted by them\n"
    bad = "void mainImage(out vec4 fragColor, in vec2 fragCoord)\n{\n    fragColor = nope;\n}\n"
    passes = [image(inputs=[channel(0, "Buffer B")]), buffer("B", bad)]
    assert validate_version(common, passes) == [
        GlslError("Buffer B", 3, "'nope' : undeclared identifier")
    ]


def test_errors_in_two_passes_are_both_reported_with_their_pass_names() -> None:
    bad_image = OK_CODE.replace("fragColor = ", "float x = 1;\n    fragColor = ")
    bad_buffer = OK_CODE.replace("iResolution.xy", "iResolution.xy * undefinedZoom")
    passes = [image(bad_image), buffer("A", bad_buffer)]
    errors = validate_version("", passes)
    assert [(e.pass_name, e.line) for e in errors] == [("Image", 3), ("Buffer A", 3)]
    assert "undefinedZoom" in errors[1].message


def test_buffers_compile_with_the_same_common() -> None:
    common = "float twice(float x) { return x * 2.0; }\n"
    code = OK_CODE.replace("0.0, 1.0", "twice(0.25), 1.0")
    passes = [image(code), buffer("A", code), buffer("D", code)]
    assert validate_version(common, passes) == []


def test_wrong_main_image_signature_explains_the_expected_one() -> None:
    code = (
        "void mainImage(out vec4 fragColor, in vec3 fragCoord)\n{\n    fragColor = vec4(1.0);\n}\n"
    )
    errors = validate_version("", [image(code)])
    assert len(errors) == 1
    assert errors[0].pass_name == "Image" and errors[0].line == 0
    assert glsl.MAIN_IMAGE_SIGNATURE in errors[0].message


def test_defining_main_is_explained() -> None:
    code = OK_CODE + "void main() { }\n"
    errors = validate_version("", [image(code)])
    assert len(errors) == 1 and errors[0].line == 0
    assert "Do not define main()" in errors[0].message


def test_missing_main_image_is_one_error_not_a_compiler_echo() -> None:
    errors = validate_version("", [buffer("A", "float f() { return 1.0; }\n"), image()])
    assert errors == [
        GlslError(
            "Buffer A",
            0,
            f"Buffer A has no mainImage function: define `{glsl.MAIN_IMAGE_SIGNATURE}`.",
        )
    ]


def test_main_image_in_a_comment_does_not_count() -> None:
    code = (
        "// void mainImage(out vec4 fragColor, in vec2 fragCoord) {}\nfloat f() { return 1.0; }\n"
    )
    errors = check_structure("", [image(code)])
    assert [e.message for e in errors] == [
        f"Image has no mainImage function: define `{glsl.MAIN_IMAGE_SIGNATURE}`."
    ]


def test_unterminated_if_is_reported_at_end_of_code() -> None:
    errors = validate_version("", [image("#ifdef SOMETHING\n" + OK_CODE)])
    assert errors == [GlslError("Image", 0, "At the end of the code: missing #endif")]


def test_unterminated_if_in_common_names_common() -> None:
    errors = validate_version("#if 0\n", [image()])
    assert errors == [GlslError("Common", 0, "At the end of the code: missing #endif")]


def test_unterminated_comment_points_at_its_start() -> None:
    errors = validate_version("", [image(OK_CODE + "/* open")])
    assert [(e.pass_name, e.line) for e in errors] == [("Image", 5)]
    assert "comment" in errors[0].message


def test_cascading_errors_on_one_line_are_reported_once() -> None:
    code = OK_CODE.replace(
        "fragColor = vec4(", "fragColor = undefinedColor;\n    fragColor = vec4("
    )
    assert validate_version("", [image(code)]) == [
        GlslError("Image", 3, "'undefinedColor' : undeclared identifier")
    ]


def test_warnings_are_not_errors() -> None:
    code = "#extension GL_FRACTAFRAG_imaginary : warn\n" + OK_CODE
    assert validate_version("", [image(code)]) == []


def test_compiler_summary_lines_are_dropped() -> None:
    errors = validate_version("", [image(OK_CODE.replace("fragColor = ", "fragColor = x + "))])
    messages = " ".join(e.message for e in errors)
    assert "compilation terminated" not in messages
    assert "compilation errors" not in messages
    assert "No code generated" not in messages


def test_error_as_dict_uses_api_keys() -> None:
    error = GlslError("Buffer C", 7, "boom")
    assert error.as_dict() == {"pass": "Buffer C", "line": 7, "message": "boom"}


def test_prelude_declares_every_shadertoy_uniform() -> None:
    text = glsl.prelude()
    for declaration in (
        "uniform vec3 iResolution;",
        "uniform float iTime;",
        "uniform float iTimeDelta;",
        "uniform float iFrameRate;",
        "uniform int iFrame;",
        "uniform vec4 iMouse;",
        "uniform vec4 iDate;",
        "uniform sampler2D iChannel0;",
        "uniform sampler2D iChannel3;",
        "uniform vec3 iChannelResolution[4];",
        "uniform float iChannelTime[4];",
        "uniform float iSampleRate;",
    ):
        assert declaration in text


def test_fragment_source_numbers_common_pass_and_wrapper_strings() -> None:
    source = glsl.fragment_source("// common", "// pass")
    assert source.startswith("#version 300 es\n")
    assert source.index("#line 1 1\n// common") < source.index("#line 1 2\n// pass")
    assert source.index("#line 1 2\n// pass") < source.index("#line 1 3\nvoid main()")


# --- structural checks: no compiler involved --------------------------------------------------


@pytest.fixture
def no_compiler(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the validator at a binary that does not exist."""
    monkeypatch.setenv(glsl.GLSLANG_ENV, "/nonexistent/glslangValidator")


def test_check_structure_never_needs_the_compiler(no_compiler: None) -> None:
    assert check_structure("", [image(), buffer("A")]) == []


def test_no_passes_is_an_error() -> None:
    errors = check_structure("", [])
    assert len(errors) == 1 and "at least one pass" in errors[0].message


def test_missing_image_pass_is_an_error() -> None:
    errors = check_structure("", [buffer("A")])
    assert [(e.pass_name, e.message) for e in errors] == [
        ("Image", 'Add an "Image" pass: it is the pass drawn on screen.')
    ]


def test_duplicate_pass_name_is_an_error() -> None:
    errors = check_structure("", [image(), image()])
    assert len(errors) == 1 and 'two "Image" passes' in errors[0].message


def test_unknown_pass_name_lists_allowed_names() -> None:
    errors = check_structure("", [image(), {"name": "Buffer E", "code": OK_CODE, "inputs": []}])
    assert len(errors) == 1
    assert errors[0].pass_name == "Buffer E"
    for name in glsl.PASS_NAMES:
        assert f'"{name}"' in errors[0].message


def test_oversized_pass_names_the_limit(no_compiler: None) -> None:
    code = OK_CODE + "// " + "x" * glsl.MAX_PASS_BYTES
    errors = validate_version("", [image(code)])
    assert len(errors) == 1
    assert errors[0].pass_name == "Image"
    assert "262,144 bytes (256 KB)" in errors[0].message


def test_size_limit_counts_utf8_bytes_not_characters() -> None:
    # 100,000 three-byte characters: under the limit in characters, over it in bytes.
    code = OK_CODE + "// " + "€" * 100_000
    assert len(code) < glsl.MAX_PASS_BYTES < len(code.encode("utf-8"))
    errors = check_structure("", [image(code)])
    assert len(errors) == 1 and "256 KB" in errors[0].message


def test_oversized_common_is_reported_without_compiling(no_compiler: None) -> None:
    errors = validate_version("//" + "y" * glsl.MAX_PASS_BYTES, [image()])
    assert [(e.pass_name, e.line) for e in errors] == [("Common", 0)]
    assert "256 KB" in errors[0].message


def test_pass_code_exactly_at_the_limit_is_accepted() -> None:
    padding = glsl.MAX_PASS_BYTES - len(OK_CODE.encode()) - 3
    code = OK_CODE + "//" + "z" * padding + "\n"
    assert len(code.encode()) == glsl.MAX_PASS_BYTES
    assert check_structure("", [image(code)]) == []


def test_buffer_may_read_itself_as_feedback() -> None:
    passes = [image(inputs=[channel(0, "Buffer A")]), buffer("A", inputs=[channel(0, "Buffer A")])]
    assert check_structure("", passes) == []


def test_input_from_absent_buffer_is_an_error() -> None:
    errors = check_structure("", [image(inputs=[channel(1, "Buffer C")])])
    assert len(errors) == 1
    assert errors[0].pass_name == "Image"
    assert "iChannel1 reads Buffer C, but this shader has no Buffer C pass" in errors[0].message


def test_image_is_not_a_valid_input_source() -> None:
    errors = check_structure("", [image(inputs=[channel(0, "Image")])])
    assert len(errors) == 1 and "unknown source 'Image'" in errors[0].message


def test_builtin_inputs_are_valid_sources() -> None:
    from fractafrag.services.inputs import builtin_sources

    for source in builtin_sources():
        assert check_structure("", [image(inputs=[channel(0, source)])]) == [], source


def test_unknown_texture_says_where_the_builtins_are_listed() -> None:
    errors = check_structure("", [image(inputs=[channel(0, "texture:lena")])])
    assert len(errors) == 1
    assert "texture:<name>" in errors[0].message and "GET /api/v1/inputs" in errors[0].message


def test_vflip_and_srgb_must_be_booleans() -> None:
    ok = channel(0, "texture:checker") | {"vflip": False, "srgb": True}
    assert check_structure("", [image(inputs=[ok])]) == []
    errors = check_structure("", [image(inputs=[ok | {"vflip": "yes"}])])
    assert len(errors) == 1 and "vflip 'yes'" in errors[0].message


@pytest.mark.parametrize("bad", [-1, 4, "0", 1.0, True, None])
def test_channel_must_be_an_integer_from_0_to_3(bad: object) -> None:
    spec = channel(0, "texture:checker") | {"channel": bad}
    errors = check_structure("", [image(inputs=[spec])])
    assert len(errors) == 1 and "from 0 to 3" in errors[0].message


def test_channel_used_twice_is_an_error() -> None:
    inputs = [channel(2, "texture:checker"), channel(2, "texture:noise-gray")]
    errors = check_structure("", [image(inputs=inputs)])
    assert len(errors) == 1 and "iChannel2 is assigned twice" in errors[0].message


def test_filter_and_wrap_must_be_known() -> None:
    spec = channel(0, "texture:checker", filter="bilinear", wrap="mirror")
    messages = [e.message for e in check_structure("", [image(inputs=[spec])])]
    assert len(messages) == 2
    assert "use one of linear, nearest, mipmap" in messages[0]
    assert "use one of clamp, repeat" in messages[1]


def test_malformed_values_give_errors_not_exceptions() -> None:
    assert check_structure(None, None)  # type: ignore[arg-type]
    errors = check_structure("", ["not a pass", {"name": ["Image"]}, {"name": "Image", "code": 3}])
    assert len(errors) >= 3
    errors = check_structure("", [{"name": "Image", "code": OK_CODE, "inputs": "iChannel0"}])
    assert "must be a list" in errors[0].message


# --- the compiler process --------------------------------------------------------------------


def fake_compiler(tmp_path: Path, script: str) -> str:
    """Write an executable shell script standing in for glslangValidator."""
    path = tmp_path / "fake-glslang"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_glslang_binary_is_found_and_runs() -> None:
    path = glsl.find_glslang()
    assert path.name == "glslangValidator"
    assert path.is_file()


def test_env_override_picks_the_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output = (
        "stdin\n"
        "WARNING: 2:1: 'x' : a warning\n"
        "ERROR: 1:4: 'a' : from common \n"
        "ERROR: 2:9: 'b' : from the pass \n"
        "ERROR: 2:9: '' : compilation terminated \n"
        "ERROR: 3 compilation errors.  No code generated.\n"
    )
    monkeypatch.setenv(
        glsl.GLSLANG_ENV, fake_compiler(tmp_path, f'cat >/dev/null\nprintf "{output}"\nexit 2\n')
    )
    long_code = OK_CODE + "\n" * 6
    assert validate_version("\n" * 5, [buffer("B", long_code), image(long_code)]) == [
        GlslError("Common", 4, "'a' : from common"),
        GlslError("Buffer B", 9, "'b' : from the pass"),
        GlslError("Image", 9, "'b' : from the pass"),
    ]


def test_missing_binary_raises_glslang_missing(no_compiler: None) -> None:
    with pytest.raises(GlslangMissing, match="not an executable"):
        validate_version("", [image()])


def test_a_compiler_past_the_budget_is_refused_naming_the_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The compiler hangs on the pass holding HANG; the one before it is compiled first.
    script = 'if grep -q HANG; then exec sleep 30; fi\nexit 0\n'
    monkeypatch.setenv(glsl.GLSLANG_ENV, fake_compiler(tmp_path, script))
    hanging = OK_CODE + "// HANG\n"
    with pytest.raises(glsl.CompileRefused) as refused:
        validate_version("", [image(), buffer("A", hanging), buffer("B")], budget_seconds=0.5)
    assert refused.value.status == 422
    assert refused.value.error.pass_name == "Buffer A" and refused.value.error.line == 0
    assert re.search(r"within the 0\.5 s compile budget", refused.value.error.message)
    assert refused.value.errors == [refused.value.error.as_dict()]


def test_all_passes_share_one_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each pass takes 0.3 s, well under the 1 s budget, but five of them do not fit in it:
    # a budget per pass would accept this version.
    monkeypatch.setenv(glsl.GLSLANG_ENV, fake_compiler(tmp_path, "cat >/dev/null\nsleep 0.3\n"))
    passes = [image(), *(buffer(letter) for letter in "ABCD")]
    with pytest.raises(glsl.CompileRefused) as refused:
        validate_version("", passes, budget_seconds=1.0)
    assert refused.value.error.pass_name in {"Buffer A", "Buffer B", "Buffer C", "Buffer D"}
    assert "1 s compile budget" in refused.value.error.message
    assert validate_version("", passes, budget_seconds=5.0) == []


def test_the_compiler_starts_at_full_priority_and_is_niced_if_it_runs_long(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Its niceness when it starts, and again after twice the full-priority time.
    script = ("cat >/dev/null\necho \"ERROR: 2:1: 'at start' : $(nice)\"\n"
              f"sleep {glsl.FULL_PRIORITY_SECONDS * 2}\n"
              "echo \"ERROR: 2:2: 'later' : $(nice)\"\nexit 2\n")
    monkeypatch.setenv(glsl.GLSLANG_ENV, fake_compiler(tmp_path, script))
    own = os.nice(0)
    assert validate_version("", [image()], nice=7) == [
        GlslError("Image", 1, f"'at start' : {own}"),
        GlslError("Image", 2, f"'later' : {min(own + 7, 19)}")]


def test_a_quick_compile_is_never_niced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = "cat >/dev/null\necho \"ERROR: 2:1: 'niceness' : $(nice)\"\nexit 2\n"
    monkeypatch.setenv(glsl.GLSLANG_ENV, fake_compiler(tmp_path, script))
    assert validate_version("", [image()], nice=7) == [
        GlslError("Image", 1, f"'niceness' : {os.nice(0)}")]


def test_the_slot_is_held_while_compiling_and_only_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    held: list[str] = []

    @contextlib.contextmanager
    def slot() -> Iterator[None]:
        held.append("taken")
        yield
        held.append("freed")

    assert validate_version("", [image()], slot=slot) == []
    assert held == ["taken", "freed"]
    # Structure errors alone, and macro bombs, never take a compile slot.
    validate_version("", [image("float f;")], slot=slot)
    with pytest.raises(glsl.CompileRefused):
        validate_version(BOMB_COMMON, [image()], slot=slot)
    assert held == ["taken", "freed", "taken", "freed"]


def test_compiler_crash_becomes_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(glsl.GLSLANG_ENV, fake_compiler(tmp_path, "cat >/dev/null\nkill -SEGV $$\n"))
    errors = validate_version("", [image()])
    assert len(errors) == 1 and "ran out of memory or time" in errors[0].message


# A #if macro bomb: 40 lines, each macro twice the one before (2**40 tokens at the #if).
BOMB_COMMON = "#define A0 1\n" + "".join(
    f"#define A{i} (A{i - 1} + A{i - 1})\n" for i in range(1, 40)) + "#if A39 > 0\n#endif\n"


def test_exponential_macro_expansion_is_refused_before_compiling(no_compiler: None) -> None:
    macros = "#define A0 x+x\n" + "".join(f"#define A{i} A{i - 1}+A{i - 1}\n" for i in range(1, 40))
    code = macros + OK_CODE.replace("fragColor = ", "float x = 1.0;\n    fragColor = A39 + ")
    with pytest.raises(glsl.CompileRefused) as refused:
        validate_version("", [image(code)])  # no compiler: the check alone refuses it
    assert refused.value.error == GlslError(
        "Image", 44, "'A39' expands to more than 65,536 tokens (a macro bomb?); the limit is "
        "65,536 tokens per macro use.")


def test_an_if_macro_bomb_in_common_names_common_and_its_line(no_compiler: None) -> None:
    passes = [image(), *(buffer(letter) for letter in "ABCD")]
    with pytest.raises(glsl.CompileRefused) as refused:
        validate_version(BOMB_COMMON, passes)
    assert refused.value.error.pass_name == "Common" and refused.value.error.line == 41
    assert "This #if expands to more than 65,536 tokens" in refused.value.error.message
    assert refused.value.message.startswith("Not compiled: Common line 41: This #if")


@pytest.mark.parametrize("code, line", [
    # Nested calls of a function-like macro that doubles its argument.
    ("#define D(x) x x\nfloat f() { return "
     "D(D(D(D(D(D(D(D(D(D(D(D(D(D(D(D(D(D(1.0))))))))))))))))));}\n", 2),
    # Macros calling macros on their parameters, over several lines with continuations.
    ("#define F(x) x+x\n#define G(x) F(F(x))\n#define H(x) \\\n G(G(G(G(x))))\n"
     "#define I(x) H(H(H(H(x))))\n\nfloat y = I(1.0);\n", 7),
    # A call split over lines: the line is where the use starts.
    ("#define D(x) x x x x\n#define E(x) D(D(D(D(x))))\nfloat y = E(E(\n1.0 + 1.0\n));\n", 3),
    # Arguments are expanded even when the body ignores them.
    ("#define B0 1\n" + "".join(f"#define B{i} B{i - 1}+B{i - 1}\n" for i in range(1, 30))
     + "#define IGNORE(x) 0\n#if IGNORE(B29)\n#endif\n", 32),
])
def test_other_macro_bombs_are_refused_at_their_line(no_compiler: None, code: str,
                                                      line: int) -> None:
    with pytest.raises(glsl.CompileRefused) as refused:
        validate_version("", [buffer("B", code + OK_CODE), image()])
    assert (refused.value.error.pass_name, refused.value.error.line) == ("Buffer B", line)


def test_common_macros_reach_into_the_pass(no_compiler: None) -> None:
    common = "#define A0 1.0\n" + "".join(
        f"#define A{i} (A{i - 1} + A{i - 1})\n" for i in range(1, 30))
    code = OK_CODE.replace("fragColor = ", "fragColor = vec4(A29) + ")
    with pytest.raises(glsl.CompileRefused) as refused:
        validate_version(common, [image(), buffer("C", code)])
    assert (refused.value.error.pass_name, refused.value.error.line) == ("Buffer C", 3)


def test_too_much_expanded_code_in_all_is_refused(no_compiler: None) -> None:
    # Each use stays under the per-use limit; together they are past the total.
    common = "#define A0 1.0\n" + "".join(
        f"#define A{i} (A{i - 1} + A{i - 1})\n" for i in range(1, 14))
    uses = "".join(f"float v{n} = A13;\n" for n in range(40))
    with pytest.raises(glsl.CompileRefused) as refused:
        validate_version(common, [image(uses + OK_CODE)])
    assert refused.value.error.pass_name == "Image"
    assert "more than 262,144 tokens longer" in refused.value.error.message


def test_macros_real_shaders_use_are_not_refused() -> None:
    code = """#define PI 3.14159265
#define TAU (2.0 * PI)
#define R(a) mat2(cos(a), -sin(a), sin(a), cos(a))
#define SAT(x) clamp(x, 0.0, 1.0)
#define MAX_STEPS 64
#ifndef QUALITY
#define QUALITY 2
#endif
#if defined(QUALITY) && QUALITY > 1 && MAX_STEPS >= 64
#define STEPS (MAX_STEPS * QUALITY)
#else
#define STEPS MAX_STEPS
#endif
#define SMOOTH(a, b, x) smoothstep(a, b, \\
                                   x)
#define NEST(x) SAT(SAT(SAT(SAT(SAT(SAT(x))))))
float gain2 = 2.0;
void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 uv = R(TAU * 0.1) * (fragCoord / iResolution.xy);
    float v = 0.0;
    for (int i = 0; i < STEPS; i++) { v += SMOOTH(0.0, 1.0, uv.x) / float(STEPS); }
    fragColor = vec4(NEST(v * gain2), SAT(uv.y), 0.0, 1.0);
}
"""
    assert glsl.macro_bomb("#define HALF 0.5\n", [("Image", code)]) is None
    assert validate_version("#define HALF 0.5\n", [image(code)]) == []


def test_names_webgl_reserves_are_refused_at_their_line():
    code = (
        "float webgl_gain = 2.0;\n"
        "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
        "    float my__value = float(__LINE__);\n"
        "    fragColor = vec4(webgl_gain * my__value);\n"
        "}\n"
    )
    errors = glsl.check_structure("", [{"name": "Image", "code": code, "inputs": []}])
    assert [(e.pass_name, e.line) for e in errors] == [("Image", 1), ("Image", 3), ("Image", 4),
                                                       ("Image", 4)]
    assert "reserved in WebGL" in errors[0].message
