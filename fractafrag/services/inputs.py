"""The built-in channel inputs (what `"source"` may name besides a buffer or `media:<id>`), and
which GLSL sampler type each declares. Dependency-free: the validator (glsl.py) imports it, the
API lists it (GET /api/v1/inputs), and static/js/player.js generates the same names (a test
checks the player knows every one of them).

The sampler type follows from the source's prefix alone, so the validator and the player
agree by construction: `cubemap:<name>` is a samplerCube, `volume:<name>` a sampler3D, anything
else (buffers, `texture:<name>`, `keyboard`, `mic`, `webcam`, `video`, `music`,
`media:<id>`) a sampler2D.
"""

from __future__ import annotations

from typing import Any

SAMPLER_2D, SAMPLER_CUBE, SAMPLER_3D = "sampler2D", "samplerCube", "sampler3D"

# name → (width, height, depth, what it is)
TEXTURES: dict[str, tuple[int, int, int, str]] = {
    "noise-rgba": (256, 256, 1, "RGBA white noise, 256², every channel independent"),
    "noise-gray": (256, 256, 1, "grey white noise, 256²"),
    "noise-rgba-64": (64, 64, 1, "RGBA white noise, 64²"),
    "noise-gray-64": (64, 64, 1, "grey white noise, 64²"),
    "blue-noise": (128, 128, 1, "blue noise, 128² RGBA: white noise high-pass filtered "
                                "(twice) and ranked to a uniform histogram, per channel"),
    "bayer": (8, 8, 1, "Bayer 8×8 ordered-dither matrix, (index + 0.5) / 64 in every channel"),
    "checker": (64, 64, 1, "black and white checkerboard, 8-pixel squares"),
    "placeholder": (64, 64, 1, "magenta/black checkerboard standing in for an imported "
                               "texture we do not have: replace it with your own media"),
}
VOLUMES: dict[str, tuple[int, int, int, str]] = {
    "noise-gray": (32, 32, 32, "grey white noise volume, 32³"),
    "noise-rgba": (32, 32, 32, "RGBA white noise volume, 32³"),
}
CUBEMAPS: dict[str, tuple[int, int, int, str]] = {
    "sky": (128, 128, 1, "blue sky gradient over a grey ground with a sun towards +x+y"),
    "sunset": (128, 128, 1, "orange horizon fading to a deep blue zenith, dark ground"),
    "studio": (128, 128, 1, "grey room with bright soft-box panels overhead and at the sides"),
    "placeholder": (64, 64, 1, "magenta/black checkered cube standing in for an imported "
                               "cubemap we do not have"),
}
# Sources without a name: live in the page, black (and silent) in server renders.
SPECIAL: dict[str, tuple[int, int, int, str]] = {
    "keyboard": (256, 3, 1, "row 0: key held, row 1: pressed this frame, row 2: toggled, at "
                            "x = the key's JavaScript keyCode (red channel); zeros in renders"),
    "mic": (512, 2, 1, "microphone: row 0 spectrum, row 1 waveform (after permission)"),
    "webcam": (640, 480, 1, "camera picture (after permission)"),
    "video": (640, 480, 1, "video placeholder (an import's video input): black until the "
                           "owner picks an uploaded video (media:<id>); videos are black in "
                           "renders"),
    "music": (512, 2, 1, "music placeholder (an import's sound input): silent and black until "
                         "the owner picks an uploaded audio file (media:<id>)"),
}


def sampler_of(source: object) -> str:
    """The GLSL sampler type an input with this source is declared as."""
    if isinstance(source, str) and source.startswith("cubemap:"):
        return SAMPLER_CUBE
    if isinstance(source, str) and source.startswith("volume:"):
        return SAMPLER_3D
    return SAMPLER_2D


def is_builtin(source: object) -> bool:
    """Whether source names one of the built-in inputs (not a buffer, not media)."""
    if not isinstance(source, str):
        return False
    prefix, _, name = source.partition(":")
    table = {"texture": TEXTURES, "volume": VOLUMES, "cubemap": CUBEMAPS}.get(prefix)
    if table is not None:
        return name in table
    return source in SPECIAL


def builtin_sources() -> list[str]:
    """Every built-in source string, in a stable order."""
    return ([f"texture:{n}" for n in TEXTURES] + [f"volume:{n}" for n in VOLUMES]
            + [f"cubemap:{n}" for n in CUBEMAPS] + list(SPECIAL))


def listing() -> list[dict[str, Any]]:
    """The built-ins as GET /api/v1/inputs answers them."""
    out = []
    for source in builtin_sources():
        prefix, _, name = source.partition(":")
        table = {"texture": TEXTURES, "volume": VOLUMES, "cubemap": CUBEMAPS}.get(prefix, SPECIAL)
        width, height, depth, about = table[name or prefix]
        kind = {"texture": "texture", "volume": "volume", "cubemap": "cubemap"}.get(prefix, source)
        out.append({"source": source, "kind": kind, "sampler": sampler_of(source),
                    "width": width, "height": height, "depth": depth, "description": about,
                    "preview_url": f"/inputs#{source}"})
    return out


def channel_samplers(inputs: object) -> tuple[str, str, str, str]:
    """The sampler type of iChannel0-3 for one pass's inputs (sampler2D where unset)."""
    kinds = [SAMPLER_2D] * 4
    for item in inputs if isinstance(inputs, list) else []:
        if isinstance(item, dict):
            channel = item.get("channel")
            if isinstance(channel, int) and not isinstance(channel, bool) and 0 <= channel <= 3:
                kinds[channel] = sampler_of(item.get("source"))
    return (kinds[0], kinds[1], kinds[2], kinds[3])
