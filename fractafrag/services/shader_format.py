"""What a shader version is made of: its pass names, the Common block, the sampler options of an
input, the size of a pass, and the {pass, line, message} shape of every problem found in one.

The one home of these names: the validator (services/glsl.py), the Shadertoy importer and
exporter (services/shadertoy.py) and the API schemas import them; the player and the editor's
channel picker (static/js/player.js, channel_picker.js) hold the same lists, and
tests/services/test_shader_format.py fails when they differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PASS_NAMES = ("Image", "Buffer A", "Buffer B", "Buffer C", "Buffer D")
BUFFER_NAMES = PASS_NAMES[1:]
COMMON = "Common"
# An input's sampler options; the first of each is the default (the API's, the player's).
FILTERS = ("linear", "nearest", "mipmap")
WRAPS = ("clamp", "repeat")
MAX_PASS_BYTES = 256 * 1024
MAIN_IMAGE_SIGNATURE = "void mainImage(out vec4 fragColor, in vec2 fragCoord)"


@dataclass(frozen=True)
class GlslError:
    """One problem with a shader version, tied to a pass and a line of the user's own code."""

    pass_name: str
    line: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape the API returns: {"pass", "line", "message"}."""
        return {"pass": self.pass_name, "line": self.line, "message": self.message}
