"""Work that must not hold the gevent hub runs on gevent's native thread pool.

The web process serves every request on one event loop; a call that keeps the CPU for more than
a few milliseconds (argon2, a big diff, Markdown, waiting on a compiler) would freeze all of
them. `off_hub` hands such a call to a real OS thread and lets the hub serve others meanwhile.
Outside gevent (tests in threading mode, workers, the CLI) it simply calls the function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def under_gevent() -> bool:
    """True in a process whose sockets gevent has patched (the web process)."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return monkey.is_module_patched("socket")


def off_hub(function: Callable[..., T], *args: Any, timeout: float | None = None,
            **kwargs: Any) -> T:
    """Run function(*args, **kwargs) on a pool thread and wait for it cooperatively.

    With a timeout, raises TimeoutError when the answer takes longer (the thread finishes in
    the background; only use it for calls that end by themselves). The pool is gevent's, so at
    most its size (10 by default) of these run at once; more wait their turn.
    """
    if not under_gevent():
        return function(*args, **kwargs)
    import gevent
    from gevent import get_hub

    pending = get_hub().threadpool.spawn(function, *args, **kwargs)
    try:
        return pending.get(timeout=timeout)
    except gevent.Timeout as expired:
        raise TimeoutError(f"gave up after {timeout} s") from expired
