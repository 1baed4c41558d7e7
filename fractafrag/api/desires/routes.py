"""The desire board: ask, list, edit or close, offer shaders, accept one, hottest clusters."""

from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api import SIGNED_IN
from fractafrag.api.desires import schemas as s
from fractafrag.auth import login_required, viewer_id
from fractafrag.services import desires

blp = Blueprint("desires", __name__, url_prefix="/api/v1/desires", description="Desire board")
blp.DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}


@blp.route("")
class Desires(MethodView):
    """All asks."""

    @blp.arguments(s.DesireQueryArgsSchema, location="query")
    @blp.response(200, s.DesireSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List desires: newest first, or from the hottest clusters (sort=hot)"""
        rows, total = desires.list_desires(args["sort"], args.get("status"),
                                           pagination_parameters.page,
                                           pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return rows

    @login_required
    @blp.arguments(s.DesireCreateSchema)
    @blp.response(201, s.DesireSchema)
    @blp.doc(security=SIGNED_IN)
    def post(self, body):
        """Ask for a shader; it joins a cluster of similar asks within moments"""
        return desires.create_desire(viewer_id(), body["prompt"], body["bounty_cents"])


@blp.route("/clusters")
class Clusters(MethodView):
    """What the community wants most."""

    @blp.arguments(s.ClusterArgsSchema, location="query")
    @blp.response(200, s.ClusterSchema(many=True))
    def get(self, args):
        """Clusters hottest first, each with its label, size, heat and open desires"""
        return desires.hottest_clusters(args["limit"], args["per_cluster"])


@blp.route("/<int:desire_id>")
class DesireById(MethodView):
    """One ask."""

    @blp.response(200, s.DesireSchema)
    def get(self, desire_id):
        """Show a desire (cluster_id once clustered)"""
        return desires.get_desire(desire_id)

    @login_required
    @blp.arguments(s.DesireUpdateSchema)
    @blp.response(200, s.DesireSchema)
    @blp.alt_response(403, description="Only the asker may edit or close it.")
    @blp.alt_response(409, description="Only an open desire can be reworded.")
    @blp.doc(security=SIGNED_IN)
    def patch(self, changes, desire_id):
        """Reword your desire (it is clustered again) or close it (status: closed)"""
        return desires.edit_desire(desire_id, viewer_id(), changes)


@blp.route("/<int:desire_id>/fulfill")
class Fulfill(MethodView):
    """Answering an ask."""

    @login_required
    @blp.arguments(s.OfferCreateSchema)
    @blp.response(201, s.OfferSchema)
    @blp.alt_response(409, description="The desire is no longer open.")
    @blp.doc(security=SIGNED_IN)
    def post(self, body, desire_id):
        """Offer a shader as the answer; the asker accepts one offer"""
        return desires.offer_shader(desire_id, viewer_id(), body["shader_id"])


@blp.route("/<int:desire_id>/offers")
class Offers(MethodView):
    """The answers offered."""

    @blp.response(200, s.OfferSchema(many=True))
    def get(self, desire_id):
        """List the shaders offered for a desire"""
        return desires.offers_of(desire_id)


@blp.route("/<int:desire_id>/offers/<int:offer_id>/accept")
class AcceptOffer(MethodView):
    """The asker's choice."""

    @login_required
    @blp.response(200, s.DesireSchema)
    @blp.alt_response(403, description="Only the asker may accept an offer.")
    @blp.alt_response(409, description="The desire is already fulfilled or closed.")
    @blp.doc(security=SIGNED_IN)
    def post(self, desire_id, offer_id):
        """Accept an offer: the desire is fulfilled by that shader and cools its cluster"""
        return desires.accept_offer(desire_id, offer_id, viewer_id())
