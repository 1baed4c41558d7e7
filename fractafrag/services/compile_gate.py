"""Bounded cost of compiling GLSL on the web: one budget per validation, and at most
COMPILE_CONCURRENCY compilers at once on this host, whatever the number of web processes.

The slots are lock files (`DATA_DIR/compile-slots/slot-N.lock`) taken with a non-blocking
flock, rather than a counter in Redis:

- what is scarce is this host's CPU, so the bound belongs to the host: every web process that
  `fractafrag up` starts shares DATA_DIR, and another host (with its own cores) its own slots;
- the kernel drops a lock when its holder dies (a worker killed mid-compile), so there is no
  lease to expire and no slot can leak;
- it needs no Redis round trip per compile, and keeps working while Redis is down (publishing
  does too).

A caller that finds every slot taken polls (cooperatively: time.sleep is gevent's in the web
process) for COMPILE_WAIT_SECONDS, then gets CompilerBusy: 503 with Retry-After.

The compiler is a subprocess; under gunicorn's gevent worker `subprocess` is monkey-patched, so
waiting for it yields to other greenlets. Should it not be patched, the whole validation runs on
gevent's thread pool (offload.off_hub) instead of blocking the hub.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import math
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import current_app

from fractafrag.offload import off_hub, under_gevent, waiting
from fractafrag.services import ServiceError, glsl
from fractafrag.services.shader_format import GlslError

POLL_SECONDS = 0.05


class CompilerBusy(ServiceError):
    """Every compile slot stayed taken for the whole wait: 503 with Retry-After."""

    status = 503


@contextlib.contextmanager
def compile_slot(folder: Path, slots: int, wait_seconds: float,
                 retry_after: int) -> Iterator[int]:
    """Hold one of `slots` lock files in folder for the duration; yields its number.

    Raises CompilerBusy when none frees up within wait_seconds.
    """
    folder.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        for number in random.sample(range(slots), slots):
            fd = os.open(folder / f"slot-{number}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                os.close(fd)
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                continue
            try:
                yield number
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
            return
        if time.monotonic() >= deadline:
            raise CompilerBusy(
                f"The shader compiler is busy ({slots} compile{'s' if slots != 1 else ''} at "
                f"once at most, all taken for {wait_seconds:g} s); try again in {retry_after} s.",
                headers={"Retry-After": str(retry_after)})
        time.sleep(POLL_SECONDS * (0.5 + random.random()))


def _subprocess_cooperative() -> bool:
    """Whether waiting on a subprocess yields to other greenlets (or there is no gevent)."""
    if not under_gevent():
        return True
    from gevent import monkey

    return bool(monkey.is_module_patched("subprocess"))


def validate(common: str, passes: list[dict[str, Any]], publishing: bool = False
             ) -> list[GlslError]:
    """glsl.validate_version with the site's bounds: COMPILE_BUDGET_SECONDS for all passes,
    one of COMPILE_CONCURRENCY slots held while compiling (CompilerBusy, 503, when none frees
    within COMPILE_WAIT_SECONDS, or COMPILE_WAIT_PUBLISH_SECONDS when publishing), the compiler
    niced by COMPILE_NICE. Raises glsl.CompileRefused (422) for a macro bomb or a spent
    budget."""
    config = current_app.config
    budget = float(config["COMPILE_BUDGET_SECONDS"])
    folder = Path(config["DATA_DIR"]) / "compile-slots"
    slots = max(1, int(config["COMPILE_CONCURRENCY"]))
    wait = float(config["COMPILE_WAIT_PUBLISH_SECONDS" if publishing
                        else "COMPILE_WAIT_SECONDS"])
    retry_after = max(1, math.ceil(budget))

    def slot() -> contextlib.AbstractContextManager[int]:
        return compile_slot(folder, slots, wait, retry_after)

    cooperative = _subprocess_cooperative()

    def run() -> list[GlslError]:
        # Cooperative: the macro check goes to the thread pool, the compiler is waited on here.
        # Otherwise all of run() is on the thread pool already.
        return glsl.validate_version(common, passes, budget_seconds=budget,
                                     nice=int(config["COMPILE_NICE"]), slot=slot,
                                     offload=off_hub if cooperative else None)

    if not cooperative:
        return off_hub(run)
    with waiting():  # the compiler runs apart: this request's slot serves others meanwhile
        return run()
