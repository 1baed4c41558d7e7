"""Schema of the health report."""

import marshmallow as ma


class HealthSchema(ma.Schema):
    """Each part is 'ok' or 'unavailable'; message names what is down."""

    status = ma.fields.String()
    database = ma.fields.String()
    redis = ma.fields.String()
    message = ma.fields.String()
