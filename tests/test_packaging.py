"""A wheel built from the project carries everything `fractafrag up` needs, and building it
prints no setuptools warning."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_templates_static_migrations_and_all_packages(tmp_path):
    # Without PYTHONDONTWRITEBYTECODE, whose "byte-compiling is disabled" notes are not ours.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=ROOT, check=True, capture_output=True, text=True, timeout=300, env=env,
    )
    # e.g. "Package 'fractafrag.static.css' is absent from the `packages` configuration"
    # (include-package-data = false in pyproject.toml keeps data folders from looking like
    # unlisted packages).
    warnings = [line for line in (built.stdout + built.stderr).splitlines()
                if "warning" in line.lower()]
    assert not warnings, "\n".join(warnings)
    wheel = next(tmp_path.glob("fractafrag-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "fractafrag/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "fractafrag/migrations/env.py",
        "fractafrag/migrations/versions/0001_initial.py",
        "fractafrag/data/common-passwords.txt.gz",
        "wsgi.py",
        "fractafrag_web_worker.py",
    ):
        assert required in names, required
    templates = [n for n in names if n.startswith("fractafrag/templates/")]
    assert templates, "templates are packaged"
    for source in ROOT.glob("fractafrag/**/*.py"):
        relative = source.relative_to(ROOT).as_posix()
        assert relative in names, f"{relative} is missing: list its package in pyproject.toml"
    for top in ("render_worker", "mcp_bridge"):
        for source in (ROOT / top).glob("**/*.py"):
            assert source.relative_to(ROOT).as_posix() in names
