"""Reactions to what a transaction changed, run once it commits.

Caches and rooms must follow every change to a shader, whichever service made it. A hook
registered here notes what it needs after each flush (while the ORM still knows what changed:
new, dirty and deleted objects with their attribute history) and acts on all its notes, in
flush order, after the commit; a rollback drops them. One set of session listeners serves
every hook.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

_hooks: list[tuple[str, Callable[[Session], Any], Callable[[list[Any]], None]]] = []


def on_commit(name: str, note: Callable[[Session], Any],
              act: Callable[[list[Any]], None]) -> None:
    """After each flush call note(session); a result other than None is kept for the
    transaction. After its commit call act(results) when there are any."""
    if all(existing != name for existing, _, _ in _hooks):
        _hooks.append((name, note, act))


def _key(name: str) -> str:
    return f"fractafrag.after_commit.{name}"


@event.listens_for(Session, "after_flush")
def _note(session: Session, _context: Any) -> None:
    for name, note, _ in _hooks:
        noted = note(session)
        if noted is not None:
            session.info.setdefault(_key(name), []).append(noted)


@event.listens_for(Session, "after_commit")
def _act(session: Session) -> None:
    for name, _, act in _hooks:
        notes = session.info.pop(_key(name), None)
        if notes:
            act(notes)


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    for name, _, _ in _hooks:
        session.info.pop(_key(name), None)
