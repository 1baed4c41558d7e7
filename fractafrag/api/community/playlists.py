"""Playlists: ordered collections of shaders, public or private."""

from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api import SIGNED_IN
from fractafrag.api.community import schemas as s
from fractafrag.auth import login_required, viewer_id
from fractafrag.services import accounts, playlists

blp = Blueprint("playlists", __name__, url_prefix="/api/v1/playlists", description="Playlists")


@blp.route("")
class Playlists(MethodView):
    """All playlists you may see."""

    @blp.arguments(s.PlaylistArgsSchema, location="query")
    @blp.response(200, s.PlaylistSchema(many=True))
    @blp.alt_response(404, description="No user of that name.")
    def get(self, args):
        """Public playlists (owner=name: one person's), plus your own private ones"""
        owner = accounts.get_by_username(args["owner"]).id if args.get("owner") else None
        me = viewer_id()
        return [playlists.summary(p, me) for p in playlists.list_playlists(me, owner)]

    @login_required
    @blp.arguments(s.PlaylistCreateSchema)
    @blp.response(201, s.PlaylistSchema)
    @blp.doc(security=SIGNED_IN)
    def post(self, body):
        """Make a playlist"""
        return playlists.summary(playlists.create_playlist(viewer_id(), body), viewer_id())


@blp.route("/<int:playlist_id>")
class PlaylistById(MethodView):
    """One playlist."""

    @blp.response(200, s.PlaylistDetailSchema)
    def get(self, playlist_id):
        """A playlist with its shaders in order (private ones: their owner only)"""
        return playlists.detail(playlist_id, viewer_id())

    @login_required
    @blp.arguments(s.PlaylistUpdateSchema)
    @blp.response(200, s.PlaylistSchema)
    @blp.alt_response(403, description="Only the playlist's owner may change it.")
    @blp.doc(security=SIGNED_IN)
    def patch(self, changes, playlist_id):
        """Rename, describe, or make public/private"""
        return playlists.summary(
            playlists.update_playlist(playlist_id, viewer_id(), changes), viewer_id())

    @login_required
    @blp.response(204)
    @blp.alt_response(403, description="Only the playlist's owner may delete it.")
    @blp.doc(security=SIGNED_IN)
    def delete(self, playlist_id):
        """Delete the playlist (the shaders stay)"""
        playlists.delete_playlist(playlist_id, viewer_id())


@blp.route("/<int:playlist_id>/items")
class PlaylistItems(MethodView):
    """The shaders in a playlist."""

    @login_required
    @blp.arguments(s.PlaylistItemSchema)
    @blp.response(201, s.PlaylistDetailSchema)
    @blp.alt_response(403, description="Only the playlist's owner may change it.")
    @blp.alt_response(409, description="The shader is already in the playlist.")
    @blp.doc(security=SIGNED_IN)
    def post(self, body, playlist_id):
        """Append a shader"""
        playlists.add_item(playlist_id, viewer_id(), body["shader_id"])
        return playlists.detail(playlist_id, viewer_id())

    @login_required
    @blp.arguments(s.PlaylistOrderSchema)
    @blp.response(200, s.PlaylistDetailSchema)
    @blp.alt_response(403, description="Only the playlist's owner may change it.")
    @blp.doc(security=SIGNED_IN)
    def put(self, body, playlist_id):
        """Reorder: list every shader id once, in the new order"""
        playlists.reorder(playlist_id, viewer_id(), body["shader_ids"])
        return playlists.detail(playlist_id, viewer_id())


@blp.route("/<int:playlist_id>/items/<int:shader_id>")
class PlaylistItem(MethodView):
    """One shader in a playlist."""

    @login_required
    @blp.response(200, s.PlaylistDetailSchema)
    @blp.alt_response(403, description="Only the playlist's owner may change it.")
    @blp.doc(security=SIGNED_IN)
    def delete(self, playlist_id, shader_id):
        """Take a shader out of the playlist"""
        playlists.remove_item(playlist_id, viewer_id(), shader_id)
        return playlists.detail(playlist_id, viewer_id())
