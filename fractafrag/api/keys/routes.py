"""Create, list and revoke API keys (signed-in people only; keys cannot manage keys)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api import PERSON_ONLY
from fractafrag.api.keys.schemas import KeyCreateSchema, KeySchema, NewKeySchema
from fractafrag.auth import session_user
from fractafrag.services import apikeys

blp = Blueprint("mcp-keys", __name__, url_prefix="/api/v1/mcp-keys",
                description="API keys for agents (the MCP bridge) and scripts: X-API-Key")


@blp.route("")
class Keys(MethodView):
    """Your API keys."""

    @blp.response(200, KeySchema(many=True))
    @blp.doc(security=PERSON_ONLY)
    def get(self):
        """Your keys, newest first (never their secrets)"""
        return apikeys.list_keys(session_user().id)

    @blp.arguments(KeyCreateSchema)
    @blp.response(201, NewKeySchema)
    @blp.alt_response(409, description="Too many active keys; revoke one first.")
    @blp.doc(security=PERSON_ONLY)
    def post(self, body):
        """Create a key; its secret `key` is in this answer only"""
        key, secret = apikeys.create_key(session_user().id, body["name"], body["scopes"])
        return {**{f: getattr(key, f) for f in ("id", "name", "prefix", "scopes",
                                                "last_used_at", "revoked_at", "created_at")},
                "key": secret}


@blp.route("/<int:key_id>")
class Key(MethodView):
    """One key."""

    @blp.response(204)
    @blp.doc(security=PERSON_ONLY)
    def delete(self, key_id):
        """Revoke the key at once"""
        apikeys.revoke_key(session_user().id, key_id)
