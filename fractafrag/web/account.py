"""Sign in, join, sign out and settings: plain HTML forms that work without JavaScript."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from fractafrag.api.limits import client_ip, enforce
from fractafrag.services import ServiceError, accounts, apikeys
from fractafrag.web.session import check_csrf, page_user, sign_in, sign_out

bp = Blueprint("account", __name__)
PROFILE_LIMITS = {"display_name": 64, "bio": 1000}


def _next_url() -> str:
    """Where to go after signing in: a path on this site only (never another host)."""
    target = request.values.get("next") or "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _errors_of(exc: ServiceError) -> dict[str, str]:
    fields = exc.errors or {}
    return {field: " ".join(messages) if isinstance(messages, list) else str(messages)
            for field, messages in fields.items()}


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    """The sign-in form; fields `username` (or email) and `password`."""
    if request.method == "GET":
        return render_template("login.html", next=_next_url(), username="", error=None)
    check_csrf()
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    error = None
    if not username or not password:
        error = "Enter your username (or email) and your password."
    else:
        try:
            enforce("RATELIMIT_LOGIN_IP", client_ip(), "sign-in attempts from this address")
            enforce("RATELIMIT_LOGIN_ACCOUNT", username.lower(),
                    "sign-in attempts for this account")
        except ServiceError as exc:
            error = exc.message
        else:
            user = accounts.authenticate(username, password)
            if user is not None:
                return sign_in(redirect(_next_url()), user)
            error = "Wrong username/email or password."
    status = 429 if error and "Too many" in error else 401 if error else 200
    return render_template("login.html", next=_next_url(), username=username,
                           error=error), status


@bp.route("/register", methods=["GET", "POST"])
def register() -> Response | tuple[str, int] | str:
    """The sign-up form: username, email, password."""
    form = {"username": request.form.get("username", "").strip(),
            "email": request.form.get("email", "").strip()}
    if request.method == "GET":
        return render_template("register.html", form=form, errors={}, next=_next_url())
    check_csrf()
    errors: dict[str, str] = {}
    try:
        enforce("RATELIMIT_REGISTER_IP", client_ip(), "registrations from this address")
        user = accounts.register(form["username"], form["email"], request.form.get("password", ""))
    except ServiceError as exc:
        errors = _errors_of(exc) or {"form": exc.message}
        return render_template("register.html", form=form, errors=errors,
                               next=_next_url()), exc.status
    flash(f"Welcome, {user.username}! Write your first shader.", "ok")
    return sign_in(redirect(_next_url() if _next_url() != "/" else url_for("editor.new")), user)


@bp.post("/logout")
def logout() -> Response:
    """Sign out: revoke the refresh token and clear the cookies."""
    check_csrf()
    return sign_out(redirect(url_for("pages.home")))


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> Response | tuple[str, int] | str:
    """Profile (display name, bio), password, API keys and plan."""
    user = page_user()
    if user is None:
        return redirect(url_for("account.login", next=request.path))
    errors: dict[str, str] = {}
    status = 200
    new_key = None
    if request.method == "POST":
        check_csrf()
        section = request.form.get("section")
        try:
            if section == "key-create":
                name = request.form.get("name", "").strip()
                if not 1 <= len(name) <= 64:
                    raise ServiceError("Name the key (1–64 characters).",
                                       {"key_name": ["Name the key (1–64 characters)."]})
                scopes = [s for s in ("read", "write") if request.form.get(f"scope_{s}")]
                key, secret = apikeys.create_key(user.id, name, scopes or ["read"])
                # Shown in this answer only (never put in the session or a redirect).
                new_key = {"name": key.name, "secret": secret, "scopes": key.scopes}
                return render_template("settings.html", user=user, errors={},
                                       keys=apikeys.list_keys(user.id), new_key=new_key)
            if section == "key-revoke":
                key = apikeys.revoke_key(user.id, request.form.get("key_id", type=int) or 0)
                flash(f"Key “{key.name}” revoked.", "ok")
            elif section == "password":
                accounts.update_profile(user.id, {
                    "current_password": request.form.get("current_password", ""),
                    "password": request.form.get("new_password", "")})
                flash("Password changed.", "ok")
            else:
                profile = {"display_name": request.form.get("display_name", "").strip(),
                           "bio": request.form.get("bio", "").strip()}
                for field, limit in PROFILE_LIMITS.items():
                    if len(profile[field]) > limit:
                        message = f"At most {limit} characters (this has {len(profile[field])})."
                        raise ServiceError(message, {field: [message]})
                accounts.update_profile(user.id, profile)
                flash("Profile saved.", "ok")
            return redirect(url_for("account.settings"))
        except ServiceError as exc:
            errors = _errors_of(exc) or {"form": exc.message}
            status = exc.status
    return render_template("settings.html", user=user, errors=errors,
                           keys=apikeys.list_keys(user.id), new_key=new_key), status
