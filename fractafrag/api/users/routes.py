"""Profiles: one's own account and public profiles."""

from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api.users.schemas import MeSchema, PublicUserSchema, UserUpdateSchema
from fractafrag.auth import current_user, login_required
from fractafrag.services import accounts

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="User profiles")


@blp.route("/me")
class Me(MethodView):
    """The signed-in account."""

    @login_required
    @blp.response(200, MeSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def get(self):
        """Show my account, including email and plan"""
        return current_user()

    @login_required
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, MeSchema)
    @blp.doc(security=[{"bearerAuth": []}])
    def patch(self, changes):
        """Edit my profile, email or password (a new password needs current_password)"""
        return accounts.update_profile(current_user().id, changes)


@blp.route("/<string:username>")
class UserByName(MethodView):
    """A public profile."""

    @blp.response(200, PublicUserSchema)
    def get(self, username):
        """Show someone's public profile"""
        return accounts.get_by_username(username)
