"""Profiles: one's own account and public profiles."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import after_this_request, request
from flask.views import MethodView
from flask_jwt_extended import (
    get_jwt_request_location,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
)
from flask_smorest import Blueprint

from fractafrag.api import PERSON_ONLY, SIGNED_IN
from fractafrag.api.limits import client_ip
from fractafrag.api.users.schemas import (
    AccountDeleteSchema,
    MeSchema,
    MeUpdatedSchema,
    PublicUserSchema,
    SessionsRevokedSchema,
    UserUpdateSchema,
)
from fractafrag.auth import (
    API_KEY_HEADER,
    current_user,
    end_sessions,
    interactive_user,
    issue_tokens,
    login_required,
)
from fractafrag.models import User
from fractafrag.services import Forbidden, accounts
from fractafrag.services.ratelimit import count_password_check

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="User profiles")
# What only a signed-in person may change: an API key (an agent, a script) never manages the
# account it acts for.
CREDENTIAL_FIELDS = ("password", "current_password", "email")
INTERACTIVE_ONLY = ("An API key tried it: this needs a signed-in session (a Bearer JWT from "
                    "sign-in, or the site's cookies).")


def interactive_only(what: str) -> Callable:
    """Refuse API keys (403 naming `what`) before anything else is looked at."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            interactive_user(what)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def _renew_session(user: User) -> dict[str, str]:
    """Fresh tokens for this request's session after its account's sessions were ended: in the
    answer, and as cookies when the request came with cookies."""
    tokens = issue_tokens(user)
    if get_jwt_request_location() == "cookies":
        def _cookies(response):
            set_access_cookies(response, tokens["access_token"])
            set_refresh_cookies(response, tokens["refresh_token"])
            return response

        after_this_request(_cookies)
    return tokens


@blp.route("/me")
class Me(MethodView):
    """The signed-in account."""

    @login_required
    @blp.response(200, MeSchema)
    @blp.doc(security=SIGNED_IN)
    def get(self):
        """Show my account, including email and plan"""
        return current_user()

    @login_required
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, MeUpdatedSchema)
    @blp.alt_response(403, description="An API key tried to change the password or email: "
                      "those need a signed-in session (Bearer JWT from sign-in, or the site).")
    @blp.alt_response(429, description="Too many password checks (a new password or email "
                      "checks current_password): they count against the sign-in limits per "
                      "address and per account; Retry-After says when to go on.")
    @blp.doc(security=SIGNED_IN)
    def patch(self, changes):
        """Edit my profile, email or password (a new password or email needs current_password;
        an API key may edit the profile only). A new password signs out every other session:
        the answer carries this session's fresh access_token and refresh_token"""
        named = [field for field in CREDENTIAL_FIELDS if field in changes]
        if named and API_KEY_HEADER in request.headers:
            message = (f"API keys cannot change {', '.join(named)}: sign in (a Bearer token "
                       "from /auth/login, or the site's Settings page) to manage the account.")
            raise Forbidden(message, {field: [message] for field in named})
        user = current_user()
        new_password = changes.get("password") is not None
        if new_password or changes.get("email") is not None:
            count_password_check(user.id, client_ip())
        user = accounts.update_profile(user.id, changes)
        if new_password:
            # Every earlier token of the account is refused now; this session goes on with
            # fresh ones (in the answer, and as cookies when it came with cookies).
            tokens = _renew_session(user)
            user.access_token, user.refresh_token = tokens["access_token"], tokens["refresh_token"]
        return user

    @login_required
    @interactive_only("delete the account")
    @blp.arguments(AccountDeleteSchema)
    @blp.response(204)
    @blp.alt_response(403, description=INTERACTIVE_ONLY)
    @blp.alt_response(409, description="A Pro subscription still charges the card: cancel it "
                      "in the billing portal first.")
    @blp.alt_response(422, description="current_password is missing or wrong (named).")
    @blp.alt_response(429, description="Too many password checks: they count against the "
                      "sign-in limits per address and per account; Retry-After says when.")
    @blp.doc(security=PERSON_ONLY)
    def delete(self, body):
        """Delete my account for good (needs current_password): every session ends, personal
        data is erased, private and draft shaders go; public shaders, comments and desires stay
        under the name "deleted-<id>"."""
        user = current_user()
        count_password_check(user.id, client_ip())
        accounts.delete_account(user.id, body["current_password"])
        if get_jwt_request_location() == "cookies":
            after_this_request(lambda response: unset_jwt_cookies(response) or response)


@blp.route("/me/sessions/revoke")
class RevokeSessions(MethodView):
    """Sign out everywhere else."""

    @login_required
    @interactive_only("sign the account out of its sessions")
    @blp.response(200, SessionsRevokedSchema)
    @blp.alt_response(403, description=INTERACTIVE_ONLY)
    @blp.doc(security=PERSON_ONLY)
    def post(self):
        """Sign out every other session: refresh tokens and cookies issued until now are
        refused; this session goes on with the fresh tokens in the answer (and cookies)"""
        user = current_user()
        end_sessions(user.id)
        return _renew_session(user)


@blp.route("/<string:username>")
class UserByName(MethodView):
    """A public profile."""

    @blp.response(200, PublicUserSchema)
    def get(self, username):
        """Show someone's public profile"""
        return accounts.get_by_username(username)
