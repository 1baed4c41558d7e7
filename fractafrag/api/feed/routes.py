"""Feeds: trending, the personalised feed and similar shaders."""

from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api.cache import shared_for
from fractafrag.api.feed.schemas import FeedArgsSchema, SimilarArgsSchema, TrendingArgsSchema
from fractafrag.api.shaders.schemas import ShaderSummarySchema
from fractafrag.api.summaries import summaries_response
from fractafrag.auth import viewer_id
from fractafrag.services import feed

blp = Blueprint("feed", __name__, url_prefix="/api/v1/feed", description="Feeds")
blp.DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}
# Trending is the same for everyone and votes arrive live over Socket.IO anyway.
TRENDING_CACHE_SECONDS = 5.0


@blp.route("")
class Feed(MethodView):
    """The front page feed."""

    @blp.arguments(FeedArgsSchema, location="query")
    @blp.response(200, ShaderSummarySchema(many=True), headers={"X-Feed-Snapshot": {
        "description": "Pass it as ?snapshot= for the next pages.", "schema": {"type": "string"}}})
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Your feed: 0.5·score + 0.2·recency + 0.2·tag affinity + 0.1·random (visitors: a
        trending/new mix)"""
        ids, total, snapshot = feed.feed_ids(viewer_id(), args.get("snapshot"),
                                             pagination_parameters.page,
                                             pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return summaries_response(ids), 200, {"X-Feed-Snapshot": snapshot}


@blp.route("/trending")
class Trending(MethodView):
    """What is hot."""

    @shared_for(TRENDING_CACHE_SECONDS)
    @blp.arguments(TrendingArgsSchema, location="query")
    @blp.response(200, ShaderSummarySchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Public, rendered shaders by hot score"""
        rows, total = feed.trending(args["window"], pagination_parameters.page,
                                    pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return rows


@blp.route("/similar/<int:shader_id>")
class Similar(MethodView):
    """More like this."""

    @blp.arguments(SimilarArgsSchema, location="query")
    @blp.response(200, ShaderSummarySchema(many=True))
    def get(self, args, shader_id):
        """Shaders closest in style (cosine over style vectors, HNSW index)"""
        return feed.similar(shader_id, viewer_id(), args["limit"])
