"""A small, safe Markdown subset for comments: everything is escaped, then a few forms return.

Supported: ``` code blocks ```, `inline code`, **strong**, *emphasis* / _emphasis_,
[text](http(s)://link) (rel="nofollow noopener ugc"), paragraphs and line breaks.
"""

from __future__ import annotations

import html
import re

CODE_BLOCK = re.compile(r"```[^\n]*\n?(.*?)```", re.S)
INLINE_CODE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\[([^\]\n]{1,200})\]\((https?://[^\s()<>\"']{1,500})\)")
# Emphasis spans at most 200 characters: unbounded `.+?` made "**a **a **a …" quadratic (80 ms
# for one 2,000-character comment, all of it holding the GIL inside the regex engine).
STRONG = re.compile(r"\*\*(?=\S)(.{1,200}?)(?<=\S)\*\*")
EMPHASIS = re.compile(r"(?<![\w*])[*_](?=\S)(.{1,200}?)(?<=\S)[*_](?![\w*])")
MAX_CHARS = 20_000  # render refuses more (comments stop at 2,000)


def render(text: str) -> str:
    """Safe HTML for text (the comment's Markdown); ValueError past MAX_CHARS characters.
    Callers in a web request run it with `offload.off_hub`."""
    if len(text) > MAX_CHARS:
        raise ValueError(f"Markdown of {len(text)} characters is over the {MAX_CHARS} limit.")
    text = text.replace("\x00", "").replace("\r\n", "\n")
    kept: list[str] = []

    def keep(fragment: str) -> str:
        kept.append(fragment)
        return f"\x00{len(kept) - 1}\x00"

    text = CODE_BLOCK.sub(
        lambda m: keep("<pre><code>" + html.escape(m.group(1).strip("\n")) + "</code></pre>"),
        text)
    text = INLINE_CODE.sub(lambda m: keep("<code>" + html.escape(m.group(1)) + "</code>"), text)
    text = LINK.sub(lambda m: keep(
        f'<a href="{html.escape(m.group(2))}" rel="nofollow noopener ugc">'
        f"{_inline(html.escape(m.group(1)))}</a>"), text)
    text = _inline(html.escape(text))
    paragraphs = [p.strip("\n") for p in re.split(r"\n{2,}", text) if p.strip()]
    out = []
    for paragraph in paragraphs:
        if re.fullmatch(r"\x00\d+\x00", paragraph) and kept[int(paragraph[1:-1])].startswith(
                "<pre>"):
            out.append(paragraph)
        else:
            out.append("<p>" + paragraph.replace("\n", "<br>") + "</p>")
    result = "".join(out)
    # Placeholders may nest (a link's text kept after inline code), so restore until stable.
    for _ in range(3):
        result = re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], result)
    return result


def _inline(escaped: str) -> str:
    escaped = STRONG.sub(r"<strong>\1</strong>", escaped)
    return EMPHASIS.sub(r"<em>\1</em>", escaped)
