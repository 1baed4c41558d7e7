"""Jam sessions over REST: start, read, join, invite, remove, edit, save, end."""

from __future__ import annotations

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api import SIGNED_IN
from fractafrag.api.jams import schemas as s
from fractafrag.api.shaders.routes import COMPILER_BUSY
from fractafrag.api.shaders.schemas import GlslFailureSchema
from fractafrag.auth import login_required, viewer_id
from fractafrag.services import jams
from fractafrag.services.ratelimit import count_new_version

blp = Blueprint("jams", __name__, description="Jam sessions: a shader's code edited live "
                "together (Yjs over Socket.IO), watched by anyone who may see the shader")
NOT_SEEN = "No such jam, or its shader is not one you may see."


@blp.route("/api/v1/shaders/<int:shader_id>/jams")
class ShaderJams(MethodView):
    """Starting a jam."""

    @login_required
    @blp.arguments(s.JamStartSchema)
    @blp.response(201, s.JamStartedSchema)
    @blp.alt_response(403, description="Only the shader's owner may start a jam.")
    @blp.alt_response(404, description="No such shader, or not one you may see.")
    @blp.alt_response(409, description="The shader already has a live jam (`jam_id`).")
    @blp.doc(security=SIGNED_IN)
    def post(self, body, shader_id):
        """Start a jam on your shader, from its current version"""
        try:
            return jams.start_jam(shader_id, viewer_id(), body["editors_may_save"]), 201
        except jams.JamLive as error:
            answer = jsonify({"code": 409, "status": "Conflict", "message": error.message,
                              "jam_id": error.jam_id})
            answer.status_code = 409
            return answer


@blp.route("/api/v1/jams/<int:jam_id>")
class JamById(MethodView):
    """One jam."""

    @blp.response(200, s.JamSchema)
    @blp.alt_response(404, description=NOT_SEEN)
    def get(self, jam_id):
        """A jam: its passes' current text, who is in it, and what you may do"""
        return jams.describe(jams.jam_for(jam_id, viewer_id()), viewer_id())


@blp.route("/api/v1/jams/<int:jam_id>/join")
class JoinJam(MethodView):
    """Becoming an editor."""

    @login_required
    @blp.arguments(s.JoinSchema)
    @blp.response(200, s.RoleSchema)
    @blp.alt_response(403, description="The invite is wrong or was replaced, or the owner "
                                       "removed you.")
    @blp.alt_response(404, description=NOT_SEEN)
    @blp.alt_response(409, description="The jam has ended.")
    @blp.doc(security=SIGNED_IN)
    def post(self, body, jam_id):
        """Join a jam as an editor with its invite token"""
        return jams.join(jam_id, viewer_id(), body["invite"])


@blp.route("/api/v1/jams/<int:jam_id>/invite")
class JamInvite(MethodView):
    """The invite token."""

    @login_required
    @blp.response(200, s.InviteSchema)
    @blp.alt_response(403, description="Only the jam's owner may make a new invite.")
    @blp.alt_response(404, description=NOT_SEEN)
    @blp.alt_response(409, description="The jam has ended.")
    @blp.doc(security=SIGNED_IN)
    def post(self, jam_id):
        """Replace the invite token (who already joined stays an editor)"""
        return jams.new_invite(jam_id, viewer_id())


@blp.route("/api/v1/jams/<int:jam_id>/participants/<int:user_id>")
class JamParticipant(MethodView):
    """One co-editor."""

    @login_required
    @blp.response(204)
    @blp.alt_response(403, description="Only the jam's owner may remove people.")
    @blp.alt_response(404, description=NOT_SEEN)
    @blp.doc(security=SIGNED_IN)
    def delete(self, jam_id, user_id):
        """Remove a co-editor: a watcher from now on, unable to rejoin with any token"""
        jams.remove_participant(jam_id, viewer_id(), user_id)


@blp.route("/api/v1/jams/<int:jam_id>/edits")
class JamEdits(MethodView):
    """Editing without a socket (agents, scripts)."""

    @login_required
    @blp.arguments(s.EditSchema)
    @blp.response(200, s.EditedSchema)
    @blp.alt_response(403, description="Watchers are read-only: join with the invite first.")
    @blp.alt_response(404, description=NOT_SEEN)
    @blp.alt_response(409, description="The jam has ended.")
    @blp.alt_response(413, description="The pass would exceed its size limit.")
    @blp.alt_response(422, description="An unknown pass, or an offset outside the pass.")
    @blp.alt_response(429, description="Too many edits; Retry-After says when to go on.")
    @blp.doc(security=SIGNED_IN)
    def post(self, body, jam_id):
        """Edit one pass: `text` replaces it, or `at` + `delete`/`insert` splice it"""
        return jams.edit_pass(jam_id, viewer_id(), body)


@blp.route("/api/v1/jams/<int:jam_id>/save")
class SaveJam(MethodView):
    """Saving the jam."""

    @login_required
    @blp.arguments(s.SaveSchema)
    @blp.response(201, s.SavedSchema)
    @blp.alt_response(403, description="Only the owner (or editors, when allowed) may save.")
    @blp.alt_response(404, description=NOT_SEEN)
    @blp.alt_response(409, description="The jam has ended, or its code equals the current "
                                       "version.")
    @blp.alt_response(422, schema=GlslFailureSchema, description="The code does not compile: "
                      "errors give pass and line.")
    @blp.alt_response(429, description="Too many new versions; Retry-After says when to go on.")
    @blp.alt_response(503, description=COMPILER_BUSY)
    @blp.doc(security=SIGNED_IN)
    def post(self, body, jam_id):
        """Save the jam's code as the shader's next version, naming its co-authors"""
        count_new_version(viewer_id())
        return jams.save_jam(jam_id, viewer_id(), body["message"]), 201


@blp.route("/api/v1/jams/<int:jam_id>/end")
class EndJam(MethodView):
    """Ending the jam."""

    @login_required
    @blp.response(200, s.EndedSchema)
    @blp.alt_response(403, description="Only the jam's owner may end it.")
    @blp.alt_response(404, description=NOT_SEEN)
    @blp.doc(security=SIGNED_IN)
    def post(self, jam_id):
        """End the jam: no more edits; its final state stays readable"""
        return jams.end_jam(jam_id, viewer_id())
