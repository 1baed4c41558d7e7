"""Accounts: register, authenticate, read and edit profiles, delete."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from fractafrag.extensions import db
from fractafrag.models import (
    ApiKey,
    Block,
    ByokKey,
    DwellEvent,
    Follow,
    Notification,
    Playlist,
    Shader,
    User,
)
from fractafrag.services import Conflict, NotFound, ServiceError, passwords

# The name a deleted account keeps ("deleted-<id>"); nobody may register one.
DELETED_NAME = re.compile(r"deleted-\d+(-[0-9a-f]+)?", re.IGNORECASE)
# A subscription in one of these states still charges the card: it is cancelled first.
CHARGING = ("active", "trialing", "past_due", "unpaid", "incomplete")


def find_by_login(login: str) -> User | None:
    """The user whose username or email matches login, ignoring case."""
    login = login.strip().lower()
    column = User.email if "@" in login else User.username
    return db.session.scalar(sa.select(User).where(sa.func.lower(column) == login,
                                                   User.deleted_at.is_(None)))


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
    if DELETED_NAME.fullmatch(username.strip()):
        message = f"{username!r} is reserved for deleted accounts; choose another username."
        raise ServiceError(message, {"username": [message]})
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
    notice = None
    if "email" in changes:
        _ensure_free(None, changes["email"], exclude_id=user.id)
        notice = _stage_email_notice(user, changes["email"])
    for field, value in changes.items():
        setattr(user, field, value)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("That email is already taken.", {"email": ["already taken"]}) from None
    if notice is not None:
        from fractafrag.services import notifications

        notifications.send(notice)
    return user


def mask_email(email: str) -> str:
    """An address shown without giving it away: `ada@example.org` → `a***@example.org`."""
    local, at, domain = (email or "").strip().partition("@")
    return f"{local[:1]}***{at}{domain}" if at else f"{local[:1]}***"


def _stage_email_notice(user: User, new_email: str) -> Notification | None:
    """Tell the account its email changed (old and new address masked), in the change's
    transaction: whoever owned the account before a takeover sees it on the notifications page.
    The site sends no mail, so the old address itself is not written to."""
    from fractafrag.services import notifications

    return notifications.stage(user.id, "email_changed", data={
        "old": mask_email(user.email), "new": mask_email(new_email)})


def delete_account(user_id: int, current_password: str) -> None:
    """Delete the account after checking current_password (the caller counts the check against
    the sign-in limits). Every session ends; personal data is erased; private and draft shaders
    and playlists go; public and unlisted shaders, comments and desires stay under the
    placeholder name "deleted-<id>" (others' forks, replies and offers keep their history).
    Refused (409) while a Pro subscription still charges the card."""
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("The account no longer exists.")
    if not current_password or not passwords.verify_password(user.password_hash,
                                                             current_password):
        message = "current_password is missing or wrong; it is needed to delete the account."
        raise ServiceError(message, {"current_password": [message]})
    from fractafrag.services.billing.plans import account_of

    billing = account_of(user.id)
    if (billing is not None and billing.stripe_subscription_id
            and billing.subscription_status in CHARGING and not billing.cancel_at_period_end):
        raise Conflict("Your Pro subscription is still active: cancel it first (Settings → "
                       "Manage billing), then delete the account.")
    from fractafrag.auth import end_sessions

    end_sessions(user.id)  # before the commit: no deleted account with live sessions
    user.username = _placeholder_name(user.id)
    user.email = f"deleted-{user.id}-{secrets.token_hex(8)}@deleted.invalid"
    user.password_hash = "!deleted"  # no password ever matches it
    user.display_name = user.bio = user.website = ""
    user.taste_vector = None
    user.role, user.tier, user.pro_until = "user", "free", None
    user.deleted_at = datetime.now(UTC)
    db.session.flush()
    execute = db.session.execute
    execute(sa.delete(Shader).where(Shader.owner_id == user.id,
                                    Shader.visibility.in_(("private", "draft"))))
    # The search text of the shaders that stay names their author: refresh it (the trigger).
    execute(sa.update(Shader).where(Shader.owner_id == user.id)
            .values(owner_id=Shader.owner_id))
    for model, column in ((ApiKey, ApiKey.user_id), (ByokKey, ByokKey.user_id),
                          (Notification, Notification.user_id), (Playlist, Playlist.owner_id)):
        execute(sa.delete(model).where(column == user.id))
    execute(sa.delete(Follow).where(sa.or_(Follow.follower_id == user.id,
                                           Follow.followee_id == user.id)))
    execute(sa.delete(Block).where(sa.or_(Block.blocker_id == user.id,
                                          Block.blocked_id == user.id)))
    # Views stay counted, as anonymous ones.
    execute(sa.update(DwellEvent).where(DwellEvent.user_id == user.id).values(user_id=None))
    kept = list(db.session.scalars(sa.select(Shader.id).where(Shader.owner_id == user.id)))
    db.session.commit()
    from fractafrag.services import shader_cache

    shader_cache.forget(kept)  # cached summaries and pages named the old username


def _placeholder_name(user_id: int) -> str:
    """"deleted-<id>", or with a random suffix should an older account hold that name."""
    name = f"deleted-{user_id}"
    taken = db.session.scalar(sa.select(User.id).where(sa.func.lower(User.username) == name,
                                                       User.id != user_id))
    return name if taken is None else f"{name}-{secrets.token_hex(2)}"
