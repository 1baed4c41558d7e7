"""Server-rendered pages."""

import sqlalchemy as sa
from flask import Blueprint, render_template

from fractafrag.extensions import db
from fractafrag.models import Shader, User

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> str:
    """The front page."""
    shader_count = db.session.scalar(
        sa.select(sa.func.count(Shader.id)).where(
            Shader.visibility == "public", Shader.deleted_at.is_(None)
        )
    )
    user_count = db.session.scalar(sa.select(sa.func.count(User.id)))
    return render_template("home.html", shader_count=shader_count, user_count=user_count)
