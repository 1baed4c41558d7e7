"""Comments' Markdown (services/markdown.py): CommonMark through markdown-it-py with raw HTML off,
then nh3's allow-list. What renders, what is neutralised, and that bombs end with bounded output."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from fractafrag.services import markdown


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    tags.close()
    return tags


def only_allowed(html: str) -> None:
    """Nothing outside the allow-list survives: tags, attributes, link schemes, rel."""
    for tag, attrs in parsed(html).tags:
        assert tag in markdown.ALLOWED_TAGS, html
        extra = set(attrs) - markdown.ALLOWED_ATTRIBUTES.get(tag, frozenset()) - (
            {"rel"} if tag == "a" else set())
        assert not extra, html
        if tag == "a":
            assert attrs["rel"] == "nofollow noopener ugc", html
            href = attrs.get("href")  # (an <a> whose href was dropped is left without one)
            assert href is None or href.split(":", 1)[0] in {"http", "https", "mailto"}, html


def test_lists_render():
    html = markdown.render("- one\n- two\n\n3. three\n4. four")
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>' in html
    only_allowed(html)


def test_blockquotes_render_with_markdown_inside():
    html = markdown.render("> a **quoted**\n> line")
    assert html == "<blockquote>\n<p>a <strong>quoted</strong><br>\nline</p>\n</blockquote>"


def test_headings_render_two_levels_down_so_the_page_keeps_its_own():
    html = markdown.render("# One\n\n## Two\n\n### Three\n\n###### Six")
    assert "<h3>One</h3>" in html and "<h4>Two</h4>" in html and "<h5>Three</h5>" in html
    assert "<h6>Six</h6>" in html and "<h1" not in html and "<h2" not in html
    only_allowed(html)


def test_code_blocks_render_escaped_without_a_language_class():
    html = markdown.render("```glsl\nif (a < b && c > d) {}\n```\n\n    indented <b>")
    assert "<pre><code>if (a &lt; b &amp;&amp; c &gt; d) {}</code></pre>" in html
    assert "<pre><code>indented &lt;b&gt;</code></pre>" in html
    assert "class=" not in html


def test_inline_forms_strikethrough_rule_and_line_breaks():
    html = markdown.render("*em* _em_ **strong** ~~gone~~ `x<y`\nnext\n\n---")
    assert html == ("<p><em>em</em> <em>em</em> <strong>strong</strong> <s>gone</s> "
                    "<code>x&lt;y</code><br>\nnext</p>\n<hr>")


def test_links_get_rel_and_only_http_https_and_mailto():
    html = markdown.render("[site](https://example.org/a?b=1&c=2 \"hint\") <http://example.org> "
                           "<someone@example.org> [mail](mailto:a@example.org)")
    only_allowed(html)
    hrefs = [attrs["href"] for tag, attrs in parsed(html).tags if tag == "a"]
    assert hrefs == ["https://example.org/a?b=1&c=2", "http://example.org",
                     "mailto:someone@example.org", "mailto:a@example.org"]
    assert 'title="hint"' in html


@pytest.mark.parametrize("target", [
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
    "jav&#x61;script:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "vbscript:msgbox(1)",
    "file:///etc/passwd", "/relative/path", "//evil.example/x", "#top", "?q=1",
])
def test_other_link_targets_stay_text(target):
    for text in (f"[click]({target})", f"<{target}>", f"[click][r]\n\n[r]: {target}"):
        html = markdown.render(text)
        assert "<a" not in html, (text, html)
        only_allowed(html)


def test_images_are_not_fetched():
    html = markdown.render("![x](https://tracker.example/pixel.png)")
    assert "<img" not in html
    only_allowed(html)


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    "<div>\n<script>alert(1)</script>\n</div>",
    "<!-- <script>alert(1)</script> -->",
    "<svg onload=alert(1)>",
    "**<img src=x onerror=alert(1)>**",
    "[<img src=x onerror=alert(1)>](https://example.org)",
    "`<script>`",
    '[x](https://example.org/"onmouseover="alert(1))',
])
def test_raw_html_is_text(text):
    html = markdown.render(text)
    only_allowed(html)
    assert "<script" not in html and "<img" not in html and "<iframe" not in html
    assert "<svg" not in html and "<div" not in html and "<!--" not in html
    assert "".join(parsed(html).text).strip(), "what was typed is still there to read, as text"


def test_the_allow_list_alone_neutralises_what_the_parser_might_let_through():
    html = markdown.sanitise(
        '<p onclick="x()">a</p><script>alert(1)</script><img src=x onerror=alert(1)>'
        '<a href="javascript:alert(1)">j</a><a href="/admin">r</a><a href="//evil.example">p</a>'
        '<a href="data:text/html,x">d</a><a href="https://ok.example" rel="opener" '
        'target="_blank">ok</a><h1>big</h1><iframe src="https://x"></iframe><style>*{}</style>')
    only_allowed(html)
    assert "<script" not in html and "onclick" not in html and "<img" not in html
    assert "javascript" not in html and "/admin" not in html and "evil" not in html
    assert "data:" not in html and "target" not in html and "<h1" not in html
    assert '<a href="https://ok.example" rel="nofollow noopener ugc">ok</a>' in html


def test_the_old_subset_still_renders_the_same():
    """Comments written for the old hand-written subset keep their meaning."""
    assert markdown.render("**bold *em* x** and _u_") == (
        "<p><strong>bold <em>em</em> x</strong> and <em>u</em></p>")
    assert markdown.render("one\n\ntwo\nthree") == "<p>one</p>\n<p>two<br>\nthree</p>"
    assert markdown.render("a\x00b") == "<p>ab</p>"


BOMBS = {
    "stars": "*",
    "star-words": "*a ",
    "strong-never-closed": "**a ",
    "underscores": "_a",
    "mixed-delimiters": "*_",
    "brackets": "[",
    "link-openers": "[a](",
    "image-openers": "![",
    "backticks": "`a",
    "quotes": "> ",
    "nested-lists": "- ",
    "list-items": "-\n",
    "ampersands": "&",
    "angles": "<",
    "headings": "#\n",
    "strikethrough": "~~a ",
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("unit", BOMBS.values(), ids=list(BOMBS))
def test_bombs_end_with_bounded_output(unit):
    """At the cap: not a timing assertion (the pytest timeout is the backstop), only that the
    render ends and its output stays within a small multiple of the input."""
    text = (unit * markdown.MAX_CHARS)[:markdown.MAX_CHARS]
    html = markdown.render(text)
    assert len(html) <= 6 * len(text)
    only_allowed(html)


def test_fifty_thousand_stars_are_refused_at_once():
    with pytest.raises(ValueError, match="limit"):
        markdown.render("*" * 50_000)
    assert markdown.render("*" * markdown.MAX_CHARS) == "<hr>"  # a thematic break, in CommonMark
