"""The generated desire corpus is what its script makes: an edit to the script without the
regenerated file (or a hand edit of the file) fails here."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_generated_txt_is_exactly_what_scripts_generate_corpus_writes() -> None:
    spec = importlib.util.spec_from_file_location("generate_corpus",
                                                  ROOT / "scripts" / "generate_corpus.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    shipped = (ROOT / "fractafrag" / "data" / "corpus" / "generated.txt").read_text("utf-8")
    assert script.text(script.generate()) == shipped, \
        "generated.txt differs from what scripts/generate_corpus.py makes: run it and commit"


def test_the_corpus_script_is_not_shipped_in_the_package() -> None:
    assert not (ROOT / "fractafrag" / "data" / "corpus" / "generate.py").exists()
