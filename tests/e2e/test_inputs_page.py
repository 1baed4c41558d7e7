"""The built-in inputs page in real Chromium: every built-in GET /api/v1/inputs lists is drawn
by the player without errors (CSP included)."""

from __future__ import annotations

from fractafrag.services import inputs


def test_every_builtin_is_drawn(new_page, shot) -> None:
    page = new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto("/inputs")
    page.wait_for_load_state("load")
    drawn = page.evaluate("""() => Array.from(document.querySelectorAll('canvas[data-source]'))
        .map(c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let lit = 0;
            for (let i = 0; i < d.length; i += 4) lit += (d[i] + d[i + 1] + d[i + 2]) > 0;
            return [c.dataset.source, lit];
        })""")
    shot(page, "inputs")
    assert problems == []
    lit = dict(drawn)
    assert list(lit) == inputs.builtin_sources()
    dark = {"keyboard", "mic", "webcam", "video", "music"}  # black until used
    assert all(lit[s] > 0 for s in lit if s not in dark), lit
