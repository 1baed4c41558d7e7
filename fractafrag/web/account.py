"""Sign in, join, sign out and settings: plain HTML forms that work without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_jwt_extended import unset_jwt_cookies

from fractafrag.api.limits import client_ip
from fractafrag.auth import end_sessions
from fractafrag.models import User
from fractafrag.services import ServiceError, accounts, apikeys, byok
from fractafrag.services.billing import bounties, connect, plans, stripe_client
from fractafrag.services.ratelimit import count_password_check, count_sign_in, enforce
from fractafrag.urls import public_url
from fractafrag.web.session import CSP, check_csrf, page_user, sign_in, sign_out

bp = Blueprint("account", __name__)
PROFILE_LIMITS = {"display_name": 64, "bio": 1000}


def _next_url() -> str:
    """Where to go after signing in: a path on this site only (never another host)."""
    target = request.values.get("next") or "/"
    parts = urlsplit(target)
    # Browsers read "\\" as "/" and drop tabs and newlines, so "/\\evil.example" and
    # "/\t/evil.example" would lead off the site: neither is ever a path of ours.
    unsafe = "\\" in target or any(ord(c) < 33 or ord(c) == 127 for c in target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or unsafe:
        return "/"
    return target


def _byok_keys(user_id: int) -> list[dict]:
    """The user's AI provider keys as the settings page shows them (never the key itself)."""
    return [{**byok.describe(row), "label": byok.PROVIDER_LABELS[row.provider]}
            for row in byok.list_keys(user_id)]


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
    error, status, headers = None, 401, {}
    if not username or not password:
        error = "Enter your username (or email) and your password."
    else:
        account = accounts.find_by_login(username)
        try:
            count_sign_in(account.id if account is not None else None, username, client_ip())
        except ServiceError as exc:
            error, status, headers = exc.message, exc.status, exc.headers
        else:
            user = accounts.authenticate(username, password, account)
            if user is not None:
                return sign_in(redirect(_next_url()), user)
            error = "Wrong username/email or password."
    return render_template("login.html", next=_next_url(), username=username,
                           error=error), status, headers


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
                               next=_next_url()), exc.status, exc.headers
    flash(f"Welcome, {user.username}! Write your first shader.", "ok")
    return sign_in(redirect(_next_url() if _next_url() != "/" else url_for("editor.new")), user)


@bp.post("/logout")
def logout() -> Response:
    """Sign out: revoke the refresh token and clear the cookies."""
    check_csrf()
    return sign_out(redirect(url_for("pages.home")))


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> Response | tuple[str, int] | str:
    """Profile (display name, bio), password, sessions, API keys, AI provider keys, plan and
    deleting the account."""
    user = page_user()
    if user is None:
        return redirect(url_for("account.login", next=request.path))
    errors: dict[str, str] = {}
    status, headers = 200, {}
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
                                       keys=apikeys.list_keys(user.id), new_key=new_key,
                                       byok_keys=_byok_keys(user.id), byok_form={},
                                       providers=byok.PROVIDER_LABELS)
            if section == "byok-save":
                provider = request.form.get("provider", "")
                row = byok.save_key(user.id, provider, request.form.get("api_key", ""),
                                    request.form.get("base_url"), request.form.get("model"))
                shown = f" (•••• {row.last4})" if row.last4 else ""
                flash(f"{byok.PROVIDER_LABELS[provider]} key saved{shown}.", "ok")
            elif section == "byok-delete":
                provider = request.form.get("provider", "")
                byok.delete_key(user.id, provider)
                flash(f"{byok.PROVIDER_LABELS[provider]} key removed.", "ok")
            elif section == "key-revoke":
                key = apikeys.revoke_key(user.id, request.form.get("key_id", type=int) or 0)
                flash(f"Key “{key.name}” revoked.", "ok")
            elif section == "sessions-revoke":
                end_sessions(user.id)
                # Every other session has ended; this one goes on with fresh cookies.
                flash("Signed out everywhere else.", "ok")
                return sign_in(redirect(url_for("account.settings")), user)
            elif section == "account-delete":
                return _delete_account(user)
            elif section == "password":
                count_password_check(user.id, client_ip())  # shares sign-in's limits
                accounts.update_profile(user.id, {
                    "current_password": request.form.get("current_password", ""),
                    "password": request.form.get("new_password", "")})
                # Every other session has ended; this one goes on with fresh cookies.
                flash("Password changed. Other sessions are signed out.", "ok")
                return sign_in(redirect(url_for("account.settings")), user)
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
            status, headers = exc.status, exc.headers
    # A refused key form is shown again without its key (never echoed back).
    byok_form = ({field: request.form.get(field, "") for field in ("provider", "base_url", "model")}
                 if request.method == "POST" and request.form.get("section") == "byok-save"
                 else {})
    return render_template("settings.html", user=user, errors=errors,
                           keys=apikeys.list_keys(user.id), new_key=new_key,
                           byok_keys=_byok_keys(user.id), byok_form=byok_form,
                           providers=byok.PROVIDER_LABELS), status, headers


def _delete_account(user: User) -> Response:
    """The "Delete account" form: the username typed again as confirmation, and the password
    (counted against the sign-in limits). Field errors are named `delete_<field>`."""
    confirm = request.form.get("confirm_username", "").strip()
    if confirm.lower() != user.username.lower():
        message = f"Type your username ({user.username}) to confirm."
        raise ServiceError(message, {"delete_confirm_username": [message]})
    try:
        count_password_check(user.id, client_ip())
        accounts.delete_account(user.id, request.form.get("current_password", ""))
    except ServiceError as exc:
        if exc.errors and isinstance(exc.errors, dict):
            exc.errors = {f"delete_{field}": messages for field, messages in exc.errors.items()}
        else:
            exc.errors = {"delete_form": [exc.message]}
        raise
    flash("Your account was deleted. Goodbye!", "ok")
    response = redirect(url_for("pages.home"))
    unset_jwt_cookies(response)
    return response


# ----------------------------------------------------------------------------- payments (Stripe)

# Checkout, the billing portal and Connect onboarding are Stripe's pages: the settings and
# desire forms redirect there, which the page's CSP (form-action) must allow.
STRIPE_FORM_TARGETS = ("https://checkout.stripe.com https://billing.stripe.com "
                       "https://connect.stripe.com")
STRIPE_FORM_PAGES = ("account.settings", "desire_pages.desire_page")


@bp.app_context_processor
def _payments_context() -> dict[str, Any]:
    """Whether payments are on (pages hide the payment UI otherwise), and the plan helpers."""
    return {"payments_enabled": stripe_client.enabled(), "plan_of": plans.plan_of,
            "payouts_of": bounties.payouts_of, "connect_of": connect.connect_of}


@bp.after_app_request
def _allow_stripe_forms(response: Response) -> Response:
    """On pages with forms that lead to Stripe (payments on), let the forms go there."""
    if request.endpoint in STRIPE_FORM_PAGES and stripe_client.enabled():
        response.headers["Content-Security-Policy"] = CSP.format(ancestors="'self'").replace(
            "form-action 'self'", f"form-action 'self' {STRIPE_FORM_TARGETS}")
    return response


def _to_stripe(make_url: Callable[[int], str]) -> Response:
    """Send the signed-in person to a Stripe page (303), or back to settings with the reason."""
    check_csrf()
    user = page_user()
    if user is None:
        return redirect(url_for("account.login", next=url_for("account.settings")))
    try:
        return redirect(make_url(user.id), code=303)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("account.settings"))


@bp.post("/settings/billing/checkout")
def billing_checkout() -> Response:
    """The "Upgrade to Pro" button: on to Stripe Checkout."""
    settings_url = public_url("account.settings")
    return _to_stripe(lambda user_id: plans.checkout_url(
        user_id, settings_url + "?billing=success", settings_url + "?billing=cancelled"))


@bp.post("/settings/billing/portal")
def billing_portal() -> Response:
    """The "Manage billing" button: on to Stripe's billing portal."""
    return _to_stripe(lambda user_id: plans.portal_url(
        user_id, public_url("account.settings")))


@bp.post("/settings/payouts/connect")
def payouts_connect() -> Response:
    """The "Set up payouts" button: on to Stripe's onboarding for the user's Express account."""
    return _to_stripe(lambda user_id: connect.onboarding_url(
        user_id, public_url("account.payouts_refresh"),
        public_url("account.settings", payouts="return")))


@bp.get("/settings/payouts/refresh")
def payouts_refresh() -> Response:
    """Where Stripe sends someone whose onboarding link expired: a fresh link."""
    user = page_user()
    if user is None:
        return redirect(url_for("account.login", next=url_for("account.settings")))
    try:
        return redirect(connect.refresh_url_for(
            user.id, public_url("account.payouts_refresh"),
            public_url("account.settings", payouts="return")), code=303)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("account.settings"))


@bp.post("/settings/payouts/send")
def payouts_send() -> Response:
    """The "Send owed payouts" button: try again the transfers Stripe refused."""
    check_csrf()
    user = page_user()
    if user is None:
        return redirect(url_for("account.login", next=url_for("account.settings")))
    sent = connect.pay_owed(user.id)
    owed = connect.connect_of(user.id)["owed_cents"]
    if owed:
        flash(f"Sent {sent} payout(s); Stripe refused the rest, which stay owed. Try again "
              "later.", "error")
    else:
        flash(f"Sent {sent} payout(s) to your Stripe account.", "ok")
    return redirect(url_for("account.settings"))
