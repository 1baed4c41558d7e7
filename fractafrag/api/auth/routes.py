"""Register, sign in, refresh and sign out."""

from flask import after_this_request
from flask.views import MethodView
from flask_jwt_extended import (
    get_jwt_identity,
    get_jwt_request_location,
    jwt_required,
    set_access_cookies,
    unset_jwt_cookies,
)
from flask_smorest import Blueprint

from fractafrag.api.auth.schemas import AccessTokenSchema, LoginSchema, RegisterSchema, TokensSchema
from fractafrag.api.limits import client_ip
from fractafrag.auth import issue_tokens, new_access_token, revoke_current_refresh_token
from fractafrag.errors import abort
from fractafrag.services import accounts
from fractafrag.services.ratelimit import count_sign_in, enforce

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts and tokens")


@blp.route("/register")
class Register(MethodView):
    """Account creation."""

    @blp.arguments(RegisterSchema)
    @blp.response(201, TokensSchema)
    @blp.alt_response(409, description="The username or email is taken.")
    @blp.alt_response(429, description="Too many registrations from this address.")
    def post(self, body):
        """Create an account and sign in"""
        enforce("RATELIMIT_REGISTER_IP", client_ip(), "registrations from this address")
        user = accounts.register(body["username"], body["email"], body["password"])
        return {"user": user, **issue_tokens(user)}


@blp.route("/login")
class Login(MethodView):
    """Sign-in."""

    @blp.arguments(LoginSchema)
    @blp.response(200, TokensSchema)
    @blp.alt_response(401, description="Wrong username/email or password.")
    @blp.alt_response(429, description="Too many attempts for this account or address.")
    def post(self, body):
        """Sign in with a username or email and a password"""
        login = (body.get("username") or body.get("email")).strip()
        account = accounts.find_by_login(login)
        count_sign_in(account.id if account is not None else None, login, client_ip())
        user = accounts.authenticate(login, body["password"], account)
        if user is None:
            abort(401, "Wrong username/email or password.")
        return {"user": user, **issue_tokens(user)}


@blp.route("/refresh")
class Refresh(MethodView):
    """Access token renewal."""

    @jwt_required(refresh=True, locations=["headers", "cookies"])
    @blp.response(200, AccessTokenSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self):
        """Trade a refresh token (Bearer, or the page's refresh cookie) for a new access token"""
        token = new_access_token(int(get_jwt_identity()))
        if get_jwt_request_location() == "cookies":
            after_this_request(lambda response: set_access_cookies(response, token) or response)
        return {"access_token": token}


@blp.route("/logout")
class Logout(MethodView):
    """Sign-out."""

    @jwt_required(refresh=True, locations=["headers", "cookies"])
    @blp.response(204)
    @blp.doc(security=[{"bearerAuth": []}])
    def post(self):
        """Revoke the refresh token given as Bearer (or the page's cookie), at once"""
        revoke_current_refresh_token()
        if get_jwt_request_location() == "cookies":
            after_this_request(lambda response: unset_jwt_cookies(response) or response)
