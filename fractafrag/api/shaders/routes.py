"""Shaders: publish, read, edit, delete, history, diff, forks, search, Shadertoy JSON."""

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api import SIGNED_IN
from fractafrag.api.cache import shared_for
from fractafrag.api.feed.schemas import DwellSchema, VoteResultSchema, VoteSchema
from fractafrag.api.limits import client_ip
from fractafrag.api.shaders import schemas as s
from fractafrag.auth import login_required, viewer_id
from fractafrag.services import shaders, shadertoy_io, votes
from fractafrag.services.ratelimit import count_new_shader, count_new_version, enforce
from fractafrag.services.search import search_shaders

blp = Blueprint("shaders", __name__, url_prefix="/api/v1/shaders",
                description="Shaders, versions, forks and search")
blp.DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}


# Publishing compiles within the site's compile slots (services/compile_gate.py).
COMPILER_BUSY = "Every compiler slot stayed busy; Retry-After says when to try again."


# Searches and lists that are the same for every caller are shared for this long.
SEARCH_CACHE_SECONDS = 5.0


def _same_for_everyone() -> bool:
    """A search whose answer does not depend on the caller: it names no author (listing your
    own shaders shows your private ones). The caller's token, if any, is still checked."""
    viewer_id()
    if request.args.get("author"):
        return False
    return "author:" not in request.args.get("q", "").lower()


@blp.route("")
class Shaders(MethodView):
    """The shader collection."""

    @shared_for(SEARCH_CACHE_SECONDS, when=_same_for_everyone)
    @blp.arguments(s.ShaderQueryArgsSchema, location="query")
    @blp.response(200, s.ShaderSummarySchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List or search shaders (public ones; all of your own with author=<you>)"""
        rows, total = search_shaders(
            q=args.get("q", ""), tags=args.get("tag"), author=args.get("author"),
            sort=args.get("sort"), viewer_id=viewer_id(),
            page=pagination_parameters.page, page_size=pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return rows

    @login_required
    @blp.arguments(s.ShaderCreateSchema)
    @blp.response(201, s.ShaderSchema)
    @blp.alt_response(422, schema=s.GlslFailureSchema,
                      description="The GLSL does not compile, is a macro bomb, or took longer "
                                  "than the compile budget; errors give pass and line.")
    @blp.alt_response(503, description=COMPILER_BUSY)
    @blp.alt_response(429, description="Free monthly allowance used, or too many new shaders "
                                         "in a short time; Retry-After says when to go on.")
    @blp.doc(security=SIGNED_IN)
    def post(self, body):
        """Publish a new shader (validated by glslang; rendering is queued)"""
        count_new_shader(viewer_id())
        version = shaders.source_from(body)
        return shaders.create_shader(viewer_id(), body, version)


@blp.route("/<int:shader_id>")
class ShaderById(MethodView):
    """One shader."""

    @blp.response(200, s.ShaderSchema)
    def get(self, shader_id):
        """Show a shader with the code of its current version"""
        return shaders.visible_shader(shader_id, viewer_id())

    @login_required
    @blp.arguments(s.ShaderUpdateSchema)
    @blp.response(200, s.ShaderSchema)
    @blp.alt_response(422, schema=s.GlslFailureSchema, description="The new code does not compile "
                      "(or is a macro bomb, or took longer than the compile budget).")
    @blp.alt_response(503, description=COMPILER_BUSY)
    @blp.alt_response(403, description="Only the shader's owner may change it.")
    @blp.alt_response(429, description="Too many new versions; Retry-After says when to go on.")
    @blp.doc(security=SIGNED_IN)
    def patch(self, changes, shader_id):
        """Edit a shader you own: new code makes version n+1, metadata edits do not"""
        if any(changes.get(field) is not None for field in ("code", "passes", "common")):
            count_new_version(viewer_id())
        return shaders.update_shader(shader_id, viewer_id(), changes)

    @login_required
    @blp.response(204)
    @blp.alt_response(403, description="Only the shader's owner may change it.")
    @blp.doc(security=SIGNED_IN)
    def delete(self, shader_id):
        """Delete a shader you own (forks keep their lineage)"""
        shaders.delete_shader(shader_id, viewer_id())


@blp.route("/<int:shader_id>/vote")
class VoteOnShader(MethodView):
    """Up- and down-votes."""

    @login_required
    @blp.arguments(VoteSchema)
    @blp.response(200, VoteResultSchema)
    @blp.alt_response(403, description="It is your own shader.")
    @blp.alt_response(429, description="Too many votes; Retry-After says when to go on.")
    @blp.doc(security=SIGNED_IN)
    def post(self, body, shader_id):
        """Vote 1 (up), -1 (down) or 0 (withdraw); answers the shader's new counters"""
        enforce("RATELIMIT_VOTE", str(viewer_id()), "votes", without_redis=True)
        return votes.cast_vote(shader_id, viewer_id(), body["value"])


@blp.route("/<int:shader_id>/dwell")
class Dwell(MethodView):
    """Time spent on a shader."""

    @blp.arguments(DwellSchema)
    @blp.response(204)
    def post(self, body, shader_id):
        """Report how long the shader was watched (1 ms to 10 minutes); counts a view"""
        votes.record_dwell(shader_id, viewer_id(), body["ms"], client_ip())


@blp.route("/<int:shader_id>/versions")
class Versions(MethodView):
    """A shader's history."""

    @blp.response(200, s.VersionSummarySchema(many=True))
    def get(self, shader_id):
        """List every version, oldest first"""
        return shaders.versions_of(shader_id, viewer_id())


@blp.route("/<int:shader_id>/versions/<int:number>")
class VersionByNumber(MethodView):
    """One immutable version."""

    @blp.response(200, s.VersionSchema)
    def get(self, shader_id, number):
        """Show the code of one version"""
        return shaders.version_of(shader_id, number, viewer_id())


@blp.route("/<int:shader_id>/versions/<int:number>/restore")
class RestoreVersion(MethodView):
    """Going back to an earlier version."""

    @login_required
    @blp.response(201, s.ShaderSchema)
    @blp.alt_response(403, description="Only the shader's owner may change it.")
    @blp.alt_response(429, description="Too many new versions; Retry-After says when to go on.")
    @blp.doc(security=SIGNED_IN)
    def post(self, shader_id, number):
        """Make a new version whose code equals version <number>"""
        count_new_version(viewer_id())
        return shaders.restore_version(shader_id, number, viewer_id())


@blp.route("/<int:shader_id>/diff")
class Diff(MethodView):
    """What changed between two versions."""

    @blp.arguments(s.DiffQuerySchema, location="query")
    @blp.response(200, s.DiffSchema)
    @blp.alt_response(404, description="No such shader (or not visible to you), or no such "
                      "version.")
    @blp.alt_response(413, description="Too large to show: the two versions together are over "
                      "FRACTAFRAG_DIFF_MAX_BYTES or FRACTAFRAG_DIFF_MAX_LINES; the message names "
                      "the limit.")
    @blp.alt_response(422, description="Too large to show: computing the diff took longer than "
                      "FRACTAFRAG_DIFF_BUDGET_SECONDS (or the query is invalid); the message "
                      "says which.")
    @blp.alt_response(503, description="Too many diffs being computed at once; Retry-After "
                      "says when to try again.")
    def get(self, args, shader_id):
        """A unified diff per pass between versions ?from= and ?to="""
        passes = shaders.diff_versions(shader_id, viewer_id(), args["from_"], args["to"])
        return {"shader_id": shader_id, "from": args["from_"], "to": args["to"],
                "passes": passes}


@blp.route("/<int:shader_id>/fork")
class Fork(MethodView):
    """Remixing."""

    @login_required
    @blp.arguments(s.ForkSchema)
    @blp.response(201, s.ShaderSchema)
    @blp.alt_response(429, description="Free monthly allowance used, or too many new shaders "
                                         "in a short time; Retry-After says when to go on.")
    @blp.doc(security=SIGNED_IN)
    def post(self, body, shader_id):
        """Fork a version (default: the latest) into a new shader of yours (a draft by default)"""
        count_new_shader(viewer_id())
        return shaders.fork_shader(shader_id, viewer_id(), body.get("version"), body)


@blp.route("/<int:shader_id>/forks")
class Forks(MethodView):
    """A shader's children."""

    @blp.response(200, s.ShaderSummarySchema(many=True))
    def get(self, shader_id):
        """List the direct forks you can see, newest first"""
        return shaders.forks_of(shader_id, viewer_id())


@blp.route("/<int:shader_id>/ancestors")
class Ancestors(MethodView):
    """A shader's lineage."""

    @blp.response(200, s.AncestorSchema(many=True))
    def get(self, shader_id):
        """The fork chain: parent first, the original last"""
        return shaders.ancestors_of(shader_id, viewer_id())


@blp.route("/<int:shader_id>/export")
class Export(MethodView):
    """Shadertoy JSON out."""

    @blp.response(200, s.ShadertoyDocumentSchema)
    def get(self, shader_id):
        """Export the current version as Shadertoy JSON ({info, renderpass})"""
        return shadertoy_io.export_shader(shader_id, viewer_id())


@blp.route("/import")
class Import(MethodView):
    """Shadertoy JSON in."""

    @login_required
    @blp.arguments(s.ImportArgsSchema, location="query")
    @blp.response(201, s.ShaderSchema)
    @blp.alt_response(422, schema=s.GlslFailureSchema, description="Malformed or not compiling.")
    @blp.alt_response(503, description=COMPILER_BUSY)
    @blp.alt_response(429, description="Free monthly allowance used, or too many new shaders "
                                         "in a short time; Retry-After says when to go on.")
    @blp.doc(security=SIGNED_IN, requestBody={
        "required": True,
        "description": "A Shadertoy shader: {info, renderpass}, the API's {Shader: …}, "
                       "or the site's export (a list of one).",
        "content": {"application/json": {"schema": {"oneOf": [
            {"type": "object"}, {"type": "array", "items": {"type": "object"}}]}}},
    })
    def post(self, args):
        """Import a Shadertoy JSON export as a new shader of yours"""
        count_new_shader(viewer_id())
        return shadertoy_io.import_shader(viewer_id(), request.get_json(), args)
