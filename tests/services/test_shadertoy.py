"""Shadertoy JSON export and import: the documented shape, a lossless round trip, clear errors."""

from __future__ import annotations

import copy
import json

import pytest

from fractafrag.services.shadertoy import ShadertoyFormatError, from_shadertoy, to_shadertoy

IMAGE = "void mainImage(out vec4 fragColor, in vec2 fragCoord) { fragColor = vec4(1.0); }"
BUFFER = "void mainImage(out vec4 fragColor, in vec2 fragCoord) { fragColor = vec4(0.5); }"

META = {
    "id": "abc123",
    "title": "Feedback Garden",
    "description": "Trails that fade.\nSecond line with ünïcode.",
    "tags": ["feedback", "multipass"],
    "author": "ada",
    "created_at": "2024-03-01T12:00:00+00:00",
}


def make_input(channel: int, source: str, filter: str = "linear", wrap: str = "clamp") -> dict:
    """An input in the version format."""
    return {"channel": channel, "source": source, "filter": filter, "wrap": wrap}


MULTIPASS = {
    "common": "#define TAU 6.2831853\nfloat wave(float x) { return sin(TAU * x); }\n",
    "passes": [
        {
            "name": "Image",
            "code": IMAGE,
            "inputs": [
                make_input(0, "Buffer A"),
                make_input(1, "Buffer D", "nearest", "repeat"),
                make_input(3, "texture:checker", "mipmap", "repeat"),
            ],
        },
        {
            "name": "Buffer A",
            "code": BUFFER,
            "inputs": [make_input(0, "Buffer A"), make_input(2, "texture:noise-gray", "nearest")],
        },
        {"name": "Buffer B", "code": BUFFER, "inputs": [make_input(0, "Buffer A")]},
        {"name": "Buffer C", "code": BUFFER, "inputs": []},
        {"name": "Buffer D", "code": BUFFER, "inputs": [make_input(1, "texture:noise-rgba")]},
    ],
}

SINGLE = {"common": "", "passes": [{"name": "Image", "code": IMAGE, "inputs": []}]}


def api_shader(renderpass: list[dict], **info: object) -> dict:
    """A document shaped like Shadertoy's API answer."""
    return {
        "Shader": {"ver": "0.1", "info": {"name": "Imported", **info}, "renderpass": renderpass}
    }


def image_pass(inputs: list | None = None, **extra: object) -> dict:
    """A Shadertoy image renderpass."""
    return {
        "inputs": inputs or [],
        "outputs": [{"id": 37, "channel": 0}],
        "code": IMAGE,
        "name": "Image",
        "description": "",
        "type": "image",
        **extra,
    }


# --- export ------------------------------------------------------------------------------------


def test_export_has_shadertoy_top_level_shape() -> None:
    doc = to_shadertoy(META, MULTIPASS)
    assert set(doc) == {"ver", "info", "renderpass"}
    assert doc["ver"] == "0.1"
    assert set(doc["info"]) == {
        "id",
        "date",
        "viewed",
        "name",
        "username",
        "description",
        "likes",
        "published",
        "flags",
        "usePreview",
        "tags",
        "hasliked",
    }
    assert doc["info"]["id"] == "abc123"
    assert doc["info"]["name"] == "Feedback Garden"
    assert doc["info"]["username"] == "ada"
    assert doc["info"]["tags"] == ["feedback", "multipass"]
    assert doc["info"]["date"] == "1709294400"


def test_export_is_json_serialisable() -> None:
    doc = to_shadertoy(META, MULTIPASS)
    assert json.loads(json.dumps(doc)) == doc


def test_export_puts_common_first_with_type_common() -> None:
    doc = to_shadertoy(META, MULTIPASS)
    first = doc["renderpass"][0]
    assert first["type"] == "common"
    assert first["name"] == "Common"
    assert first["code"] == MULTIPASS["common"]
    assert first["inputs"] == [] and first["outputs"] == []


def test_export_omits_empty_common() -> None:
    doc = to_shadertoy(META, SINGLE)
    assert [p["type"] for p in doc["renderpass"]] == ["image"]
    assert doc["info"]["flags"] == 0


def test_export_uses_shadertoy_output_ids() -> None:
    doc = to_shadertoy(META, MULTIPASS)
    outputs = {p["name"]: p["outputs"] for p in doc["renderpass"] if p["type"] != "common"}
    assert outputs == {
        "Image": [{"id": "4dfGRr", "channel": 0}],
        "Buffer A": [{"id": "4dXGR8", "channel": 0}],
        "Buffer B": [{"id": "XsXGR8", "channel": 0}],
        "Buffer C": [{"id": "4sXGR8", "channel": 0}],
        "Buffer D": [{"id": "XdfGR8", "channel": 0}],
    }
    types = {p["name"]: p["type"] for p in doc["renderpass"]}
    assert types["Image"] == "image" and types["Buffer C"] == "buffer"
    assert doc["info"]["flags"] == 32


def test_export_buffer_input_references_buffer_output_id() -> None:
    doc = to_shadertoy(META, MULTIPASS)
    image = next(p for p in doc["renderpass"] if p["type"] == "image")
    first = image["inputs"][0]
    assert first["ctype"] == "buffer"
    assert first["id"] == "4dXGR8"
    assert first["channel"] == 0
    assert first["src"] == "/media/previz/buffer00.png"
    assert first["sampler"] == {
        "filter": "linear",
        "wrap": "clamp",
        "vflip": "true",
        "srgb": "false",
        "internal": "byte",
    }
    assert image["inputs"][1]["id"] == "XdfGR8"


def test_export_builtin_texture_has_stable_src() -> None:
    doc = to_shadertoy(META, MULTIPASS)
    image = next(p for p in doc["renderpass"] if p["type"] == "image")
    texture = image["inputs"][2]
    assert texture["ctype"] == "texture"
    assert texture["src"] == "/presets/tex-checker.png"
    assert texture["sampler"]["filter"] == "mipmap"
    assert texture["sampler"]["wrap"] == "repeat"


def test_export_without_created_at_has_date_zero() -> None:
    doc = to_shadertoy(META | {"created_at": None}, SINGLE)
    assert doc["info"]["date"] == "0"


def test_export_naive_created_at_is_read_as_utc() -> None:
    doc = to_shadertoy(META | {"created_at": "2024-03-01T12:00:00"}, SINGLE)
    assert doc["info"]["date"] == "1709294400"


def test_export_does_not_modify_its_arguments() -> None:
    meta, version = copy.deepcopy(META), copy.deepcopy(MULTIPASS)
    to_shadertoy(meta, version)
    assert meta == META and version == MULTIPASS


# --- round trip --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [MULTIPASS, SINGLE], ids=["multipass", "single"])
def test_round_trip_gives_back_version_and_meta(version: dict) -> None:
    meta, back = from_shadertoy(to_shadertoy(META, version))
    assert back == version
    assert meta == {
        "title": META["title"],
        "description": META["description"],
        "tags": META["tags"],
    }


def test_round_trip_survives_json_text() -> None:
    text = json.dumps(to_shadertoy(META, MULTIPASS))
    assert from_shadertoy(json.loads(text))[1] == MULTIPASS


def test_round_trip_keeps_pass_order() -> None:
    version = {"common": "", "passes": list(reversed(MULTIPASS["passes"]))}
    assert from_shadertoy(to_shadertoy(META, version))[1] == version


def test_round_trip_of_every_demo_shader() -> None:
    from fractafrag.demo.build import OUTPUT

    for demo in json.loads(OUTPUT.read_text(encoding="utf-8")):
        meta = {"id": demo["slug"], "title": demo["title"], "description": demo["description"]}
        meta |= {"tags": demo["tags"], "author": "fractafrag", "created_at": None}
        imported_meta, version = from_shadertoy(to_shadertoy(meta, demo["version"]))
        assert version == demo["version"], demo["slug"]
        assert imported_meta["title"] == demo["title"]


# --- import: accepted shapes -------------------------------------------------------------------


def test_import_accepts_api_wrapper_bare_shader_and_list_of_one() -> None:
    wrapped = api_shader([image_pass()])
    bare = wrapped["Shader"]
    expected = from_shadertoy(wrapped)
    assert from_shadertoy(bare) == expected
    assert from_shadertoy([bare]) == expected
    assert from_shadertoy([wrapped]) == expected
    assert expected[1] == SINGLE


def test_import_api_format_with_numeric_ids_and_buf_names() -> None:
    doc = api_shader(
        [
            image_pass(
                [
                    {
                        "id": 257,
                        "src": "/media/previz/buffer00.png",
                        "ctype": "buffer",
                        "channel": 0,
                        "sampler": {"filter": "linear", "wrap": "clamp", "vflip": "true"},
                        "published": 1,
                    }
                ]
            ),
            {
                "inputs": [{"id": 257, "ctype": "buffer", "channel": "0"}],
                "outputs": [{"id": 257, "channel": 0}],
                "code": BUFFER,
                "name": "Buf A",
                "description": "",
                "type": "buffer",
            },
        ],
        description="d",
        tags=["t"],
    )
    meta, version = from_shadertoy(doc)
    assert meta == {"title": "Imported", "description": "d", "tags": ["t"]}
    assert version["passes"] == [
        {"name": "Image", "code": IMAGE, "inputs": [make_input(0, "Buffer A")]},
        {"name": "Buffer A", "code": BUFFER, "inputs": [make_input(0, "Buffer A")]},
    ]


def test_import_site_export_format_with_type_and_filepath_keys() -> None:
    doc = [
        {
            "ver": "0.1",
            "info": {"id": "x", "name": "Site export", "description": "", "tags": []},
            "renderpass": [
                image_pass(
                    [
                        {
                            "id": "XsXGR8",
                            "filepath": "/media/previz/buffer01.png",
                            "previewfilepath": "/media/previz/buffer01.png",
                            "type": "buffer",
                            "channel": 1,
                            "sampler": {"filter": "nearest", "wrap": "repeat", "vflip": "true"},
                            "published": 1,
                        }
                    ]
                ),
                {
                    "inputs": [],
                    "outputs": [{"id": "XsXGR8", "channel": 0}],
                    "code": BUFFER,
                    "name": "Buffer B",
                    "type": "buffer",
                },
            ],
        }
    ]
    _, version = from_shadertoy(doc)
    assert version["passes"][0]["inputs"] == [make_input(1, "Buffer B", "nearest", "repeat")]
    assert version["passes"][1]["name"] == "Buffer B"


def test_import_resolves_buffers_by_the_documents_own_output_ids() -> None:
    doc = api_shader(
        [
            image_pass([{"id": "custom-id", "ctype": "buffer", "channel": 0}]),
            {"outputs": [{"id": "custom-id"}], "code": BUFFER, "name": "Buf C", "type": "buffer"},
        ]
    )
    _, version = from_shadertoy(doc)
    assert version["passes"][1]["name"] == "Buffer C"
    assert version["passes"][0]["inputs"][0]["source"] == "Buffer C"


def test_import_unknown_texture_becomes_the_placeholder_remembering_its_file() -> None:
    texture = {
        "id": 30,
        "src": "/media/a/0123456789abcdef.png",
        "ctype": "texture",
        "channel": 2,
        "sampler": {"filter": "mipmap", "wrap": "repeat", "vflip": "true"},
    }
    _, version = from_shadertoy(api_shader([image_pass([texture])]))
    assert version["passes"][0]["inputs"] == [
        make_input(2, "texture:placeholder", "mipmap", "repeat")
        | {"shadertoy": {"ctype": "texture", "src": "/media/a/0123456789abcdef.png"}}
    ]


def test_import_texture_without_sampler_uses_shadertoy_defaults() -> None:
    texture = {"id": 30, "src": "/presets/tex-noise-gray.png", "ctype": "texture", "channel": 0}
    _, version = from_shadertoy(api_shader([image_pass([texture])]))
    assert version["passes"][0]["inputs"] == [
        make_input(0, "texture:noise-gray", "mipmap", "repeat")
    ]


def test_import_missing_description_and_tags_default_to_empty() -> None:
    meta, _ = from_shadertoy(api_shader([image_pass()]))
    assert meta == {"title": "Imported", "description": "", "tags": []}


def test_import_returns_common_code() -> None:
    common = {"inputs": [], "outputs": [], "code": "float k;", "name": "Common", "type": "common"}
    _, version = from_shadertoy(api_shader([common, image_pass()]))
    assert version["common"] == "float k;"


# --- import: errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("just text", "got str"),
        ([], "list holds 0"),
        ([{}, {}], "list holds 2"),
        ({"Error": "Shader not found"}, "Shadertoy returned an error: Shader not found"),
        ({"Shader": []}, "'Shader' must be an object"),
        ({"renderpass": []}, "Missing 'info' in shader"),
        ({"info": {"name": "x"}}, "Missing 'renderpass' in shader"),
        ({"info": [], "renderpass": []}, "'info' in shader must be an object"),
        ({"info": {"name": "x"}, "renderpass": {}}, "'renderpass' in shader must be a list"),
        ({"info": {}, "renderpass": []}, "Missing 'name' in info"),
        ({"info": {"name": 5}, "renderpass": []}, "'name' in info must be a string"),
        ({"info": {"name": "x", "tags": "a,b"}, "renderpass": []}, "info.tags must be a list"),
        ({"info": {"name": "x"}, "renderpass": []}, "renderpass is empty"),
        ({"info": {"name": "x"}, "renderpass": ["pass"]}, "renderpass[0] must be an object"),
        (
            {"info": {"name": "x"}, "renderpass": [{"code": ""}]},
            "renderpass[0] is missing its 'type'",
        ),
    ],
)
def test_import_malformed_document_names_the_problem(doc: object, message: str) -> None:
    with pytest.raises(ShadertoyFormatError) as caught:
        from_shadertoy(doc)
    assert message in caught.value.message


def test_import_without_image_pass_is_an_error() -> None:
    buffer = {"outputs": [{"id": 257}], "code": BUFFER, "name": "Buf A", "type": "buffer"}
    with pytest.raises(ShadertoyFormatError, match='no pass of type "image"'):
        from_shadertoy(api_shader([buffer]))


def test_import_code_must_be_a_string() -> None:
    with pytest.raises(ShadertoyFormatError, match=r"renderpass\[0\] \(Image\): code must be"):
        from_shadertoy(api_shader([image_pass(code=None)]))


def test_import_leaves_sound_and_cubemap_passes_out() -> None:
    sound = {"code": "vec2 mainSound(int s, float t) { return vec2(0); }", "name": "Sound"}
    cube = {"code": "void mainCubemap(out vec4 c, in vec2 f, in vec3 o, in vec3 d) {}",
            "name": "Cube A", "outputs": [{"id": "4dX3Rr", "channel": 0}]}
    _, version = from_shadertoy(api_shader([image_pass(), sound | {"type": "sound"},
                                            cube | {"type": "cubemap"}]))
    assert [p["name"] for p in version["passes"]] == ["Image"]


@pytest.mark.parametrize(("kind", "source"), [
    ("keyboard", "keyboard"), ("mic", "mic"), ("webcam", "webcam"), ("video", "video"),
    ("music", "music"), ("musicstream", "music"), ("cubemap", "cubemap:placeholder"),
    ("volume", "volume:noise-gray")])
def test_import_maps_every_input_kind(kind: str, source: str) -> None:
    doc = api_shader([image_pass([{"id": 33, "ctype": kind, "channel": 2}])])
    _, version = from_shadertoy(doc)
    assert version["passes"][0]["inputs"][0]["source"] == source


@pytest.mark.parametrize(("src", "source", "name"), [
    ("/media/a/27012b4eadd0c3ce12498b867058e4f717ce79e10a99568cca461682d84a4b04.bin",
     "volume:noise-gray", "Grey Noise3D"),
    ("/media/a/aea6b99da1d53055107966b59ac5444fc8bc7b3ce2d0bbb6a4a3cbae1d97f3aa.bin",
     "volume:noise-rgba", "RGBA Noise3D"),
    ("/media/a/585f9546c092f53ded45332b343144396c0b2d70d9965f585ebc172080d8aa58.png",
     "cubemap:studio", "Uffizi Gallery"),
    ("/media/a/0a40562379b63dfb89227e6d172f39fdce9022cba76623f1054a2c83d6c0ba5d.png",
     "texture:noise-gray-64", "Gray Noise Small"),
    ("/media/a/e6e5631ce1237ae4c05b3563eda686400a401df4548d0f9fad40ecac1659c46c.jpg",
     "texture:placeholder", "Stars"),
])
def test_import_maps_library_media_to_the_nearest_builtin(src: str, source: str,
                                                         name: str) -> None:
    kind = source.partition(":")[0]
    spec = {"id": 33, "ctype": kind, "src": src, "channel": 0,
            "sampler": {"filter": "linear", "wrap": "repeat", "vflip": "false", "srgb": "true"}}
    _, version = from_shadertoy(api_shader([image_pass([spec])]))
    got = version["passes"][0]["inputs"][0]
    assert got["source"] == source and got["shadertoy"]["name"] == name
    assert (got["vflip"], got["srgb"], got["filter"], got["wrap"]) == (False, True, "linear",
                                                                       "repeat")
    again = from_shadertoy(to_shadertoy(META, version))[1]
    assert again == version, "export writes vflip, sRGB and what it was back"
    exported = to_shadertoy(META, version)["renderpass"][0]["inputs"][0]
    assert exported["sampler"]["vflip"] == "false" and exported["sampler"]["srgb"] == "true"
    assert exported["ctype"] == kind


def test_import_cube_buffer_input_becomes_the_cubemap_placeholder() -> None:
    doc = api_shader([image_pass([{"id": "4dX3Rr", "ctype": "buffer", "channel": 1}])])
    _, version = from_shadertoy(doc)
    assert version["passes"][0]["inputs"][0]["source"] == "cubemap:placeholder"


def test_import_bad_channel_is_an_error() -> None:
    doc = api_shader([image_pass([{"id": 257, "ctype": "buffer", "channel": 7}])])
    with pytest.raises(ShadertoyFormatError, match="channel must be 0, 1, 2 or 3, not 7"):
        from_shadertoy(doc)


def test_import_unknown_sampler_filter_is_an_error() -> None:
    spec = {"id": 257, "ctype": "buffer", "channel": 0, "sampler": {"filter": "cubic"}}
    with pytest.raises(ShadertoyFormatError, match="Image, iChannel0: sampler filter 'cubic'"):
        from_shadertoy(api_shader([image_pass([spec])]))


def test_import_buffer_input_matching_nothing_is_an_error() -> None:
    doc = api_shader([image_pass([{"id": 999, "ctype": "buffer", "channel": 0}])])
    with pytest.raises(ShadertoyFormatError, match="buffer input id 999 matches no Buffer"):
        from_shadertoy(doc)


def test_import_missing_input_type_is_an_error() -> None:
    doc = api_shader([image_pass([{"id": 1, "channel": 0}])])
    with pytest.raises(ShadertoyFormatError, match="missing or unknown input type None"):
        from_shadertoy(doc)


def test_import_two_passes_for_one_buffer_is_an_error() -> None:
    buf = {"outputs": [{"id": 257}], "code": BUFFER, "name": "Buf A", "type": "buffer"}
    with pytest.raises(ShadertoyFormatError, match="second Buffer A"):
        from_shadertoy(api_shader([image_pass(), buf, dict(buf)]))
