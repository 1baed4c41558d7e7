"""Style vectors of shaders and taste vectors of users (512-d, unit length)."""

from __future__ import annotations

import logging

import numpy as np
import sqlalchemy as sa

from fractafrag.extensions import db, queues
from fractafrag.models import DwellEvent, Shader, ShaderVersion, User, Vote

log = logging.getLogger(__name__)

TASTE_HISTORY = 200   # the most recent votes and dwells that shape a taste vector


def request_style_vector(shader_id: int) -> None:
    """Queue the style vector of a shader's current version."""
    queues.try_enqueue("default", "fractafrag.jobs.vectors.update_style", shader_id,
                       job_id=f"style-{shader_id}", result_ttl=0)


def update_style(shader_id: int) -> bool:
    """Embed the shader's current version (code, title, description, tags); True when stored."""
    from fractafrag.services import embedding  # numpy and the artifact: workers only

    shader = db.session.get(Shader, shader_id)
    if shader is None:
        return False
    version = db.session.scalars(sa.select(ShaderVersion).where(
        ShaderVersion.shader_id == shader_id, ShaderVersion.version == shader.current_version)
    ).one()
    vector = embedding.shader_vector(shader.title, shader.description, shader.tags,
                                     version.common, version.passes)
    shader.style_vector = vector
    db.session.commit()
    return vector is not None


def update_taste(user_id: int) -> bool:
    """Taste = the weighted mean of the style vectors of what the user up-voted and dwelt on."""
    user = db.session.get(User, user_id)
    if user is None:
        return False
    voted = db.session.execute(
        sa.select(Shader.style_vector, Vote.value.cast(sa.Float))
        .join(Vote, Vote.shader_id == Shader.id)
        .where(Vote.user_id == user_id, Vote.value > 0, Shader.style_vector.is_not(None))
        .order_by(Vote.updated_at.desc()).limit(TASTE_HISTORY)).all()
    dwelt = db.session.execute(
        sa.select(Shader.style_vector, sa.func.least(DwellEvent.ms / 60000.0, 1.0))
        .join(DwellEvent, DwellEvent.shader_id == Shader.id)
        .where(DwellEvent.user_id == user_id, Shader.style_vector.is_not(None))
        .order_by(DwellEvent.created_at.desc()).limit(TASTE_HISTORY)).all()
    rows = [(np.asarray(v, dtype=np.float64), float(w)) for v, w in [*voted, *dwelt] if w > 0]
    if not rows:
        user.taste_vector = None
    else:
        mean = np.asarray(sum(w * v for v, w in rows)) / sum(w for _, w in rows)
        norm = float(np.linalg.norm(mean))
        user.taste_vector = (mean / norm).tolist() if norm > 0 else None
    db.session.commit()
    return user.taste_vector is not None
