"""`fractafrag up`: start the embedded services, migrate, then supervise web and workers."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fractafrag import embedded
from fractafrag.config import default_data_dir

log = logging.getLogger("fractafrag.up")

STOP_TIMEOUT = 6.0
MAX_BACKOFF = 30.0
POSTGRES_MAX_BACKOFF = 5.0  # every request needs it: retry often
STABLE_AFTER = 30.0


@dataclass
class Child:
    """A supervised process: restarted with back-off when it dies."""

    name: str
    argv: list[str]
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: float = 1.0
    restart_at: float | None = None
    restarts: int = field(default=0)
    preexec: Callable[[], None] = embedded.parent_death_signal

    def start(self) -> None:
        """Launch the process (in its own group, with a parent-death signal)."""
        self.proc = subprocess.Popen(self.argv, env=self.env, preexec_fn=self.preexec)
        self.started_at = time.monotonic()
        self.restart_at = None
        log.info("started %s (pid %d)", self.name, self.proc.pid)

    def check(self, now: float) -> None:
        """Notice a death and schedule a restart; perform a due restart."""
        if self.proc is not None and self.proc.poll() is not None:
            code = self.proc.returncode
            if now - self.started_at >= STABLE_AFTER:
                self.backoff = 1.0
            log.warning(
                "%s (pid %d) exited with code %s; restarting in %.0f s",
                self.name, self.proc.pid, code, self.backoff,
            )
            self.proc = None
            self.restart_at = now + self.backoff
            self.backoff = min(self.backoff * 2, MAX_BACKOFF)
        if self.proc is None and self.restart_at is not None and now >= self.restart_at:
            self.restarts += 1
            self.start()
            log.info("restarted %s (restart #%d)", self.name, self.restarts)

    def terminate(self) -> None:
        """Ask the process to stop (SIGTERM: gunicorn drains, RQ finishes its job)."""
        self.restart_at = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()


@dataclass
class SupervisedPostgres:
    """The embedded PostgreSQL: started again with back-off when it dies (e.g. `kill -9`).

    It runs as a daemon (pg_ctl), not as our child, so it is watched by pid; its socket, and so
    DATABASE_URL, stay the same across restarts.
    """

    pgdata: Path
    pid: int
    backoff: float = 0.5
    restart_at: float | None = None
    restarts: int = 0

    def check(self, now: float) -> None:
        """Notice a death and schedule a restart; perform a due restart."""
        if self.restart_at is None:
            if embedded.is_running(self.pid):
                return
            log.warning("PostgreSQL (pid %d) died; restarting it", self.pid)
            self.restart_at = now
        if now < self.restart_at:
            return
        try:
            self.pid = embedded.restart_postgres(self.pgdata)
        except Exception as error:  # noqa: BLE001 - keep trying, the site depends on it
            log.warning("PostgreSQL did not start (%s); retrying in %.0f s",
                        (str(error).strip().splitlines() or [repr(error)])[-1], self.backoff)
            self.restart_at = time.monotonic() + self.backoff
            self.backoff = min(self.backoff * 2, POSTGRES_MAX_BACKOFF)
            return
        self.restarts += 1
        self.restart_at = None
        self.backoff = 0.5
        log.warning("restarted PostgreSQL (pid %d, restart #%d)", self.pid, self.restarts)


def _secret_key(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _wait_healthy(url: str, children: list[Child], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/api/v1/health", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        for child in children:
            child.check(time.monotonic())
        time.sleep(0.2)
    return False


def console_logging() -> None:
    """`up`'s console: our own short progress lines (INFO), other libraries' at WARNING."""
    logging.basicConfig(level=logging.INFO, format="fractafrag: %(message)s", stream=sys.stderr)
    # Alembic writes a line per migration ("Running upgrade 0003 -> 0004, …") and Flask-Migrate
    # its own: "database migrated (… -> …)" says it once.
    for name in ("alembic", "flask_migrate"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _migrate(env: dict[str, str]) -> None:
    from alembic.migration import MigrationContext
    from flask_migrate import upgrade

    from fractafrag import create_app
    from fractafrag.config import Config
    from fractafrag.extensions import db

    def revision() -> str | None:
        with db.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        # This process keeps its own console logging (LOG_CONFIGURE off).
        app = create_app(Config(SOCKETIO_ASYNC_MODE="threading", LOG_CONFIGURE=False))
        with app.app_context():
            before = revision()
            upgrade()
            after = revision()
            if before == after:
                log.info("database schema up to date (%s)", after)
            else:
                log.info("database migrated (%s -> %s)", before or "empty", after)
            if env.get("FRACTAFRAG_DEMO") == "1":
                from fractafrag.services.demo import seed_demo

                created = seed_demo()
                log.info("demo: %d shaders seeded", created)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _checker_starting(redis_url: str) -> None:
    """Say a compile checker is on its way (the render worker's), so shaders validated while its
    Chromium launches wait for it instead of being refused "try again" (browser_check)."""
    import redis as redis_lib
    from redis.exceptions import RedisError

    from fractafrag.services import browser_check

    try:
        conn = redis_lib.Redis.from_url(redis_url)
        try:
            browser_check.starting(conn)
        finally:
            conn.close()
    except RedisError as error:
        log.warning("could not announce the compile checker: %s", error)


def default_web_processes() -> int:
    """$FRACTAFRAG_WEB_PROCESSES, else one web process per CPU core this process may use."""
    configured = os.environ.get("FRACTAFRAG_WEB_PROCESSES", "").strip()
    if configured:
        return max(int(configured), 1)
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def run_up(host: str, port: int, data_dir: str | None, demo: bool, mcp_port: int = 0,
           web_processes: int | None = None) -> int:
    """Run everything until Ctrl-C or SIGTERM; return the exit status."""
    console_logging()
    began = time.monotonic()
    root = Path(data_dir or os.environ.get("FRACTAFRAG_DATA_DIR") or default_data_dir()).resolve()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)  # 0700 when up creates it
    if not _port_is_free(host, port):
        log.error("port %d on %s is already in use; pass --port to pick another", port, host)
        return 2

    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    env = dict(os.environ)
    env["FRACTAFRAG_DATA_DIR"] = str(root)
    env.setdefault("SECRET_KEY", _secret_key(root))
    env["PYTHONUNBUFFERED"] = "1"
    # Children exit soon after `up` dies, even by SIGKILL (embedded.exit_with_supervisor).
    env[embedded.SUPERVISOR_ENV] = str(os.getpid())
    # On a terminal: readable lines, and only what needs attention (JSON + INFO in production).
    env.setdefault("FRACTAFRAG_LOG_FORMAT", "text")
    env.setdefault("FRACTAFRAG_LOG_LEVEL", "WARNING")
    pg_pid: int | None = None
    postgres: SupervisedPostgres | None = None
    redis_child: Child | None = None
    children: list[Child] = []
    try:
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"], pg_pid = embedded.start_postgres(root / "postgres")
            log.info("embedded PostgreSQL ready (pid %d)", pg_pid)
            postgres = SupervisedPostgres(root / "postgres", pg_pid)
        if not env.get("REDIS_URL"):
            argv, env["REDIS_URL"] = embedded.redis_command(root / "redis")
            redis_child = Child("redis", argv, env, preexec=embedded.private_child)
            redis_child.start()
            embedded.wait_for_redis(env["REDIS_URL"])
            log.info("embedded Redis ready at %s", env["REDIS_URL"])
        if demo:
            env["FRACTAFRAG_DEMO"] = "1"
        _migrate(env)
        env.pop("FRACTAFRAG_DEMO", None)

        python = sys.executable
        processes = web_processes or default_web_processes()
        web_env = dict(env)
        if processes > 1:
            # A Socket.IO session must stay on one process: over WebSocket it is one connection,
            # so it does; long-polling's separate requests would land on any process.
            web_env["FRACTAFRAG_SOCKET_TRANSPORTS"] = "websocket"
        log.info("%d web process%s", processes, "es" if processes > 1 else "")
        children = [
            Child(
                "web",
                [python, "-m", "gunicorn", "-k", "fractafrag_web_worker.BalancedGeventWorker",
                 "-w", str(processes),
                 "-b", f"{host}:{port}", "--worker-connections", "4000",
                 "--graceful-timeout", "4", "--log-level", "warning", "wsgi:app"],
                web_env, preexec=embedded.own_session,
            ),
            Child("worker default", [python, "-m", "fractafrag", "worker", "default"], env,
                  preexec=embedded.own_session),
            Child("render worker", [python, "-m", "render_worker"], env,
                  preexec=embedded.own_session),
        ]
        shown = host if ":" not in host else f"[{host}]"
        url = f"http://{shown}:{port}"
        mcp_url = None
        if mcp_port and not _port_is_free(host, mcp_port):
            log.warning("port %d is in use: the MCP bridge stays off (pass --mcp-port)", mcp_port)
        elif mcp_port:
            # No key of its own: each agent sends its X-API-Key header with its requests.
            children.append(Child("mcp bridge", [
                python, "-m", "mcp_bridge", "--transport", "http", "--host", host,
                "--port", str(mcp_port), "--url", url], {**env, "FRACTAFRAG_API_KEY": ""}))
            mcp_url = f"http://{shown}:{mcp_port}/mcp"
        _checker_starting(env["REDIS_URL"])
        for child in children:
            child.start()
        if _wait_healthy(url, children):
            print(f"Fractafrag is running at {url}  ({time.monotonic() - began:.1f} s)", flush=True)
            if mcp_url:
                print(f"MCP bridge (streamable HTTP) at {mcp_url}; agents send X-API-Key",
                      flush=True)
        else:
            log.error("the web server did not become healthy in 60 s; still trying")
        while not stopping:
            now = time.monotonic()
            if postgres is not None:
                postgres.check(now)
            for child in ([redis_child] if redis_child else []) + children:
                child.check(now)
            time.sleep(0.25)
        return 0
    finally:
        _shutdown(children, redis_child, postgres.pid if postgres is not None else pg_pid)


def _shutdown(children: list[Child], redis_child: Child | None, pg_pid: int | None) -> None:
    log.info("stopping…")
    began = time.monotonic()
    for child in children:
        child.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in children:
        if child.proc is None:
            continue
        try:
            child.proc.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in time; killing it", child.name)
            child.proc.kill()
            child.proc.wait()
    if redis_child is not None:
        redis_child.terminate()
        if redis_child.proc is not None:
            try:
                redis_child.proc.wait(2)
            except subprocess.TimeoutExpired:
                redis_child.proc.kill()
    if pg_pid is not None:
        embedded.stop_postgres(pg_pid)
    log.info("stopped in %.1f s; data kept", time.monotonic() - began)
