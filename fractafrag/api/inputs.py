"""The built-in channel inputs: GET /api/v1/inputs."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.services import inputs

blp = Blueprint("inputs", __name__, url_prefix="/api/v1/inputs",
                description="Built-in channel inputs: textures, volumes, cubemaps, keyboard, "
                            "mic, webcam, video, music")


class BuiltinInputSchema(ma.Schema):
    """One built-in input a pass may read (`"source"` of a channel input)."""

    source = ma.fields.String(metadata={"description": "What to put in an input's source, "
                                                       "e.g. texture:noise-rgba."})
    kind = ma.fields.String(metadata={"description": "texture, volume, cubemap, keyboard, "
                                                     "mic, webcam or video."})
    sampler = ma.fields.String(metadata={"description": "The GLSL type iChannelN is declared "
                                                        "as: sampler2D, samplerCube, sampler3D."})
    width = ma.fields.Integer()
    height = ma.fields.Integer()
    depth = ma.fields.Integer()
    description = ma.fields.String()
    preview_url = ma.fields.String(metadata={"description": "A page drawing it with the player."})


@blp.route("")
class BuiltinInputs(MethodView):
    """The built-in inputs."""

    @blp.response(200, BuiltinInputSchema(many=True))
    def get(self):
        """List the built-in inputs (generated in the page by static/js/player.js)"""
        return inputs.listing()
