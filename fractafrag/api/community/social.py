"""Follows and blocks between users."""

from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api import SIGNED_IN
from fractafrag.api.community import schemas as s
from fractafrag.auth import login_required, viewer_id
from fractafrag.services import follows, moderation

blp = Blueprint("social", __name__, url_prefix="/api/v1/users", description="Follows and blocks")


@blp.route("/<string:username>/follow")
class FollowUser(MethodView):
    """Following someone."""

    @login_required
    @blp.response(200, s.FollowStateSchema)
    @blp.alt_response(422, description="You cannot follow yourself.")
    @blp.doc(security=SIGNED_IN)
    def put(self, username):
        """Follow someone: their new public shaders appear in your Following feed"""
        return follows.follow(viewer_id(), username)

    @login_required
    @blp.response(200, s.FollowStateSchema)
    @blp.doc(security=SIGNED_IN)
    def delete(self, username):
        """Stop following someone"""
        return follows.unfollow(viewer_id(), username)


@blp.route("/<string:username>/block")
class BlockUser(MethodView):
    """Blocking someone."""

    @login_required
    @blp.response(200, s.BlockStateSchema)
    @blp.alt_response(422, description="You cannot block yourself.")
    @blp.doc(security=SIGNED_IN)
    def put(self, username):
        """Block someone: you no longer see their comments; they cannot comment on your shaders"""
        return moderation.block(viewer_id(), username)

    @login_required
    @blp.response(200, s.BlockStateSchema)
    @blp.doc(security=SIGNED_IN)
    def delete(self, username):
        """Lift a block"""
        return moderation.unblock(viewer_id(), username)
