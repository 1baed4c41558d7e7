"""Build demo/shaders.json from the GLSL in demo/glsl/ (python -m fractafrag.demo.build)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GLSL_DIR = HERE / "glsl"
OUTPUT = HERE / "shaders.json"
LICENSE = "CC-BY-4.0"

# File suffix of each pass: <slug>.glsl is the Image pass, <slug>.bufa.glsl is Buffer A, ...
PASS_FILES = {
    "Image": ".glsl",
    "Buffer A": ".bufa.glsl",
    "Buffer B": ".bufb.glsl",
    "Buffer C": ".bufc.glsl",
    "Buffer D": ".bufd.glsl",
}
COMMON_FILE = ".common.glsl"


def channel(number: int, source: str, filter: str = "linear", wrap: str = "clamp") -> dict:
    """An input in the version format."""
    return {"channel": number, "source": source, "filter": filter, "wrap": wrap}


# Everything about a demo except its code; inputs are keyed by pass name.
DEMOS: list[dict] = [
    {
        "slug": "sdf-garden",
        "title": "SDF Garden",
        "description": "Two blobs melt into a ring above a checkered floor: raymarched signed "
        "distance fields with soft shadows and ambient occlusion. Drag to orbit.",
        "tags": ["raymarching", "sdf", "3d", "shadows"],
        "inputs": {},
    },
    {
        "slug": "mandelbrot-zoom",
        "title": "Mandelbrot Dive",
        "description": "A slow zoom into the seahorse valley and back out, with smooth "
        "escape-time colouring and 2x2 supersampling.",
        "tags": ["fractal", "mandelbrot", "zoom", "2d"],
        "inputs": {},
    },
    {
        "slug": "julia-drift",
        "title": "Julia Drift",
        "description": "Julia sets for c circling the Mandelbrot boundary, lit by an orbit "
        "trap. Click and drag to pick c yourself.",
        "tags": ["fractal", "julia", "orbit-trap", "2d"],
        "inputs": {},
    },
    {
        "slug": "fbm-clouds",
        "title": "Sunset Clouds",
        "description": "Domain-warped fractal Brownian motion drifting across a dusk sky.",
        "tags": ["noise", "fbm", "clouds", "sky"],
        "inputs": {},
    },
    {
        "slug": "fbm-terrain",
        "title": "Ridge Flight",
        "description": "A flight over eroded fractal ridges at golden hour: a raymarched "
        "heightfield with fog, sun and snow. Noise helpers live in Common.",
        "tags": ["terrain", "raymarching", "fbm", "3d", "landscape"],
        "inputs": {},
    },
    {
        "slug": "voronoi-cells",
        "title": "Living Cells",
        "description": "Drifting Voronoi cells with glowing membranes, drawn from the distance "
        "to the nearest and second-nearest feature points.",
        "tags": ["voronoi", "cellular", "2d", "organic"],
        "inputs": {},
    },
    {
        "slug": "plasma",
        "title": "Neon Plasma",
        "description": "The classic demoscene plasma: interfering sine fields run through a "
        "cosine palette, with a scanline glow.",
        "tags": ["plasma", "retro", "2d", "palette"],
        "inputs": {},
    },
    {
        "slug": "tunnel",
        "title": "Hex Tunnel",
        "description": "A twisting tunnel lined with glowing hexagons, built in polar "
        "coordinates; the gray noise texture adds grit to the walls.",
        "tags": ["tunnel", "polar", "hexagons", "texture"],
        "inputs": {"Image": [channel(0, "texture:noise-gray", "linear", "repeat")]},
    },
    {
        "slug": "kaleidoscope",
        "title": "Kaleidoscope",
        "description": "Repeated mirror folds in polar space turn a few moving lines into a "
        "slowly breathing stained-glass mandala.",
        "tags": ["kaleidoscope", "symmetry", "2d", "folding"],
        "inputs": {},
    },
    {
        "slug": "metaballs",
        "title": "Lava Metaballs",
        "description": "Seven metaballs share one field; their colours blend where they merge. "
        "Click to add a ball under the mouse.",
        "tags": ["metaballs", "implicit", "2d", "interactive"],
        "inputs": {},
    },
    {
        "slug": "truchet-flow",
        "title": "Truchet Flow",
        "description": "Randomly turned quarter-circle tiles join into endless paths, with "
        "light flowing along them.",
        "tags": ["truchet", "tiles", "pattern", "2d"],
        "inputs": {},
    },
    {
        "slug": "reaction-diffusion",
        "title": "Coral Growth",
        "description": "Gray-Scott reaction-diffusion: Buffers A to D each take one "
        "simulation step per frame, passing the state along in a ring; the Image pass "
        "lights the result as a relief. The shared step lives in Common. Click to seed "
        "new growth.",
        "tags": ["simulation", "reaction-diffusion", "multipass", "feedback"],
        "inputs": {
            "Image": [channel(0, "Buffer D")],
            "Buffer A": [channel(0, "Buffer D", "nearest")],
            "Buffer B": [channel(0, "Buffer A", "nearest")],
            "Buffer C": [channel(0, "Buffer B", "nearest")],
            "Buffer D": [channel(0, "Buffer C", "nearest")],
        },
    },
    {
        "slug": "fading-trails",
        "title": "Firefly Trails",
        "description": "Fireflies on Lissajous paths leave trails that fade: Buffer A keeps "
        "the previous frame (feedback) and dims it; the Image pass adds a soft glow.",
        "tags": ["feedback", "multipass", "particles", "trails"],
        "inputs": {
            "Image": [channel(0, "Buffer A")],
            "Buffer A": [channel(0, "Buffer A")],
        },
    },
]


def read_passes(slug: str, inputs: dict[str, list[dict]]) -> tuple[str, list[dict]]:
    """The common code and the passes of one demo, read from GLSL_DIR."""
    common_path = GLSL_DIR / f"{slug}{COMMON_FILE}"
    common = common_path.read_text(encoding="utf-8") if common_path.exists() else ""
    passes = []
    for name, suffix in PASS_FILES.items():
        path = GLSL_DIR / f"{slug}{suffix}"
        if path.exists():
            code = path.read_text(encoding="utf-8")
            passes.append({"name": name, "code": code, "inputs": inputs.get(name, [])})
    if not passes or passes[0]["name"] != "Image":
        raise FileNotFoundError(f"{GLSL_DIR / (slug + '.glsl')} is missing")
    unknown = set(inputs) - {p["name"] for p in passes}
    if unknown:
        raise ValueError(f"{slug}: inputs given for passes without a file: {sorted(unknown)}")
    return common, passes


def build() -> list[dict]:
    """Every demo in the shaders.json format."""
    demos = []
    for demo in DEMOS:
        common, passes = read_passes(demo["slug"], demo["inputs"])
        demos.append(
            {
                "slug": demo["slug"],
                "title": demo["title"],
                "description": demo["description"],
                "tags": demo["tags"],
                "license": LICENSE,
                "version": {"common": common, "passes": passes},
            }
        )
    return demos


def render(demos: list[dict]) -> str:
    """The exact text of shaders.json for these demos."""
    return json.dumps(demos, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write shaders.json, or with --check report whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if shaders.json is stale")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date: run python -m fractafrag.demo.build", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {len(json.loads(text))} demos to {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
