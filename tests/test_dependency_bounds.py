"""The packages whose private internals we use (realtime/handlers.py: Socket.IO; extensions.py:
flask-jwt-extended) are bounded in pyproject.toml, and the installed ones are inside those
bounds (what the tests ran on)."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PATCHED = {"flask-socketio", "python-socketio", "python-engineio", "flask-jwt-extended"}


def test_patched_packages_have_upper_bounds_that_the_installed_versions_meet():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = {Requirement(line).name.lower(): Requirement(line)
                    for line in project["dependencies"]}
    for name in PATCHED:
        requirement = requirements[name]
        assert any(spec.operator == "<" for spec in requirement.specifier), \
            f"{name} needs an upper bound: we use its private internals"
        installed = importlib.metadata.version(name)
        assert requirement.specifier.contains(installed), f"{name} {installed} {requirement}"
