"""Accounts: register, authenticate, read and edit profiles."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from fractafrag.extensions import db
from fractafrag.models import User
from fractafrag.services import Conflict, NotFound, ServiceError, passwords


def find_by_login(login: str) -> User | None:
    """The user whose username or email matches login, ignoring case."""
    login = login.strip().lower()
    column = User.email if "@" in login else User.username
    return db.session.scalar(sa.select(User).where(sa.func.lower(column) == login))


def get_by_username(username: str) -> User:
    """The user called username (any case), or NotFound."""
    user = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.username) == username.lower())
    )
    if user is None:
        raise NotFound(f"No user called {username!r}.")
    return user


def _ensure_free(username: str | None, email: str | None, exclude_id: int | None = None) -> None:
    errors: dict[str, list[str]] = {}
    candidates = (("username", User.username, username), ("email", User.email, email))
    for field, column, value in candidates:
        if value is None:
            continue
        query = sa.select(User.id).where(sa.func.lower(column) == value.lower())
        if exclude_id is not None:
            query = query.where(User.id != exclude_id)
        if db.session.scalar(query) is not None:
            errors[field] = [f"{field.capitalize()} {value!r} is already taken."]
    if errors:
        raise Conflict("; ".join(m for ms in errors.values() for m in ms), errors)


def register(username: str, email: str, password: str) -> User:
    """Create an account after checking the password policy and uniqueness."""
    problem = passwords.password_problem(password, username, email)
    if problem:
        raise ServiceError(problem, {"password": [problem]})
    _ensure_free(username, email)
    user = User(
        username=username, email=email.strip(), password_hash=passwords.hash_password(password)
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        # Two registrations raced past the check; the unique indexes decided.
        db.session.rollback()
        _ensure_free(username, email)
        raise Conflict("Username or email is already taken.") from None
    return user


_UNLOOKED = object()


def authenticate(login: str, password: str, found: Any = _UNLOOKED) -> User | None:
    """The user for these credentials, or None; the same work is done when the login is unknown.
    found: the result of find_by_login(login) when the caller has it already."""
    user = find_by_login(login) if found is _UNLOOKED else found
    if user is None:
        passwords.verify_password(passwords.dummy_hash(), password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        db.session.commit()
    return user


def update_profile(user_id: int, changes: dict[str, Any]) -> User:
    """Apply profile edits; a new password or email needs the current one. A new password ends
    every session of the account (the caller hands fresh tokens to the one that changed it)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("The account no longer exists.")
    new_password = changes.pop("password", None)
    current = changes.pop("current_password", None)
    new_email = changes.get("email")
    if new_email is not None and new_email.strip().lower() == (user.email or "").lower():
        changes.pop("email")  # unchanged: nothing to check
        new_email = None
    if (new_password is not None or new_email is not None) and (
            current is None or not passwords.verify_password(user.password_hash, current)):
        what = "a new password" if new_password is not None else "a new email"
        message = f"current_password is missing or wrong; it is needed to set {what}."
        raise ServiceError(message, {"current_password": [message]})
    if new_password is not None:
        problem = passwords.password_problem(new_password, user.username, user.email)
        if problem:
            raise ServiceError(problem, {"password": [problem]})
        user.password_hash = passwords.hash_password(new_password)
        from fractafrag.auth import end_sessions

        end_sessions(user.id)  # before the commit: no new password while old sessions live
    if "email" in changes:
        _ensure_free(None, changes["email"], exclude_id=user.id)
    for field, value in changes.items():
        setattr(user, field, value)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("That email is already taken.", {"email": ["already taken"]}) from None
    return user
