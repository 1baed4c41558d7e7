"""The browser's copies of the shader format equal services/shader_format.py: a pass name,
filter or wrap added on one side only fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fractafrag.services import shader_format

JS = Path(__file__).resolve().parents[2] / "static" / "js"


def js_list(file: str, name: str) -> list[str]:
    """The value of `const NAME = ["...", ...];` in a static/js file."""
    found = re.search(rf"const {name} = (\[[^\]]*\]);", (JS / file).read_text("utf-8"))
    assert found, f"const {name} not found in {file}"
    return json.loads(found.group(1))


@pytest.mark.parametrize(("file", "name", "expected"), [
    ("player.js", "BUFFER_NAMES", shader_format.BUFFER_NAMES),
    ("player.js", "FILTERS", shader_format.FILTERS),
    ("player.js", "WRAPS", shader_format.WRAPS),
    ("channel_picker.js", "BUFFERS", shader_format.BUFFER_NAMES),
    ("editor_tabs.js", "BUFFERS", shader_format.BUFFER_NAMES),
    ("channel_picker.js", "FILTERS", shader_format.FILTERS),
    ("channel_picker.js", "WRAPS", shader_format.WRAPS),
])
def test_the_browser_knows_the_same_format(file: str, name: str, expected: tuple[str, ...]):
    assert js_list(file, name) == list(expected)


def test_the_api_defaults_are_the_first_options() -> None:
    from fractafrag.api.shaders.schemas import ChannelInputSchema

    fields = ChannelInputSchema().fields
    assert fields["filter"].load_default == shader_format.FILTERS[0]
    assert fields["wrap"].load_default == shader_format.WRAPS[0]
