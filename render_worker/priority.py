"""Keep renders in the background: the render worker and its Chromium yield the CPU to the web.

Renders are batch work; on a small machine they share the cores with the web process, and a
GLSL scene rendered by SwiftShader can take a whole core. Chromium raises the priority of its
browser and GPU processes (nice -8) when it may, which made renders win over page requests
under load. The render worker therefore lowers its own priority (FRACTAFRAG_RENDER_NICE, default
10) and, when it runs as root, drops CAP_SYS_NICE from the capability bounding set first, so the
Chromium it launches inherits the lower priority and cannot raise it again.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

from fractafrag.embedded import nice_session

log = logging.getLogger(__name__)

PR_CAPBSET_DROP = 24
CAP_SYS_NICE = 23


def _drop_sys_nice_from_children() -> bool:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(PR_CAPBSET_DROP, CAP_SYS_NICE, 0, 0, 0) != 0:
        log.warning("could not drop CAP_SYS_NICE (%s): Chromium may outrank the web process",
                    os.strerror(ctypes.get_errno()))
        return False
    return True


def run_in_background(niceness: int) -> int:
    """Lower this process's CPU priority by niceness (0: leave it); return the new nice value.

    Call before launching Chromium: its processes inherit the value.
    """
    if niceness <= 0:
        return os.nice(0)
    if os.geteuid() == 0:
        _drop_sys_nice_from_children()
    niceness = os.nice(niceness)
    nice_session(niceness)  # under `fractafrag up` the worker leads a session; Chromium joins it
    return niceness
