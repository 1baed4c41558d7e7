"""Convert shader versions to and from Shadertoy's JSON format (API and site exports).

One module (~550 lines) because import and export are one mapping read in both directions:
Shadertoy's pass types and output ids, every input kind (library textures, cubemaps and volumes
to our built-ins, keyboard, webcam, mic, video, music, buffers) and sampler field, each written
once here so an export imports back to the same version. Reading a stored shader for export
and storing an imported one are in shadertoy_io.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fractafrag.services import inputs as builtin_inputs
from fractafrag.services.media_codec import is_media_source
from fractafrag.services.shader_format import BUFFER_NAMES, FILTERS, WRAPS

BUILTIN_TEXTURES = tuple(builtin_inputs.TEXTURES)

# Shadertoy names each output by a numeric id (its API) and a short string id (its site
# exports); inputs reference these, not the pass names.
BUFFER_IDS = {"Buffer A": 257, "Buffer B": 258, "Buffer C": 259, "Buffer D": 260}
BUFFER_STRING_IDS = {
    "Buffer A": "4dXGR8",
    "Buffer B": "XsXGR8",
    "Buffer C": "4sXGR8",
    "Buffer D": "XdfGR8",
}
IMAGE_STRING_ID = "4dfGRr"
CUBEMAP_IDS = (41, "41", "4dX3Rr")

# Where a built-in texture is said to live in an export; imports map these back exactly.
TEXTURE_SOURCES = {name: f"/presets/tex-{name}.png" for name in BUILTIN_TEXTURES}
# Exports also name the exact source (built-in or media:<id>) under this key, which Shadertoy
# ignores and our import reads first, so a round trip gives back the same inputs.
SOURCE_KEY = "fractafrag_source"
ORIGINAL_KEY = "fractafrag_shadertoy"  # likewise, what an imported input was on Shadertoy

# Shadertoy's media library (files /media/a/<sha256>.<ext>; names from its site) and the
# built-in each maps to on import: the same construction where we have one, else the nearest.
# A library item we have nothing like becomes the kind's placeholder, which the owner replaces
# with their own upload (media:<id>); the input keeps what it was under "shadertoy".
LIBRARY: dict[str, tuple[str, str]] = {
    # textures
    "0a40562379b63dfb89227e6d172f39fdce9022cba76623f1054a2c83d6c0ba5d": (
        "Gray Noise Small", "texture:noise-gray-64"),
    "0c7bf5fe9462d5bffbd11126e82908e39be3ce56220d900f633d58fb432e56f5": (
        "Gray Noise Medium", "texture:noise-gray"),
    "3083c722c0c738cad0f468383167a0d246f91af2bfa373e9c5c094fb8c8413e0": (
        "RGBA Noise Small", "texture:noise-rgba-64"),
    "f735bee5b64ef98879dc618b016ecf7939a5756040c2cde21ccb15e69a6e1cfb": (
        "RGBA Noise Medium", "texture:noise-rgba"),
    "85a6d68622b36995ccb98a89bbb119edf167c914660e4450d313de049320005c": (
        "Bayer", "texture:bayer"),
    "cb49c003b454385aa9975733aff4571c62182ccdda480aaba9a8d250014f00ec": (
        "Blue Noise", "texture:blue-noise"),
    "52d2a8f514c4fd2d9866587f4d7b2a5bfa1a11a0e772077d7682deb8b3b517e5": (
        "Abstract 1", "texture:placeholder"),
    "bd6464771e47eed832c5eb2cd85cdc0bfc697786b903bfd30f890f9d4fc36657": (
        "Abstract 2", "texture:placeholder"),
    "8979352a182bde7c3c651ba2b2f4e0615de819585cc37b7175bcefbca15a6683": (
        "Abstract 3", "texture:placeholder"),
    "08b42b43ae9d3c0605da11d0eac86618ea888e62cdd9518ee8b9097488b31560": (
        "Font 1", "texture:placeholder"),
    "fb918796edc3d2221218db0811e240e72e340350008338b0c07a52bd353666a6": (
        "Lichen", "texture:placeholder"),
    "8de3a3924cb95bd0e95a443fff0326c869f9d4979cd1d5b6e94e2a01f5be53e9": (
        "London", "texture:placeholder"),
    "cbcbb5a6cfb55c36f8f021fbb0e3f69ac96339a39fa85cd96f2017a2192821b5": (
        "Nyancat", "texture:placeholder"),
    "cd4c518bc6ef165c39d4405b347b51ba40f8d7a065ab0e8d2e4f422cbc1e8a43": (
        "Organic 1", "texture:placeholder"),
    "92d7758c402f0927011ca8d0a7e40251439fba3a1dac26f5b8b62026323501aa": (
        "Organic 2", "texture:placeholder"),
    "79520a3d3a0f4d3caa440802ef4362e99d54e12b1392973e4ea321840970a88a": (
        "Organic 3", "texture:placeholder"),
    "3871e838723dd6b166e490664eead8ec60aedd6b8d95bc8e2fe3f882f0fd90f0": (
        "Organic 4", "texture:placeholder"),
    "ad56fba948dfba9ae698198c109e71f118a54d209c0ea50d77ea546abad89c57": (
        "Pebbles", "texture:placeholder"),
    "10eb4fe0ac8a7dc348a2cc282ca5df1759ab8bf680117e4047728100969e7b43": (
        "Rock Tiles", "texture:placeholder"),
    "95b90082f799f48677b4f206d856ad572f1d178c676269eac6347631d4447258": (
        "Rusty Metal", "texture:placeholder"),
    "e6e5631ce1237ae4c05b3563eda686400a401df4548d0f9fad40ecac1659c46c": (
        "Stars", "texture:placeholder"),
    "1f7dca9c22f324751f2a5a59c9b181dfe3b5564a04b724c657732d0bf09c99db": (
        "Wood", "texture:placeholder"),
    # cubemaps (face 0's file; the others add _1 … _5)
    "94284d43be78f00eb6b298e6d78656a1b34e2b91b34940d02f1ca8b22310e8a0": (
        "Forest", "cubemap:sky"),
    "0681c014f6c88c356cf9c0394ffe015acc94ec1474924855f45d22c3e70b5785": (
        "Forest Blurred", "cubemap:sky"),
    "488bd40303a2e2b9a71987e48c66ef41f5e937174bf316d3ed0e86410784b919": (
        "St. Peter's Basilica", "cubemap:studio"),
    "550a8cce1bf403869fde66dddf6028dd171f1852f4a704a465e1b80d23955663": (
        "St. Peter's Basilica Blurred", "cubemap:studio"),
    "585f9546c092f53ded45332b343144396c0b2d70d9965f585ebc172080d8aa58": (
        "Uffizi Gallery", "cubemap:studio"),
    "793a105653fbdadabdc1325ca08675e1ce48ae5f12e37973829c87bea4be3232": (
        "Uffizi Gallery Blurred", "cubemap:studio"),
    # volumes
    "27012b4eadd0c3ce12498b867058e4f717ce79e10a99568cca461682d84a4b04": (
        "Grey Noise3D", "volume:noise-gray"),
    "aea6b99da1d53055107966b59ac5444fc8bc7b3ce2d0bbb6a4a3cbae1d97f3aa": (
        "RGBA Noise3D", "volume:noise-rgba"),
}
# What an input of a kind we cannot identify becomes.
PLACEHOLDERS = {"texture": "texture:placeholder", "cubemap": "cubemap:placeholder",
                "volume": "volume:noise-gray", "music": "music", "musicstream": "music",
                "soundcloud": "music", "sound": "music"}
# Kinds that are a source of their own.
LIVE_KINDS = {"keyboard": "keyboard", "mic": "mic", "webcam": "webcam", "video": "video"}
# Exported src of the built-ins Shadertoy has its own file for (the first library match).
LIBRARY_SRC: dict[str, str] = {}
for _hash, (_name, _source) in LIBRARY.items():
    if not _source.endswith("placeholder"):
        _ext = "bin" if _source.startswith("volume:") else "png"
        LIBRARY_SRC.setdefault(_source, f"/media/a/{_hash}.{_ext}")
_MEDIA_HASH = re.compile(r"/([0-9a-f]{40,64})(?:_\d+)?\.[a-z0-9]+$", re.IGNORECASE)

# Passes Fractafrag cannot run; they are left out of an import (a Sound pass makes only audio;
# a Cubemap pass's readers get cubemap:placeholder).
SKIPPED_PASS_TYPES = ("sound", "cubemap")
SUPPORTED_PASS_TYPES = ("image", "buffer", "common")

# Shadertoy sets bit 32 of info.flags on shaders that have buffer passes.
MULTIPASS_FLAG = 32


class ShadertoyFormatError(ValueError):
    """The document is not a Shadertoy shader Fractafrag can import; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def to_shadertoy(meta: dict[str, Any], version: dict[str, Any],
                 media: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Export a version as a Shadertoy shader document ({"ver", "info", "renderpass"}).

    media maps the `media:<id>` sources to what they are ({"kind": "image" | "audio" |
    "video"}), so an uploaded video exports as a Shadertoy video input and audio as music
    (an image, or a medium not given, as a texture)."""
    passes = version.get("passes", [])
    common = version.get("common", "")
    renderpass: list[dict[str, Any]] = []
    if common:
        renderpass.append(
            {
                "inputs": [],
                "outputs": [],
                "code": common,
                "name": "Common",
                "description": "",
                "type": "common",
            }
        )
    for spec in passes:
        name = spec["name"]
        is_image = name == "Image"
        renderpass.append(
            {
                "inputs": [_export_input(i, media or {}) for i in spec.get("inputs", [])],
                "outputs": [
                    {"id": IMAGE_STRING_ID if is_image else BUFFER_STRING_IDS[name], "channel": 0}
                ],
                "code": spec["code"],
                "name": name,
                "description": "",
                "type": "image" if is_image else "buffer",
            }
        )
    multipass = any(spec["name"] in BUFFER_NAMES for spec in passes)
    return {
        "ver": "0.1",
        "info": {
            "id": str(meta.get("id") or ""),
            "date": _unix_date(meta.get("created_at")),
            "viewed": int(meta.get("views") or 0),
            "name": meta.get("title") or "",
            "username": meta.get("author") or "",
            "description": meta.get("description") or "",
            "likes": int(meta.get("likes") or 0),
            "published": 3,
            "flags": MULTIPASS_FLAG if multipass else 0,
            "usePreview": 0,
            "tags": list(meta.get("tags") or []),
            "hasliked": 0,
        },
        "renderpass": renderpass,
    }


def from_shadertoy(doc: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Import a Shadertoy shader as (meta {title, description, tags}, version).

    Accepts a bare shader {"info", "renderpass"}, the API's {"Shader": {...}} wrapper, or a
    list holding exactly one of those (the site's export). Buffers are matched by output id
    (numeric 257-260 or string ids such as "4dXGR8"), by name ("Buffer A" or "Buf A"), or
    by the preview image path. Every input kind imports (_import_input): Shadertoy's library
    media map to the nearest built-in (LIBRARY), anything else to its kind's default built-in
    input, which the owner may swap for an upload of their own. Sound and Cubemap passes are
    left out.
    """
    shader = _unwrap(doc)
    info = _require(shader, "info", dict, "shader")
    raw_passes = _require(shader, "renderpass", list, "shader")
    title = _require(info, "name", str, "info")
    description = info.get("description", "")
    if description is None:
        description = ""
    if not isinstance(description, str):
        raise ShadertoyFormatError("info.description must be a string.")
    tags = info.get("tags", [])
    if tags is None:
        tags = []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ShadertoyFormatError("info.tags must be a list of strings.")
    if not raw_passes:
        raise ShadertoyFormatError("renderpass is empty: a shader needs at least an image pass.")

    labelled = [_pass_label(index, p) for index, p in enumerate(raw_passes)]
    names = _assign_names(raw_passes, labelled)
    ids = _output_ids(raw_passes, names)
    common = ""
    passes: list[dict[str, Any]] = []
    for index, raw in enumerate(raw_passes):
        kind = raw["type"]
        if kind in SKIPPED_PASS_TYPES:
            continue
        code = raw.get("code")
        if not isinstance(code, str):
            raise ShadertoyFormatError(
                f"renderpass[{index}] ({labelled[index]}): code must be a string."
            )
        if kind == "common":
            common = code
            continue
        name = names[index]
        inputs = raw.get("inputs") or []
        if not isinstance(inputs, list):
            raise ShadertoyFormatError(f"renderpass[{index}] ({name}): inputs must be a list.")
        passes.append(
            {
                "name": name,
                "code": code,
                "inputs": [
                    _import_input(name, index, k, spec, ids) for k, spec in enumerate(inputs)
                ],
            }
        )
    if "Image" not in names.values():
        raise ShadertoyFormatError('renderpass has no pass of type "image".')
    meta = {"title": title, "description": description, "tags": list(tags)}
    return meta, {"common": common, "passes": passes}


def _export_input(spec: dict[str, Any], media: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One version input as a Shadertoy renderpass input (vflip, sRGB, filter and wrap kept;
    the exact source under SOURCE_KEY for our own import)."""
    source = spec["source"]
    extra: dict[str, Any] = {}
    if source in BUFFER_NAMES:
        ident: str | int = BUFFER_STRING_IDS[source]
        ctype = "buffer"
        src = f"/media/previz/buffer{BUFFER_NAMES.index(source):02d}.png"
    else:
        # Shadertoy only needs input ids to be unique; 100+ stays clear of its buffer ids.
        sources = builtin_inputs.builtin_sources()
        ident = 100 + (sources.index(source) if source in sources else len(sources))
        kept = spec.get("shadertoy")
        original: dict[str, Any] = kept if isinstance(kept, dict) else {}
        prefix = source.partition(":")[0]
        name = source[len(prefix) + 1:]
        if source in LIBRARY_SRC:  # Shadertoy's own file for what we generate alike
            ctype, src = prefix, LIBRARY_SRC[source]
        elif prefix == "texture" and name in TEXTURE_SOURCES:
            ctype, src = "texture", TEXTURE_SOURCES[name]
        elif prefix in ("cubemap", "volume"):
            ctype, src = prefix, f"/presets/{prefix}-{name}.png"
        elif is_media_source(source):
            kind: str | None = (media.get(source) or {}).get("kind")
            ctype, src = {"video": "video", "audio": "music"}.get(kind or "", "texture"), ""
        else:  # keyboard, mic, webcam, video, music
            ctype, src = source, ""
        was_src, was_kind = original.get("src"), original.get("ctype")
        if isinstance(was_src, str) and was_src and isinstance(was_kind, str) and (
                was_kind in PLACEHOLDERS) and (source.endswith("placeholder") or source == "music"):
            ctype, src = original["ctype"], original["src"]  # what it was on Shadertoy
        extra[SOURCE_KEY] = source
        if original:
            extra[ORIGINAL_KEY] = original
    return {
        "id": ident,
        "src": src,
        "ctype": ctype,
        "channel": spec["channel"],
        "sampler": {
            "filter": spec.get("filter", "linear"),
            "wrap": spec.get("wrap", "clamp"),
            "vflip": "false" if spec.get("vflip") is False else "true",
            "srgb": "true" if spec.get("srgb") is True else "false",
            "internal": "byte",
        },
        "published": 1,
        # The site's own export spells these "type" and "filepath"; writing both keeps
        # tools that read either spelling working.
        "type": ctype,
        "filepath": src,
        "previewfilepath": src,
        **extra,
    }


def _unix_date(created_at: object) -> str:
    """Shadertoy's info.date: seconds since the epoch as a string ("0" when unknown)."""
    if isinstance(created_at, datetime):
        moment = created_at
    elif isinstance(created_at, str) and created_at:
        try:
            moment = datetime.fromisoformat(created_at)
        except ValueError:
            return "0"
    else:
        return "0"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return str(int(moment.timestamp()))


def _unwrap(doc: Any) -> dict[str, Any]:
    """The shader object inside a bare, {"Shader": ...}-wrapped or one-item-list document."""
    if isinstance(doc, list):
        if len(doc) != 1:
            raise ShadertoyFormatError(
                f"Expected one shader, but the list holds {len(doc)}; import them one at a time."
            )
        doc = doc[0]
    if not isinstance(doc, dict):
        raise ShadertoyFormatError(
            f"Expected a JSON object with 'info' and 'renderpass', got {type(doc).__name__}."
        )
    if "Error" in doc and "Shader" not in doc:
        raise ShadertoyFormatError(f"Shadertoy returned an error: {doc['Error']}")
    if "Shader" in doc:
        doc = doc["Shader"]
        if not isinstance(doc, dict):
            raise ShadertoyFormatError("'Shader' must be an object with 'info' and 'renderpass'.")
    return doc


def _require(container: dict[str, Any], key: str, kind: type, where: str) -> Any:
    """container[key], checked to exist and be of type kind."""
    if key not in container:
        raise ShadertoyFormatError(f"Missing '{key}' in {where}.")
    value = container[key]
    if not isinstance(value, kind):
        names: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}
        expected = names.get(kind, kind.__name__)
        raise ShadertoyFormatError(f"'{key}' in {where} must be {expected}.")
    return value


def _pass_label(index: int, raw: Any) -> str:
    """A readable name for a renderpass in error messages; checks its type field."""
    if not isinstance(raw, dict):
        raise ShadertoyFormatError(f"renderpass[{index}] must be an object.")
    kind = raw.get("type")
    if not isinstance(kind, str):
        raise ShadertoyFormatError(f"renderpass[{index}] is missing its 'type'.")
    given = raw.get("name")
    name = given if isinstance(given, str) and given else kind
    if kind not in SUPPORTED_PASS_TYPES + SKIPPED_PASS_TYPES:
        raise ShadertoyFormatError(
            f"renderpass[{index}] ({name}) has type '{kind}'; Fractafrag supports image, "
            "buffer and common passes (sound and cubemap passes are left out)."
        )
    return name


def _buffer_from_name(name: object) -> str | None:
    """'Buffer A' for names like "Buffer A", "Buf A" or "buf a", else None."""
    if not isinstance(name, str):
        return None
    words = name.split()
    if len(words) == 2 and words[0].lower() in ("buf", "buffer") and words[1].upper() in "ABCD":
        return f"Buffer {words[1].upper()}"
    return None


def _buffer_from_id(ident: object) -> str | None:
    """The buffer a Shadertoy output/input id stands for, else None."""
    for name in BUFFER_NAMES:
        if ident in (BUFFER_IDS[name], str(BUFFER_IDS[name]), BUFFER_STRING_IDS[name]):
            return name
    return None


def _buffer_from_path(path: object) -> str | None:
    """The buffer behind Shadertoy's preview path /media/previz/bufferNN.png, else None."""
    if not isinstance(path, str):
        return None
    for index, name in enumerate(BUFFER_NAMES):
        if path.endswith(f"/previz/buffer{index:02d}.png"):
            return name
    return None


def _assign_names(raw_passes: list[dict[str, Any]], labels: list[str]) -> dict[int, str]:
    """Fractafrag pass names by renderpass index (common passes are left out)."""
    names: dict[int, str] = {}
    unnamed: list[int] = []
    seen_common = False
    for index, raw in enumerate(raw_passes):
        kind = raw["type"]
        if kind in SKIPPED_PASS_TYPES:
            continue
        if kind == "common":
            if seen_common:
                raise ShadertoyFormatError("renderpass has two common passes; only one is allowed.")
            seen_common = True
            continue
        if kind == "image":
            name: str | None = "Image"
        else:
            outputs = raw.get("outputs") or []
            from_id = next(
                (_buffer_from_id(o.get("id")) for o in outputs if isinstance(o, dict)), None
            )
            name = from_id or _buffer_from_name(raw.get("name"))
        if name is None:
            unnamed.append(index)
            continue
        if name in names.values():
            raise ShadertoyFormatError(
                f"renderpass[{index}] ({labels[index]}) is a second {name}; each pass may "
                "appear once."
            )
        names[index] = name
    for index in unnamed:
        free = [n for n in BUFFER_NAMES if n not in names.values()]
        if not free:
            raise ShadertoyFormatError(
                f"renderpass[{index}] ({labels[index]}): more than four buffer passes."
            )
        names[index] = free[0]
    return names


def _output_ids(raw_passes: list[dict[str, Any]], names: dict[int, str]) -> dict[str, str]:
    """Map every output id the document declares (as a string) to its pass name."""
    ids: dict[str, str] = {}
    for index, name in names.items():
        for output in raw_passes[index].get("outputs") or []:
            if isinstance(output, dict) and output.get("id") is not None:
                ids[str(output["id"])] = name
    return ids


def _channel(value: object, where: str) -> int:
    """A channel number 0-3 from an int or a digit string."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3:
        raise ShadertoyFormatError(f"{where}: channel must be 0, 1, 2 or 3, not {value!r}.")
    return value


def _import_input(pass_name: str, index: int, k: int, spec: Any, ids: dict[str, str]
                  ) -> dict[str, Any]:
    """One Shadertoy input as a version input: buffers by id, library media by their file
    (LIBRARY), keyboard/mic/webcam/video as themselves, anything else as its kind's
    placeholder (keeping what it was under "shadertoy"); vflip and sRGB are kept when they
    differ from the defaults (vflip on, sRGB off)."""
    where = f"renderpass[{index}] ({pass_name}) input {k}"
    if not isinstance(spec, dict):
        raise ShadertoyFormatError(f"{where} must be an object.")
    number = _channel(spec.get("channel"), where)
    where = f"{pass_name}, iChannel{number}"
    kind = spec.get("ctype", spec.get("type"))
    src = spec.get("src", spec.get("filepath"))
    ident = spec.get("id")
    original: dict[str, Any] | None = None
    exact = spec.get(SOURCE_KEY)
    if kind == "buffer" and ident in CUBEMAP_IDS:
        source = PLACEHOLDERS["cubemap"]
        original = {"ctype": "cubemap-pass", "id": str(ident)}
    elif kind == "buffer":
        buffer = (
            (ids.get(str(ident)) if ident is not None else None)
            or _buffer_from_id(ident)
            or _buffer_from_path(src)
        )
        if buffer is None or buffer == "Image":
            raise ShadertoyFormatError(
                f"{where}: buffer input id {ident!r} matches no Buffer A-D output."
            )
        source = buffer
    elif isinstance(exact, str) and (builtin_inputs.is_builtin(exact) or is_media_source(exact)):
        source = exact
        if isinstance(spec.get(ORIGINAL_KEY), dict):
            original = spec[ORIGINAL_KEY]
    elif kind == "texture" and src in TEXTURE_SOURCES.values():
        source = next(f"texture:{n}" for n, path in TEXTURE_SOURCES.items() if path == src)
    elif kind in LIVE_KINDS:
        source = LIVE_KINDS[kind]
    elif isinstance(kind, str) and kind in PLACEHOLDERS:
        found = _MEDIA_HASH.search(src) if isinstance(src, str) else None
        name, mapped = LIBRARY.get(found.group(1).lower(), ("", "")) if found else ("", "")
        if mapped and builtin_inputs.sampler_of(mapped) == builtin_inputs.sampler_of(
                PLACEHOLDERS[kind]):
            source = mapped
        else:
            source = PLACEHOLDERS[kind]
        original = {"ctype": kind, "src": src if isinstance(src, str) else ""}
        if name:
            original["name"] = name
    else:
        raise ShadertoyFormatError(
            f"{where}: missing or unknown input type {kind!r} (expected buffer, texture, "
            "cubemap, volume, keyboard, mic, webcam, video or music)."
        )
    sampler = spec.get("sampler") or {}
    if not isinstance(sampler, dict):
        raise ShadertoyFormatError(f"{where}: sampler must be an object.")
    default_filter, default_wrap = ("linear", "clamp") if kind == "buffer" else ("mipmap", "repeat")
    filter_ = sampler.get("filter", default_filter)
    wrap = sampler.get("wrap", default_wrap)
    if filter_ not in FILTERS:
        raise ShadertoyFormatError(
            f"{where}: sampler filter {filter_!r} is not one of {', '.join(FILTERS)}."
        )
    if wrap not in WRAPS:
        raise ShadertoyFormatError(
            f"{where}: sampler wrap {wrap!r} is not one of {', '.join(WRAPS)}."
        )
    made: dict[str, Any] = {"channel": number, "source": source, "filter": filter_, "wrap": wrap}
    if kind != "buffer":
        if _flag(sampler.get("vflip"), True) is False:
            made["vflip"] = False
        if _flag(sampler.get("srgb"), False) is True:
            made["srgb"] = True
    if original is not None:
        made["shadertoy"] = original
    return made


def _flag(value: object, default: bool) -> bool:
    """Shadertoy's "true"/"false" strings (or booleans) as a bool."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return default
