"""Measure GLSL validation latency (glslang) for single- and multi-pass shaders."""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402

from fractafrag.services import glsl  # noqa: E402
from fractafrag.services.demo import demo_catalog  # noqa: E402

RUNS = 40


def timed(common: str, passes: list[dict]) -> list[float]:
    glsl.validate_version(common, passes)  # warm the page cache
    samples = []
    for _ in range(RUNS):
        began = time.perf_counter()
        glsl.validate_version(common, passes)
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def main() -> None:
    catalog = demo_catalog()
    single = next(d["version"] for d in catalog if len(d["version"]["passes"]) == 1)
    multi = max(catalog, key=lambda d: len(d["version"]["passes"]))["version"]
    broken = {"common": "", "passes": [{"name": "Image", "inputs": [], "code":
              "void mainImage(out vec4 c, in vec2 f) {\n  c = vec4(nope);\n}\n"}]}
    rows = []
    for label, version in (("single pass (demo shader)", single),
                           (f"{len(multi['passes'])} passes + common (demo shader)", multi),
                           ("single pass with a compile error", broken)):
        samples = sorted(timed(version["common"], version["passes"]))
        p95 = samples[int(len(samples) * 0.95) - 1]
        rows.append(f"| {label} | {statistics.median(samples):.0f} ms | {p95:.0f} ms |")
    body = "\n".join([
        "## GLSL validation (bench/validation.py)",
        "",
        "`glsl.validate_version` (structure checks + one glslang compile per pass in a kept "
        f"compile server), {RUNS} runs each. Target: p50 under 200 ms for a single pass.",
        "",
        "| shader | p50 | p95 |",
        "|---|---|---|",
        *rows,
    ])
    write_section("validation", body)
    print(body)
    print(json.dumps({"binary": str(glsl.find_glslang())}))


if __name__ == "__main__":
    main()
