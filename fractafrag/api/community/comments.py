"""Comments on shaders, and notifications."""

from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api import SIGNED_IN
from fractafrag.api.community import schemas as s
from fractafrag.auth import login_required, viewer_id
from fractafrag.services import comments, notifications

blp = Blueprint("comments", __name__, url_prefix="/api/v1", description="Comments")
notes_blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications",
                      description="Notifications")
notes_blp.DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 30, "max_page_size": 100}


@blp.route("/shaders/<int:shader_id>/comments")
class ShaderComments(MethodView):
    """The conversation under a shader."""

    @blp.response(200, s.CommentThreadSchema(many=True))
    def get(self, shader_id):
        """Top-level comments oldest first, each with its replies"""
        return comments.list_comments(shader_id, viewer_id())

    @login_required
    @blp.arguments(s.CommentCreateSchema)
    @blp.response(201, s.CommentSchema)
    @blp.alt_response(403, description="The shader's author does not take your comments.")
    @blp.doc(security=SIGNED_IN)
    def post(self, body, shader_id):
        """Comment on a shader, or reply to a top-level comment (parent_id)"""
        row = comments.create_comment(shader_id, viewer_id(), body["body"], body["parent_id"])
        return comments.payload(row)


@blp.route("/comments/<int:comment_id>")
class CommentById(MethodView):
    """One comment."""

    @blp.response(200, s.CommentSchema)
    def get(self, comment_id):
        """Show a comment"""
        return comments.payload(comments.get_comment(comment_id, viewer_id()))

    @login_required
    @blp.arguments(s.CommentUpdateSchema)
    @blp.response(200, s.CommentSchema)
    @blp.alt_response(403, description="Only the comment's author may change it.")
    @blp.doc(security=SIGNED_IN)
    def patch(self, body, comment_id):
        """Rewrite your comment"""
        return comments.payload(comments.edit_comment(comment_id, viewer_id(), body["body"]))

    @login_required
    @blp.response(204)
    @blp.alt_response(403, description="Only the comment's author may delete it.")
    @blp.doc(security=SIGNED_IN)
    def delete(self, comment_id):
        """Delete your comment (and its replies)"""
        comments.delete_comment(comment_id, viewer_id())


@notes_blp.route("")
class Notifications(MethodView):
    """What others did to your work."""

    @login_required
    @notes_blp.arguments(s.NotificationArgsSchema, location="query")
    @notes_blp.response(200, s.NotificationSchema(many=True))
    @notes_blp.paginate()
    @notes_blp.doc(security=SIGNED_IN)
    def get(self, args, pagination_parameters):
        """Your notifications newest first (unread=1: only unread ones)"""
        rows, total = notifications.list_for(viewer_id(), args["unread"],
                                             pagination_parameters.page,
                                             pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return [notifications.payload(n) for n in rows]


@notes_blp.route("/read")
class MarkRead(MethodView):
    """Mark notifications read."""

    @login_required
    @notes_blp.arguments(s.MarkReadSchema)
    @notes_blp.response(200, s.MarkedSchema)
    @notes_blp.doc(security=SIGNED_IN)
    def post(self, body):
        """Mark the given notifications read (all of them without ids)"""
        user = viewer_id()
        marked = notifications.mark_read(user, body["ids"])
        return {"marked": marked, "unread": notifications.unread_count(user)}
