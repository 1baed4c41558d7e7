"""Schemas of AI generation jobs."""

import marshmallow as ma
from marshmallow import validate

from fractafrag.services.byok import PROVIDERS
from fractafrag.services.generation import PROMPT_MAX


class GenerateSchema(ma.Schema):
    """What to generate, with which of your keys."""

    prompt = ma.fields.String(validate=validate.Length(max=PROMPT_MAX), metadata={
        "description": "The shader to write, 3 to 2,000 characters; default: the desire's ask."})
    provider = ma.fields.String(validate=validate.OneOf(PROVIDERS), metadata={
        "description": "Default: the provider of your most recently saved key."})
    desire_id = ma.fields.Integer(strict=True, metadata={
        "description": "The desire this answers (kept in the job and the description)."})


class CompileErrorSchema(ma.Schema):
    """One compiler error, as the validator reports it."""

    pass_ = ma.fields.String(data_key="pass", attribute="pass",
                             metadata={"description": "Image, Buffer A … or Common"})
    line = ma.fields.Integer()
    message = ma.fields.String()


class JobSchema(ma.Schema):
    """A generation job as its owner sees it."""

    id = ma.fields.String()
    status = ma.fields.String(metadata={"description": "queued, running, done or failed"})
    attempts = ma.fields.Integer(metadata={"description": "Model calls so far (at most 4)."})
    provider = ma.fields.String()
    shader_id = ma.fields.Integer(metadata={"description": "The new draft, once done."})
    desire_id = ma.fields.Integer()
    errors = ma.fields.List(ma.fields.Nested(CompileErrorSchema), metadata={
        "description": "The compiler's errors of the last attempt."})
    message = ma.fields.String(metadata={"description": "Why it failed, in words."})


class QueuedSchema(ma.Schema):
    """A job just queued."""

    id = ma.fields.String()
    status = ma.fields.String()
