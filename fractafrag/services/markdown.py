"""Comments' Markdown: CommonMark by markdown-it-py with raw HTML off, then an allow-list (nh3).

Two layers, each safe alone:

1. markdown-it-py parses CommonMark (the "commonmark" preset, plus ~~strikethrough~~) with
   `html` off, so any `<tag>` people type is text and comes out escaped. Links only become links
   for http(s):// and mailto: targets (`validateLink` below); anything else (javascript:, data:,
   relative paths) stays as the literal text that was typed. Images are off: a comment does not
   make every reader's browser fetch an address of the writer's choosing. Headings are moved two
   levels down (`#` is <h3>, everything past `###` is <h6>) so a comment never outranks the page.
2. nh3 (ammonia) re-parses that HTML and keeps only the tags and attributes in ALLOWED_TAGS /
   ALLOWED_ATTRIBUTES, hrefs with the schemes in URL_SCHEMES (relative ones are dropped), and
   sets rel="nofollow noopener ugc" on every link. (nh3.Cleaner with attribute_filter: 0.3+.)

Bounds: render refuses text over MAX_CHARS (comments themselves stop at 2,000 characters).
markdown-it-py's parser is linear in the input: emphasis delimiters are matched with
CommonMark's "openers bottom" bound, link labels are scanned through a per-position cache at
most maxNesting (20) levels deep, and block nesting (quotes, lists) stops at that depth too
(anything nested deeper is left out of the HTML; `body` keeps it), so no input (thousands of
`*`, `[` or `>`) makes it quadratic the way the old regex subset's unbounded emphasis was. The
constant is not small, though: a 2,000-character comment of `[` took ~0.1 s of pure Python on
the loaded 2-core machine (ordinary text of that length ~15 ms). So callers in a web request
still run it with `offload.off_hub`; and being Python bytecode, not one long call into the regex
engine, it gives the GIL back every switch interval meanwhile.

The HTML is rendered once, when a comment is written or edited, and stored (`body_html`).
Comments stored by the earlier hand-written subset keep their HTML: it only ever used p, br,
strong, em, code, pre and http(s) links with the same rel, all inside today's allow-list; they
get the richer rendering when their author next edits them.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

MAX_CHARS = 20_000  # render refuses more (comments stop at 2,000)

URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener ugc"
ALLOWED_TAGS = frozenset({
    "p", "br", "em", "strong", "s", "code", "pre", "blockquote", "ul", "ol", "li", "hr", "a",
    "h3", "h4", "h5", "h6",  # (markdown-it-py writes ~~strikethrough~~ as <s>)
})
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "ol": frozenset({"start"}),
}
HEADING_SHIFT = 2  # `#` renders as <h3>: the shader page keeps its own h1 and h2


class _CommentMarkdown(MarkdownIt):
    """CommonMark whose links may only point at http(s) and mailto addresses."""

    def validateLink(self, url: str) -> bool:  # noqa: N802 - markdown-it-py's hook name
        scheme, colon, _ = url.strip().partition(":")
        return bool(colon) and scheme.lower() in URL_SCHEMES


def _parser() -> MarkdownIt:
    parser = _CommentMarkdown("commonmark", {"html": False, "breaks": True})
    parser.enable("strikethrough")
    parser.disable("image")
    return parser


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3's last word on an allowed attribute: an href must be an absolute address with one of
    URL_SCHEMES (nh3's url_schemes alone lets relative ones through)."""
    if tag == "a" and attribute == "href":
        scheme, colon, _ = value.partition(":")
        return value if colon and scheme.lower() in URL_SCHEMES else None
    return value


_PARSER = _parser()
_CLEANER = nh3.Cleaner(tags=set(ALLOWED_TAGS),
                       attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
                       attribute_filter=_keep_attribute, url_schemes=set(URL_SCHEMES),
                       link_rel=LINK_REL, strip_comments=True)


def render(text: str) -> str:
    """Safe HTML for text (the comment's Markdown); ValueError past MAX_CHARS characters.
    Callers in a web request run it with `offload.off_hub`."""
    if len(text) > MAX_CHARS:
        raise ValueError(f"Markdown of {len(text)} characters is over the {MAX_CHARS} limit.")
    tokens = _PARSER.parse(text.replace("\x00", ""))
    _adjust(tokens)
    return sanitise(_PARSER.renderer.render(tokens, _PARSER.options, {})).strip()


def sanitise(html: str) -> str:
    """html reduced to the allow-list (the second layer; safe for any HTML on its own)."""
    return _CLEANER.clean(html)


def _adjust(tokens: list[Token]) -> None:
    """Headings two levels down; code blocks without a language class or a trailing newline."""
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1:]) + HEADING_SHIFT, 6)
            token.tag = f"h{level}"
        elif token.type in ("fence", "code_block"):
            token.info = ""
            token.content = token.content.removesuffix("\n")
