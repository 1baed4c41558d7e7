"""Liveness of the app and the services it needs."""

from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api.health.schemas import HealthSchema
from fractafrag.services.health import check_health

blp = Blueprint("health", __name__, url_prefix="/api/v1/health", description="Health")


@blp.route("")
class Health(MethodView):
    """Whether the database and Redis answer; which embedder the desire board uses."""

    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="A part is down; it is named.")
    def get(self):
        """Report database and Redis status, and the desire board's embedder"""
        report = check_health()
        return report, (200 if report["status"] == "ok" else 503)
