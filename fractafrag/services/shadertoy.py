"""Convert shader versions to and from Shadertoy's JSON format (API and site exports)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

BUFFER_NAMES = ("Buffer A", "Buffer B", "Buffer C", "Buffer D")
BUILTIN_TEXTURES = ("noise-rgba", "noise-gray", "checker")
FILTERS = ("linear", "nearest", "mipmap")
WRAPS = ("clamp", "repeat")

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
FALLBACK_TEXTURE = "texture:noise-rgba"

UNSUPPORTED_INPUTS = (
    "cubemap",
    "keyboard",
    "sound",
    "music",
    "musicstream",
    "mic",
    "video",
    "webcam",
    "volume",
)
SUPPORTED_PASS_TYPES = ("image", "buffer", "common")

# Shadertoy sets bit 32 of info.flags on shaders that have buffer passes.
MULTIPASS_FLAG = 32


class ShadertoyFormatError(ValueError):
    """The document is not a Shadertoy shader Fractafrag can import; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def to_shadertoy(meta: dict, version: dict) -> dict:
    """Export a version as a Shadertoy shader document ({"ver", "info", "renderpass"})."""
    passes = version.get("passes", [])
    common = version.get("common", "")
    renderpass: list[dict] = []
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
                "inputs": [_export_input(i) for i in spec.get("inputs", [])],
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


def from_shadertoy(doc: Any) -> tuple[dict, dict]:
    """Import a Shadertoy shader as (meta {title, description, tags}, version).

    Accepts a bare shader {"info", "renderpass"}, the API's {"Shader": {...}} wrapper, or a
    list holding exactly one of those (the site's export). Buffers are matched by output id
    (numeric 257-260 or string ids such as "4dXGR8"), by name ("Buffer A" or "Buf A"), or
    by the preview image path. Texture inputs whose `src` is not one of Fractafrag's own
    built-in paths (Shadertoy's media library, say) become the closest built-in,
    `texture:noise-rgba`, because Fractafrag cannot fetch third-party images. Keyboard,
    sound, music, microphone, video, webcam, cubemap and volume inputs are refused, as are
    Sound and Cubemap passes.
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
    passes: list[dict] = []
    for index, raw in enumerate(raw_passes):
        kind = raw["type"]
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


def _export_input(spec: dict) -> dict:
    """One version input as a Shadertoy renderpass input."""
    source = spec["source"]
    if source in BUFFER_NAMES:
        ident: str | int = BUFFER_STRING_IDS[source]
        ctype = "buffer"
        src = f"/media/previz/buffer{BUFFER_NAMES.index(source):02d}.png"
    else:
        texture = source.removeprefix("texture:")
        # Shadertoy only needs input ids to be unique; 100+ stays clear of its buffer ids.
        ident = 100 + BUILTIN_TEXTURES.index(texture)
        ctype = "texture"
        src = TEXTURE_SOURCES[texture]
    return {
        "id": ident,
        "src": src,
        "ctype": ctype,
        "channel": spec["channel"],
        "sampler": {
            "filter": spec.get("filter", "linear"),
            "wrap": spec.get("wrap", "clamp"),
            "vflip": "true",
            "srgb": "false",
            "internal": "byte",
        },
        "published": 1,
        # The site's own export spells these "type" and "filepath"; writing both keeps
        # tools that read either spelling working.
        "type": ctype,
        "filepath": src,
        "previewfilepath": src,
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


def _unwrap(doc: Any) -> dict:
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


def _require(container: dict, key: str, kind: type, where: str) -> Any:
    """container[key], checked to exist and be of type kind."""
    if key not in container:
        raise ShadertoyFormatError(f"Missing '{key}' in {where}.")
    value = container[key]
    if not isinstance(value, kind):
        expected = {dict: "an object", list: "a list", str: "a string"}.get(kind, kind.__name__)
        raise ShadertoyFormatError(f"'{key}' in {where} must be {expected}.")
    return value


def _pass_label(index: int, raw: Any) -> str:
    """A readable name for a renderpass in error messages; checks its type field."""
    if not isinstance(raw, dict):
        raise ShadertoyFormatError(f"renderpass[{index}] must be an object.")
    kind = raw.get("type")
    if not isinstance(kind, str):
        raise ShadertoyFormatError(f"renderpass[{index}] is missing its 'type'.")
    name = raw.get("name") if isinstance(raw.get("name"), str) and raw.get("name") else kind
    if kind not in SUPPORTED_PASS_TYPES:
        raise ShadertoyFormatError(
            f"renderpass[{index}] ({name}) has type '{kind}'; Fractafrag supports only image, "
            "buffer and common passes."
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


def _assign_names(raw_passes: list[dict], labels: list[str]) -> dict[int, str]:
    """Fractafrag pass names by renderpass index (common passes are left out)."""
    names: dict[int, str] = {}
    unnamed: list[int] = []
    seen_common = False
    for index, raw in enumerate(raw_passes):
        kind = raw["type"]
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


def _output_ids(raw_passes: list[dict], names: dict[int, str]) -> dict[str, str]:
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


def _import_input(pass_name: str, index: int, k: int, spec: Any, ids: dict[str, str]) -> dict:
    """One Shadertoy input as a version input; refuses the kinds Fractafrag cannot play."""
    where = f"renderpass[{index}] ({pass_name}) input {k}"
    if not isinstance(spec, dict):
        raise ShadertoyFormatError(f"{where} must be an object.")
    number = _channel(spec.get("channel"), where)
    where = f"{pass_name}, iChannel{number}"
    kind = spec.get("ctype", spec.get("type"))
    src = spec.get("src", spec.get("filepath"))
    ident = spec.get("id")
    if kind in UNSUPPORTED_INPUTS or (kind == "buffer" and ident in CUBEMAP_IDS):
        kind_label = "cubemap" if kind == "buffer" else kind
        raise ShadertoyFormatError(
            f"{where}: '{kind_label}' inputs are not supported; Fractafrag channels can read "
            "buffers and built-in textures only."
        )
    if kind == "buffer":
        source = (
            (ids.get(str(ident)) if ident is not None else None)
            or _buffer_from_id(ident)
            or _buffer_from_path(src)
        )
        if source is None or source == "Image":
            raise ShadertoyFormatError(
                f"{where}: buffer input id {ident!r} matches no Buffer A-D output."
            )
    elif kind == "texture":
        source = next(
            (f"texture:{name}" for name, path in TEXTURE_SOURCES.items() if path == src),
            FALLBACK_TEXTURE,
        )
    else:
        raise ShadertoyFormatError(
            f"{where}: missing or unknown input type {kind!r} (expected 'buffer' or 'texture')."
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
    return {"channel": number, "source": source, "filter": filter_, "wrap": wrap}
