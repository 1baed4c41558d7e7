"""AI generation with your own provider key: queue a job, then follow it."""

from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api import SIGNED_IN
from fractafrag.api.generate.schemas import GenerateSchema, JobSchema, QueuedSchema
from fractafrag.auth import login_required, viewer_id
from fractafrag.services import generation
from fractafrag.services.ratelimit import enforce

blp = Blueprint("generate", __name__, url_prefix="/api/v1/generate",
                description="Generate a shader with your own AI provider key (compile-and-repair)")


@blp.route("")
class Generate(MethodView):
    """Start a generation."""

    @login_required
    @blp.arguments(GenerateSchema)
    @blp.response(202, QueuedSchema)
    @blp.alt_response(429, description="Too many generations, or the free monthly allowance "
                                       "is used up.")
    @blp.doc(security=SIGNED_IN)
    def post(self, body):
        """Queue a job: the model writes a shader, compile errors go back for up to 3 repairs;
        the result is a draft you own. Follow it at GET /generate/<id> or in room user:<id>"""
        user_id = viewer_id()
        enforce("RATELIMIT_GENERATE", str(user_id), "generations")
        return generation.start(user_id, body.get("prompt"), body.get("provider"),
                                body.get("desire_id"))


@blp.route("/<job_id>")
class GenerateJob(MethodView):
    """One generation job."""

    @login_required
    @blp.response(200, JobSchema)
    @blp.doc(security=SIGNED_IN)
    def get(self, job_id):
        """Where the job is (its owner only; 404 for anyone else)"""
        return generation.status(job_id, viewer_id())
