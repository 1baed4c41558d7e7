"""Compile-check GLSL without saving it."""

from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api.limits import client_ip
from fractafrag.api.shaders.schemas import (
    GlslFailureSchema,
    ValidateSchema,
    ValidationResultSchema,
)
from fractafrag.auth import viewer_id
from fractafrag.services import browser_check, shaders
from fractafrag.services.ratelimit import enforce

blp = Blueprint("validate", __name__, url_prefix="/api/v1/validate",
                description="GLSL validation")


@blp.route("")
class Validate(MethodView):
    """The compiler, as a service."""

    @blp.arguments(ValidateSchema)
    @blp.response(200, ValidationResultSchema)
    @blp.alt_response(422, schema=GlslFailureSchema, description=(
        "Not compiled: a macro expands past its limit (a macro bomb; the error names the pass, "
        "line and limit), or compiling took longer than the compile budget every pass shares "
        "(the error names the pass); or invalid fields."))
    @blp.alt_response(429, description=(
        "Too many validations (per address when anonymous, per account when signed in); "
        "Retry-After says when to go on."))
    @blp.alt_response(503, description=(
        "Every compiler slot of the site stayed busy for the whole wait; Retry-After says "
        "when to try again."))
    def post(self, body):
        """Check GLSL as Chromium's WebGL2 would: ok, or every error with pass and line"""
        user_id = viewer_id()
        # Without Redis the counters are skipped: the site-wide compile slots still bound it.
        if user_id is None:
            enforce("RATELIMIT_VALIDATE_IP", client_ip(), "validations from this address",
                    without_redis=True)
        else:
            enforce("RATELIMIT_VALIDATE_USER", str(user_id), "validations", without_redis=True)
        version = shaders.source_from(body)
        # glslang, then (for its known-stricter refusals) the render worker's Chromium.
        errors = browser_check.validate(version["common"], version["passes"])
        return {"ok": not errors, "errors": [e.as_dict() for e in errors]}
