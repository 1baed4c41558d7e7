"""Schemas of provider keys: the key goes in, only its last 4 characters come out."""

import marshmallow as ma
from marshmallow import validate

from fractafrag.services.byok import MAX_KEY_LENGTH


class ByokPutSchema(ma.Schema):
    """A provider key with where to send it and which model to ask."""

    api_key = ma.fields.String(required=True, load_only=True,
                               validate=validate.Length(1, MAX_KEY_LENGTH),
                               metadata={"description": "The provider's key; never returned."})
    base_url = ma.fields.String(allow_none=True, load_default=None,
                                validate=validate.Length(max=300), metadata={
                                    "description": "An OpenAI-compatible server (Ollama, vLLM, "
                                    "llama.cpp …) or a proxy; default: the provider's API. "
                                    "Public http(s) addresses only."})
    model = ma.fields.String(allow_none=True, load_default=None,
                             validate=validate.Length(max=100),
                             metadata={"description": "Default: gpt-4o-mini (openai), "
                                       "claude-3-5-sonnet-latest (anthropic)."})


class ByokListedSchema(ma.Schema):
    """A stored key as listed: never the key itself."""

    provider = ma.fields.String(metadata={"description": "openai or anthropic"})
    model = ma.fields.String(metadata={"description": "The model asked (default if none set)."})
    base_url = ma.fields.String(allow_none=True)
    last4 = ma.fields.String(metadata={"description": "The key's last 4 characters "
                                       "(empty for keys shorter than 12)."})


class ByokKeySchema(ByokListedSchema):
    """A key just saved."""

    updated_at = ma.fields.DateTime()
