"""Schemas for user profiles."""

import marshmallow as ma
from marshmallow import validate

from fractafrag.services.passwords import MAX_LENGTH

USERNAME = validate.And(
    validate.Length(min=3, max=32),
    validate.Regexp(
        r"^[A-Za-z0-9_-]+$", error="Use only letters, digits, '_' and '-' in a username."
    ),
)


class PublicUserSchema(ma.Schema):
    """What anyone may see of an account."""

    id = ma.fields.Integer(dump_only=True)
    username = ma.fields.String(dump_only=True)
    display_name = ma.fields.String(dump_only=True)
    bio = ma.fields.String(dump_only=True)
    website = ma.fields.String(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    followers = ma.fields.Method("_followers", dump_only=True,
                                 metadata={"type": "integer", "description": "Followers."})
    following = ma.fields.Method("_following", dump_only=True,
                                 metadata={"type": "integer",
                                           "description": "How many they follow."})

    def _followers(self, user) -> int:
        from fractafrag.services import follows

        return follows.counts(user.id)["followers"]

    def _following(self, user) -> int:
        from fractafrag.services import follows

        return follows.counts(user.id)["following"]


class MeSchema(PublicUserSchema):
    """The signed-in user's own account, with private fields."""

    email = ma.fields.String(dump_only=True)
    role = ma.fields.String(dump_only=True)
    tier = ma.fields.String(dump_only=True)
    pro_until = ma.fields.DateTime(dump_only=True, allow_none=True)


class MeUpdatedSchema(MeSchema):
    """The account after an edit; after a password change, the fresh tokens of this session
    (every other token of the account is refused from then on)."""

    access_token = ma.fields.String(dump_only=True)
    refresh_token = ma.fields.String(dump_only=True)


class SessionsRevokedSchema(ma.Schema):
    """This session's fresh tokens after every other session of the account was ended."""

    access_token = ma.fields.String(dump_only=True)
    refresh_token = ma.fields.String(dump_only=True)


class AccountDeleteSchema(ma.Schema):
    """What deleting one's account needs: the current password."""

    current_password = ma.fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=MAX_LENGTH),
        metadata={"description": "The account's password, checked like a sign-in."})


class UserUpdateSchema(ma.Schema):
    """Editable parts of one's own account; a new password needs current_password."""

    display_name = ma.fields.String(validate=validate.Length(max=64))
    bio = ma.fields.String(validate=validate.Length(max=1000))
    website = ma.fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "A link shown on the profile (http or https)."},
    )
    email = ma.fields.Email(validate=validate.Length(max=254))
    password = ma.fields.String(
        load_only=True, validate=validate.Length(max=MAX_LENGTH)
    )
    current_password = ma.fields.String(
        load_only=True, validate=validate.Length(max=MAX_LENGTH)
    )

    @ma.validates("website")
    def _website_is_http(self, value: str, **_: object) -> None:
        if value and not value.startswith(("http://", "https://")):
            raise ma.ValidationError("website must start with http:// or https://.")
