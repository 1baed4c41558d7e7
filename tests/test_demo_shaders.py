"""The demo catalog: generated from its GLSL sources, and every shader compiles cleanly."""

from __future__ import annotations

import json
import re

import pytest

from fractafrag.demo import build
from fractafrag.services.glsl import validate_version

DEMOS = json.loads(build.OUTPUT.read_text(encoding="utf-8"))


def test_shaders_json_matches_the_glsl_sources() -> None:
    assert build.OUTPUT.read_text(encoding="utf-8") == build.render(build.build()), (
        "shaders.json is stale: run python -m fractafrag.demo.build"
    )


def test_every_glsl_file_belongs_to_a_demo() -> None:
    slugs = {demo["slug"] for demo in build.DEMOS}
    for path in build.GLSL_DIR.glob("*.glsl"):
        assert path.name.split(".")[0] in slugs, f"{path.name} is not listed in build.DEMOS"


def test_catalog_has_a_dozen_described_demos() -> None:
    assert len(DEMOS) >= 12
    assert len({d["slug"] for d in DEMOS}) == len(DEMOS)
    for demo in DEMOS:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", demo["slug"])
        assert demo["title"] and demo["description"]
        assert demo["tags"] and all(isinstance(t, str) and t for t in demo["tags"])
        assert demo["license"] == "CC-BY-4.0"
        assert set(demo["version"]) == {"common", "passes"}


@pytest.mark.parametrize("demo", DEMOS, ids=[d["slug"] for d in DEMOS])
def test_demo_compiles_without_errors(demo: dict) -> None:
    version = demo["version"]
    assert validate_version(version["common"], version["passes"]) == []


def test_a_demo_feeds_buffer_a_back_into_itself_and_shows_it_in_image() -> None:
    def reads(demo: dict, pass_name: str, source: str) -> bool:
        passes = {p["name"]: p for p in demo["version"]["passes"]}
        return any(i["source"] == source for i in passes.get(pass_name, {}).get("inputs", []))

    assert any(reads(d, "Buffer A", "Buffer A") and reads(d, "Image", "Buffer A") for d in DEMOS)


def test_a_demo_uses_common_code() -> None:
    assert any(d["version"]["common"].strip() for d in DEMOS)


def test_raymarched_demos_take_at_most_80_steps() -> None:
    for demo in DEMOS:
        if "raymarching" not in demo["tags"]:
            continue
        code = demo["version"]["common"] + "".join(p["code"] for p in demo["version"]["passes"])
        constants = dict(re.findall(r"const int (\w+) = (\d+);", code))
        bounds = re.findall(r"for \(int \w+ = \S+; \w+ <=? (\w+);", code)
        assert bounds, demo["slug"]
        for bound in bounds:
            value = int(constants.get(bound, bound))
            assert value <= 80, f"{demo['slug']}: a loop runs {value} times"
