"""Diffs between two immutable shader versions: computed once, bounded, never on the event loop.

(One module of ~480 lines: the diff algorithm, its bounds and its cache are one answer to issue
19's frozen-site finding, and the pieces are only correct together.)

difflib's SequenceMatcher is quadratic on inputs made of many small matching blocks (say, every
other comment line the same): one request between two 56 KB versions held the web process for
half a minute. This module diffs lines with a patience diff instead (lines unique to both sides
anchor the alignment, found as a longest increasing subsequence, O(n log n)), and fills the gaps
between anchors with Myers' O(ND) algorithm under a step cap; a gap over the cap is shown as one
replaced block (still a correct diff, just not the shortest). Around that:

- a size cap (DIFF_MAX_BYTES, DIFF_MAX_LINES, both versions together) refused up front: 413;
- a wall-clock budget (DIFF_BUDGET_SECONDS) checked while computing: over it, 422;
- the work runs on gevent's thread pool (`offload.off_hub`), at most DIFF_CONCURRENCY at once
  per process (a waiting request waits cooperatively, within the budget);
- the answer (or the refusal) is cached in Redis under the shader and version numbers: versions
  never change, so a diff is computed once. Visibility is checked by the caller on every request
  before the cache is read: the cache holds text, never a permission.
"""

from __future__ import annotations

import bisect
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from flask import current_app
from redis.exceptions import RedisError

from fractafrag.extensions import redis
from fractafrag.offload import off_hub, under_gevent
from fractafrag.services import ServiceError

log = logging.getLogger(__name__)

CONTEXT = 3
CACHE_PREFIX = "diff:v1"
MYERS_MAX_STEPS = 200_000  # per gap between anchors; past it the gap is one replaced block
MYERS_TOTAL_STEPS = 1_000_000  # per diff: past it, every further gap is one replaced block
_CHECK_EVERY = 2048  # steps between clock reads

Opcode = tuple[str, int, int, int, int]


class DiffTooLarge(ServiceError):
    """The two versions are over the size a diff is computed for: 413."""

    status = 413


class DiffTooSlow(ServiceError):
    """The diff took longer than its budget: 422 (the same answer is cached for a while)."""

    status = 422


class _OverBudget(Exception):
    pass


class _Clock:
    """The deadline of one computation, read every few thousand steps."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.steps = 0
        self.myers_left = MYERS_TOTAL_STEPS

    def tick(self, steps: int = 1) -> None:
        self.steps += steps
        if self.steps >= _CHECK_EVERY:
            self.steps = 0
            if time.monotonic() > self.deadline:
                raise _OverBudget


# ----------------------------------------------------------------------------- the algorithm


def _myers(a: Sequence[int], b: Sequence[int], clock: _Clock) -> list[tuple[int, int]] | None:
    """Matched (i, j) pairs of a shortest edit script, or None past MYERS_MAX_STEPS."""
    n, m = len(a), len(b)
    limit = n + m
    offset = limit + 1
    v = [0] * (2 * limit + 3)
    trace: list[list[int]] = []
    steps = 0
    cap = min(MYERS_MAX_STEPS, clock.myers_left)
    for d in range(limit + 1):
        trace.append(v[offset - d:offset + d + 1] if d else [v[offset]])
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[offset + k - 1] < v[offset + k + 1]):
                x = v[offset + k + 1]
            else:
                x = v[offset + k - 1] + 1
            y = x - k
            start = x
            while x < n and y < m and a[x] == b[y]:
                x += 1
                y += 1
            v[offset + k] = x
            steps += 1 + x - start
            if x >= n and y >= m:
                clock.myers_left -= steps
                return _backtrack(trace, v, offset, d, n, m)
        clock.tick(2 * d + 1)
        if steps > cap:
            clock.myers_left -= steps
            return None
    return None  # pragma: no cover - d = n + m always reaches the end


def _backtrack(trace: list[list[int]], v_last: list[int], offset: int, d_end: int, n: int,
               m: int) -> list[tuple[int, int]]:
    """Walk the saved frontiers back from (n, m) to (0, 0), collecting the diagonal moves."""
    pairs: list[tuple[int, int]] = []
    x, y = n, m
    for d in range(d_end, 0, -1):
        previous = trace[d]  # the frontier before step d, saved for k in -d..d

        def at(k: int, prev: list[int] = previous, size: int = d) -> int:
            return prev[k + size]

        k = x - y
        if k == -d or (k != d and at(k - 1) < at(k + 1)):
            prev_k = k + 1
            prev_x = at(prev_k)
            mid_x = prev_x
        else:
            prev_k = k - 1
            prev_x = at(prev_k)
            mid_x = prev_x + 1
        mid_y = mid_x - k
        while x > mid_x and y > mid_y:
            x, y = x - 1, y - 1
            pairs.append((x, y))
        x, y = prev_x, prev_x - prev_k
    while x > 0 and y > 0:
        x, y = x - 1, y - 1
        pairs.append((x, y))
    pairs.reverse()
    return pairs


def _unique_anchors(a: Sequence[int], alo: int, ahi: int, b: Sequence[int], blo: int, bhi: int,
                    clock: _Clock) -> list[tuple[int, int]]:
    """Lines that occur once in a[alo:ahi] and once in b[blo:bhi], in an order both agree on
    (the longest increasing subsequence of their positions in b)."""
    seen_a: dict[int, int] = {}
    for i in range(alo, ahi):
        seen_a[a[i]] = -1 if a[i] in seen_a else i
    seen_b: dict[int, int] = {}
    for j in range(blo, bhi):
        seen_b[b[j]] = -1 if b[j] in seen_b else j
    clock.tick(ahi - alo + bhi - blo)
    pairs = [(i, seen_b[line]) for line, i in seen_a.items()
             if i >= 0 and seen_b.get(line, -1) >= 0]
    if not pairs:
        return []
    pairs.sort()
    # Patience sorting: tails[k] is the smallest b-position ending an increasing run of k + 1.
    tails: list[int] = []
    tail_index: list[int] = []
    back: list[int] = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        back[index] = tail_index[k - 1] if k else -1
        if k == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[k] = j
            tail_index[k] = index
    clock.tick(len(pairs))
    chain = []
    index = tail_index[-1]
    while index >= 0:
        chain.append(pairs[index])
        index = back[index]
    chain.reverse()
    return chain


def matching_pairs(a: Sequence[int], b: Sequence[int], clock: _Clock) -> list[tuple[int, int]]:
    """(i, j) with a[i] == b[j], increasing in both, that a diff keeps as unchanged lines."""
    matched: list[tuple[int, int]] = []
    stack = [(0, len(a), 0, len(b))]
    while stack:
        alo, ahi, blo, bhi = stack.pop()
        # Equal lines at both ends are kept as they are.
        head: list[tuple[int, int]] = []
        while alo < ahi and blo < bhi and a[alo] == b[blo]:
            head.append((alo, blo))
            alo, blo = alo + 1, blo + 1
        tail: list[tuple[int, int]] = []
        while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
            ahi, bhi = ahi - 1, bhi - 1
            tail.append((ahi, bhi))
        clock.tick(len(head) + len(tail) + 1)
        matched.extend(head)
        matched.extend(reversed(tail))
        if alo == ahi or blo == bhi:
            continue
        anchors = _unique_anchors(a, alo, ahi, b, blo, bhi, clock)
        if anchors:
            matched.extend(anchors)
            # Gaps between anchors, pushed so that they are popped in order (sorted later anyway).
            bounds = [(alo - 1, blo - 1), *anchors, (ahi, bhi)]
            for (i0, j0), (i1, j1) in zip(bounds, bounds[1:], strict=False):
                if i1 - i0 > 1 or j1 - j0 > 1:
                    stack.append((i0 + 1, i1, j0 + 1, j1))
            continue
        pairs = _myers(a[alo:ahi], b[blo:bhi], clock) if clock.myers_left > 0 else None
        if pairs:
            matched.extend((alo + i, blo + j) for i, j in pairs)
    matched.sort()
    return matched


def opcodes(a: Sequence[int], b: Sequence[int], clock: _Clock) -> list[Opcode]:
    """difflib-style opcodes (equal/replace/delete/insert, i1, i2, j1, j2) covering a and b."""
    codes: list[Opcode] = []
    i = j = 0
    run_start: tuple[int, int] | None = None
    for mi, mj in [*matching_pairs(a, b, clock), (len(a), len(b))]:
        if mi == i and mj == j and (mi, mj) != (len(a), len(b)):
            if run_start is None:
                run_start = (i, j)
            i, j = i + 1, j + 1
            continue
        if run_start is not None:
            codes.append(("equal", run_start[0], i, run_start[1], j))
            run_start = None
        if i < mi or j < mj:
            tag = "replace" if i < mi and j < mj else "delete" if i < mi else "insert"
            codes.append((tag, i, mi, j, mj))
        if (mi, mj) != (len(a), len(b)):
            run_start = (mi, mj)
            i, j = mi + 1, mj + 1
    if run_start is not None:
        codes.append(("equal", run_start[0], i, run_start[1], j))
    return codes


def _grouped(codes: list[Opcode], context: int = CONTEXT) -> list[list[Opcode]]:
    """Hunks: changes with `context` equal lines around them (difflib's get_grouped_opcodes)."""
    if not codes:
        codes = [("equal", 0, 1, 0, 1)]
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)
    span = context + context
    group: list[Opcode] = []
    groups = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > span:
            group.append((tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
            groups.append(group)
            group = []
            i1, j1 = max(i1, i2 - context), max(j1, j2 - context)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        groups.append(group)
    return groups


def _range(start: int, stop: int) -> str:
    length = stop - start
    beginning = start + 1
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def unified(before: str, after: str, fromfile: str, tofile: str, clock: _Clock) -> str:
    """A unified diff of two texts (3 lines of context), every line ending in a newline."""
    a_lines, b_lines = before.splitlines(), after.splitlines()
    ids: dict[str, int] = {}
    a = [ids.setdefault(line, len(ids)) for line in a_lines]
    b = [ids.setdefault(line, len(ids)) for line in b_lines]
    clock.tick(len(a) + len(b))
    groups = _grouped(opcodes(a, b, clock))
    if not groups:
        return ""
    out = [f"--- {fromfile}\n", f"+++ {tofile}\n"]
    for group in groups:
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(f" {line}\n" for line in a_lines[i1:i2])
                continue
            if tag in ("replace", "delete"):
                out.extend(f"-{line}\n" for line in a_lines[i1:i2])
            if tag in ("replace", "insert"):
                out.extend(f"+{line}\n" for line in b_lines[j1:j2])
        clock.tick(len(group))
    return "".join(out)


# ----------------------------------------------------------------------------- the service


def _settings() -> dict[str, Any]:
    config = current_app.config
    return {"max_bytes": config["DIFF_MAX_BYTES"], "max_lines": config["DIFF_MAX_LINES"],
            "budget": config["DIFF_BUDGET_SECONDS"]}


def _by_pass(version: dict[str, Any]) -> dict[str, str]:
    passes = {p["name"]: p["code"] for p in version["passes"]}
    if version.get("common"):
        passes = {"Common": version["common"], **passes}
    return passes


def check_size(before: dict[str, Any], after: dict[str, Any], max_bytes: int,
               max_lines: int) -> None:
    """Raise DiffTooLarge naming the limit when both versions together are over a cap."""
    texts = [*_by_pass(before).values(), *_by_pass(after).values()]
    size = sum(len(text.encode("utf-8", "surrogatepass")) for text in texts)
    if size > max_bytes:
        message = (f"This diff is too large to show: the two versions hold {size} bytes "
                   f"together, over the limit of {max_bytes} bytes (DIFF_MAX_BYTES).")
        raise DiffTooLarge(message, {"diff": [message]})
    lines = sum(text.count("\n") + 1 for text in texts)
    if lines > max_lines:
        message = (f"This diff is too large to show: the two versions hold {lines} lines "
                   f"together, over the limit of {max_lines} lines (DIFF_MAX_LINES).")
        raise DiffTooLarge(message, {"diff": [message]})


def compute(before: dict[str, Any], after: dict[str, Any], old: int, new: int,
            budget_seconds: float) -> list[dict[str, str]]:
    """A unified diff per pass (Common first) between two versions ({common, passes} each);
    DiffTooSlow past budget_seconds. Pure CPU: no database, no app context needed."""
    clock = _Clock(budget_seconds)
    a, b = _by_pass(before), _by_pass(after)
    result = []
    try:
        for name in dict.fromkeys([*a, *b]):
            text = unified(a.get(name, ""), b.get(name, ""), f"v{old}/{name}", f"v{new}/{name}",
                           clock)
            status = ("added" if name not in a else "removed" if name not in b
                      else "changed" if text else "unchanged")
            result.append({"pass": name, "status": status, "diff": text})
    except _OverBudget:
        message = (f"This diff is too large to show: it took longer than its budget of "
                   f"{budget_seconds:g} s (DIFF_BUDGET_SECONDS) to compute.")
        raise DiffTooSlow(message, {"diff": [message]}) from None
    return result


def _cache_key(shader_id: int, row_ids: tuple[int, int]) -> str:
    return f"{CACHE_PREFIX}:{shader_id}:{row_ids[0]}:{row_ids[1]}"


def _cached(key: str) -> dict[str, Any] | None:
    try:
        raw = redis.get(key)
    except RedisError as error:
        log.warning("diff cache unavailable: %s", error)
        return None
    return json.loads(raw) if raw else None


def _store(key: str, value: dict[str, Any], seconds: int) -> None:
    try:
        redis.set(key, json.dumps(value), ex=seconds)
    except RedisError as error:
        log.warning("diff not cached, Redis is unavailable: %s", error)


def _raise_refusal(entry: dict[str, Any]) -> None:
    kind = DiffTooLarge if entry["status"] == 413 else DiffTooSlow
    raise kind(entry["message"], {"diff": [entry["message"]]})


_semaphore: Any = None
_in_flight: dict[str, Any] = {}


def _gate() -> Any:
    """The per-process semaphore bounding diffs computed at once (a gevent one in the web)."""
    global _semaphore
    if _semaphore is None:
        size = max(1, int(current_app.config["DIFF_CONCURRENCY"]))
        if under_gevent():
            from gevent.lock import BoundedSemaphore
        else:
            from threading import BoundedSemaphore
        _semaphore = BoundedSemaphore(size)
    return _semaphore


def _compute_bounded(before: dict[str, Any], after: dict[str, Any], old: int, new: int,
                     budget: float) -> list[dict[str, str]]:
    started = time.monotonic()
    gate = _gate()
    if not gate.acquire(timeout=budget):
        raise ServiceError("Too many diffs are being computed right now; try again shortly.",
                           status=503, headers={"Retry-After": "2"})
    try:
        remaining = max(budget - (time.monotonic() - started), 0.0)
        try:
            return off_hub(compute, before, after, old, new, remaining, timeout=remaining + 2)
        except TimeoutError:  # the budget inside compute normally answers first
            message = (f"This diff is too large to show: it took longer than its budget of "
                       f"{budget:g} s (DIFF_BUDGET_SECONDS) to compute.")
            raise DiffTooSlow(message, {"diff": [message]}) from None
    finally:
        gate.release()


def cached_diff(shader_id: int, row_ids: tuple[int, int], old: int, new: int,
                load: Callable[[], tuple[dict[str, Any], dict[str, Any]]]
                ) -> list[dict[str, str]]:
    """The diff of versions old → new (rows row_ids) of a shader the caller may already see.

    load() returns the two versions as ({common, passes}, {common, passes}) and is called only
    when the diff is not cached. Refusals (too large, too slow) are cached too.
    """
    settings = _settings()
    key = _cache_key(shader_id, row_ids)
    entry = _cached(key)
    if entry is None:
        entry = _single_flight(key, lambda: _fresh_entry(key, load, old, new, settings))
    if "passes" in entry:
        passes: list[dict[str, str]] = entry["passes"]
        return passes
    _raise_refusal(entry)
    raise AssertionError("unreachable")  # pragma: no cover


def _fresh_entry(key: str, load: Callable[[], tuple[dict[str, Any], dict[str, Any]]],
                 old: int, new: int, settings: dict[str, Any]) -> dict[str, Any]:
    config = current_app.config
    before, after = load()
    try:
        check_size(before, after, settings["max_bytes"], settings["max_lines"])
        passes = _compute_bounded(before, after, old, new, settings["budget"])
    except (DiffTooLarge, DiffTooSlow) as refusal:
        # Too large stays too large; too slow may pass on a quieter day: cached for less.
        seconds = (config["DIFF_CACHE_SECONDS"] if refusal.status == 413
                   else config["DIFF_REFUSAL_CACHE_SECONDS"])
        entry: dict[str, Any] = {"status": refusal.status, "message": refusal.message}
        _store(key, entry, seconds)
        return entry
    entry = {"passes": passes}
    _store(key, entry, config["DIFF_CACHE_SECONDS"])
    return entry


def _single_flight(key: str, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run work once per key in this process; concurrent callers of the same key wait for it."""
    if not under_gevent():
        return work()
    from gevent.event import AsyncResult

    pending = _in_flight.get(key)
    if pending is not None:
        shared: dict[str, Any] = pending.get()
        return shared
    pending = _in_flight[key] = AsyncResult()
    try:
        entry = work()
    except BaseException as error:
        pending.set_exception(error)
        raise
    else:
        pending.set(entry)
        return entry
    finally:
        _in_flight.pop(key, None)
