"""Reports by anyone signed in; hiding and restoring by admins, with an audit log."""

from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api import SIGNED_IN
from fractafrag.api.community import schemas as s
from fractafrag.auth import login_required, viewer_id
from fractafrag.services import moderation

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="Reports")
admin_blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Moderation")


@blp.route("")
class Reports(MethodView):
    """Reporting content."""

    @login_required
    @blp.arguments(s.ReportCreateSchema)
    @blp.response(201, s.ReportSchema)
    @blp.alt_response(404, description="No such shader, comment or desire that you can see.")
    @blp.doc(security=SIGNED_IN)
    def post(self, body):
        """Report a shader, comment or desire to the admins"""
        return moderation.report(viewer_id(), body["kind"], body["id"], body["reason"])

    @login_required
    @blp.response(200, s.ReportSchema(many=True))
    @blp.alt_response(403, description="Admins only.")
    @blp.doc(security=SIGNED_IN)
    def get(self):
        """Open reports, oldest first (admins only)"""
        return moderation.open_reports(viewer_id())


@admin_blp.route("/<any(shaders, comments, desires):kinds>/<int:target_id>"
                 "/<any(hide, restore):action>")
class HideRestore(MethodView):
    """Hiding and restoring content."""

    @login_required
    @admin_blp.arguments(s.ModerationArgsSchema, location="query")
    @admin_blp.response(200, s.ModerationActionSchema)
    @admin_blp.alt_response(403, description="Admins only.")
    @admin_blp.doc(security=SIGNED_IN)
    def post(self, args, kinds, target_id, action):
        """Hide content from every listing, page and room, or restore it (admins only)"""
        return moderation.set_hidden(viewer_id(), kinds[:-1], target_id, action == "hide",
                                     args["reason"])


@admin_blp.route("/log")
class AuditLog(MethodView):
    """What the admins did."""

    @login_required
    @admin_blp.response(200, s.ModerationActionSchema(many=True))
    @admin_blp.alt_response(403, description="Admins only.")
    @admin_blp.doc(security=SIGNED_IN)
    def get(self):
        """The newest moderation actions (admins only)"""
        return moderation.audit_log(viewer_id())
