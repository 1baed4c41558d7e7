"""Schemas for registration, sign-in and tokens."""

import marshmallow as ma
from marshmallow import validate

from fractafrag.api.users.schemas import USERNAME, MeSchema
from fractafrag.services.passwords import MAX_LENGTH


class RegisterSchema(ma.Schema):
    """A new account."""

    username = ma.fields.String(required=True, validate=USERNAME)
    email = ma.fields.Email(required=True, validate=validate.Length(max=254))
    password = ma.fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(max=MAX_LENGTH),
        metadata={"description": "8 to 128 characters, not one of the most common passwords."},
    )


class LoginSchema(ma.Schema):
    """Credentials: a username or an email, and the password."""

    username = ma.fields.String(
        validate=validate.Length(min=1, max=254),
        metadata={"description": "Username or email address."},
    )
    email = ma.fields.String(validate=validate.Length(min=1, max=254))
    password = ma.fields.String(
        required=True, load_only=True, validate=validate.Length(max=MAX_LENGTH)
    )

    @ma.validates_schema
    def _one_login(self, data: dict, **_: object) -> None:
        if not data.get("username") and not data.get("email"):
            raise ma.ValidationError("Give a username or an email.", field_name="username")


class TokensSchema(ma.Schema):
    """A signed-in session: the account and its tokens."""

    user = ma.fields.Nested(MeSchema)
    access_token = ma.fields.String(metadata={"description": "JWT, valid 15 minutes."})
    refresh_token = ma.fields.String(metadata={"description": "JWT, valid 30 days."})


class AccessTokenSchema(ma.Schema):
    """A fresh access token."""

    access_token = ma.fields.String()
