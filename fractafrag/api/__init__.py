"""The REST API under /api/v1: one package per resource, registered here."""

from typing import Any

import marshmallow as ma
from flask_smorest import Api, Blueprint
from webargs.flaskparser import FlaskParser

# What an operation that needs an account declares in the OpenAPI document: a person's Bearer
# token, or an X-API-Key (whose scopes then decide what it may do).
SIGNED_IN = [{"bearerAuth": []}, {"apiKey": []}]
# Managing the account itself (password, email, sessions, deletion, API and provider keys,
# money) needs a person signed in: API keys get a 403 there (auth.interactive_user,
# auth.session_user).
PERSON_ONLY = [{"bearerAuth": []}]


class SchemaReusingParser(FlaskParser):
    """webargs' parser, building each argument schema once instead of once per request.

    Given a Schema class, webargs instantiates it on every request, and marshmallow deep-copies
    the class's declared fields each time: on the feed under a crowd that was about 8 % of a
    request's time. Loading keeps no state in the schema, so one instance serves every request
    (flask-smorest's responses already reuse theirs)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._instances: dict[type, ma.Schema] = {}

    def _get_schema(self, argmap: Any, req: Any) -> ma.Schema:
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._instances.get(argmap)
            if schema is None:
                schema = self._instances[argmap] = argmap()
            return schema
        return super()._get_schema(argmap, req)


# Route modules are imported after this package (register_api), so every @blp.arguments uses it.
Blueprint.ARGUMENTS_PARSER = SchemaReusingParser()


def register_api(api: Api) -> None:
    """Register every resource blueprint on the flask-smorest Api."""
    from fractafrag.api.auth.routes import blp as auth_blp
    from fractafrag.api.byok.routes import blp as byok_blp
    from fractafrag.api.community.comments import blp as comments_blp
    from fractafrag.api.community.comments import notes_blp
    from fractafrag.api.community.moderation import admin_blp
    from fractafrag.api.community.moderation import blp as reports_blp
    from fractafrag.api.community.playlists import blp as playlists_blp
    from fractafrag.api.community.social import blp as social_blp
    from fractafrag.api.desires.routes import blp as desires_blp
    from fractafrag.api.feed.routes import blp as feed_blp
    from fractafrag.api.generate.routes import blp as generate_blp
    from fractafrag.api.health.routes import blp as health_blp
    from fractafrag.api.inputs import blp as inputs_blp
    from fractafrag.api.jams.routes import blp as jams_blp
    from fractafrag.api.keys.routes import blp as keys_blp
    from fractafrag.api.media.routes import blp as media_blp
    from fractafrag.api.payments.routes import blp as payments_blp
    from fractafrag.api.payments.routes import pledges_blp
    from fractafrag.api.shaders.exports import blp as exports_blp
    from fractafrag.api.shaders.preview import blp as preview_blp
    from fractafrag.api.shaders.routes import blp as shaders_blp
    from fractafrag.api.shaders.validate import blp as validate_blp
    from fractafrag.api.users.routes import blp as users_blp

    for blueprint in (health_blp, auth_blp, users_blp, shaders_blp, validate_blp, feed_blp,
                      desires_blp, keys_blp, preview_blp, byok_blp, generate_blp,
                      payments_blp, pledges_blp, comments_blp, notes_blp, social_blp,
                      reports_blp, admin_blp, playlists_blp, media_blp, exports_blp,
                      inputs_blp, jams_blp):
        api.register_blueprint(blueprint)
