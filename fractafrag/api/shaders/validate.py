"""Compile-check GLSL without saving it."""

from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api.shaders.schemas import ValidateSchema, ValidationResultSchema
from fractafrag.services import glsl, shaders

blp = Blueprint("validate", __name__, url_prefix="/api/v1/validate",
                description="GLSL validation")


@blp.route("")
class Validate(MethodView):
    """The compiler, as a service."""

    @blp.arguments(ValidateSchema)
    @blp.response(200, ValidationResultSchema)
    def post(self, body):
        """Check GLSL with glslang (GLSL ES 3.00): ok, or every error with pass and line"""
        version = shaders.source_from(body)
        errors = glsl.validate_version(version["common"], version["passes"])
        return {"ok": not errors, "errors": [e.as_dict() for e in errors]}
