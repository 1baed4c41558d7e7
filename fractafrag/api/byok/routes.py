"""Save, list and forget your AI provider keys (signed-in people only, not API keys)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api import PERSON_ONLY
from fractafrag.api.byok.schemas import ByokKeySchema, ByokListedSchema, ByokPutSchema
from fractafrag.auth import session_user
from fractafrag.services import byok

blp = Blueprint("byok", __name__, url_prefix="/api/v1/users/me/byok",
                description="Your own AI provider keys (bring your own key), encrypted at rest")


@blp.route("")
class ByokKeys(MethodView):
    """Your provider keys."""

    @blp.response(200, ByokListedSchema(many=True))
    @blp.doc(security=PERSON_ONLY)
    def get(self):
        """Your provider keys: provider, model, base_url and the last 4 characters only"""
        return [byok.describe(row) for row in byok.list_keys(session_user().id)]


@blp.route("/<provider>")
class ByokKey(MethodView):
    """Your key for one provider: openai (or any OpenAI-compatible server) or anthropic."""

    @blp.arguments(ByokPutSchema)
    @blp.response(200, ByokKeySchema)
    @blp.doc(security=PERSON_ONLY)
    def put(self, body, provider):
        """Save or replace your key for the provider (encrypted; never shown again)"""
        row = byok.save_key(session_user().id, provider, body["api_key"], body.get("base_url"),
                            body.get("model"))
        return byok.describe(row)

    @blp.response(204)
    @blp.alt_response(422, description="Unknown provider.")
    @blp.doc(security=PERSON_ONLY)
    def delete(self, provider):
        """Forget your key for the provider"""
        byok.delete_key(session_user().id, provider)
