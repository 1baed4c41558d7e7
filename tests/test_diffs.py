"""Version diffs: a line diff that stays correct and bounded on inputs that made difflib
quadratic, its size cap (413) and time budget (422), its cache, and the page's "too large to show".
"""

from __future__ import annotations

import random
import re

import pytest

from fractafrag.services import diffs
from tests.api.shader_helpers import GRADIENT, published
from tests.helpers import bearer

HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def apply(before: list[str], diff: str) -> list[str]:
    """Apply a unified diff to the lines of `before`, checking every context and removed line."""
    lines = diff.splitlines()
    assert lines[0].startswith("--- ") and lines[1].startswith("+++ ")
    out: list[str] = []
    i, k = 0, 2
    while k < len(lines):
        match = HUNK.fullmatch(lines[k])
        assert match, lines[k]
        start, length = int(match.group(1)), int(match.group(2) or 1)
        begin = start - 1 if length else start
        assert begin >= i, "hunks go forward"
        out.extend(before[i:begin])
        i, k = begin, k + 1
        while k < len(lines) and not lines[k].startswith("@@"):
            sign, text = lines[k][0], lines[k][1:]
            if sign in " -":
                assert before[i] == text, (i, before[i], text)
                i += 1
            if sign in " +":
                out.append(text)
            k += 1
    return out + before[i:]


def unified(before: str, after: str, budget: float = 30) -> str:
    return diffs.unified(before, after, "a", "b", diffs._Clock(budget))


def interleaved(count: int, tag: str) -> str:
    """Comment lines where every other line is shared: difflib's quadratic case."""
    return "".join(f"// {tag}{i} changed\n// shared line {i}\n" for i in range(count))


def test_a_diff_applied_to_the_old_text_gives_the_new_one():
    rng = random.Random(19)
    for _ in range(400):
        alphabet = rng.randint(1, 6)
        before = [f"line {rng.randrange(alphabet)}" for _ in range(rng.randint(0, 40))]
        after = ([line if rng.random() < 0.7 else f"line {rng.randrange(alphabet)}"
                  for line in before] if rng.random() < 0.5
                 else [f"line {rng.randrange(alphabet)}" for _ in range(rng.randint(0, 40))])
        text = unified("\n".join(before), "\n".join(after))
        if before == after:
            assert text == ""
        else:
            assert apply(before, text) == after


def test_a_small_change_reads_like_difflib():
    before = "a\nb\nc\nd\ne\nf\ng\nh\n"
    after = "a\nb\nc\nD\ne\nf\ng\nh\n"
    assert unified(before, after) == (
        "--- a\n+++ b\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n")


def test_interleaved_comments_diff_line_by_line():
    before, after = interleaved(3000, "a"), interleaved(3000, "b")
    text = unified(before, after)
    assert apply(before.splitlines(), text) == after.splitlines()
    assert text.count("\n-// a") == 3000 and text.count("\n+// b") == 3000
    assert text.count("\n // shared line") >= 2999  # every shared line kept as context


def test_lines_without_unique_anchors_still_give_a_correct_diff():
    rng = random.Random(3)
    before = [f"//{rng.randrange(800)}" for _ in range(4000)]
    after = [f"//{rng.randrange(800)}" for _ in range(4000)]
    text = unified("\n".join(before), "\n".join(after))
    assert apply(before, text) == after


def test_past_the_budget_the_diff_is_too_slow():
    version = {"common": "", "passes": [{"name": "Image", "code": interleaved(3000, "a")}]}
    other = {"common": "", "passes": [{"name": "Image", "code": interleaved(3000, "b")}]}
    with pytest.raises(diffs.DiffTooSlow) as refused:
        diffs.compute(version, other, 1, 2, budget_seconds=0)
    assert refused.value.status == 422 and "DIFF_BUDGET_SECONDS" in refused.value.message


def test_the_size_cap_names_its_limit():
    version = {"common": "x\n" * 50, "passes": [{"name": "Image", "code": "y\n" * 50}]}
    with pytest.raises(diffs.DiffTooLarge) as by_bytes:
        diffs.check_size(version, version, max_bytes=100, max_lines=10_000)
    assert by_bytes.value.status == 413 and "DIFF_MAX_BYTES" in by_bytes.value.message
    with pytest.raises(diffs.DiffTooLarge) as by_lines:
        diffs.check_size(version, version, max_bytes=10_000, max_lines=100)
    assert "DIFF_MAX_LINES" in by_lines.value.message
    diffs.check_size(version, version, max_bytes=10_000, max_lines=10_000)


def _two_versions(client, user, common_after: str = "float k = 1.0;\n") -> dict:
    shader = published(client, user)
    edited = client.patch(f"/api/v1/shaders/{shader['id']}", json={
        "code": GRADIENT.replace("0.5 + 0.5 * sin(iTime)", "1.0"), "common": common_after},
        headers=bearer(user["access_token"]))
    assert edited.status_code == 200, edited.json
    return shader


def test_a_diff_over_the_size_cap_is_a_413_naming_it(make_app, make_user):
    app = make_app(DIFF_MAX_BYTES=200)
    client = app.test_client()
    shader = _two_versions(client, make_user())
    answer = client.get(f"/api/v1/shaders/{shader['id']}/diff?from=1&to=2")
    assert answer.status_code == 413
    assert "DIFF_MAX_BYTES" in answer.json["message"] and "diff" in answer.json["errors"]
    page = client.get(f"/shaders/{shader['id']}?from=1&to=2")
    assert page.status_code == 200 and "too large to show" in page.text


def test_a_diff_over_its_budget_is_a_422_naming_it(make_app, make_user):
    app = make_app(DIFF_BUDGET_SECONDS=0)
    client = app.test_client()
    user = make_user()
    shader = published(client, user, passes=[{"name": "Image", "code": GRADIENT + interleaved(
        1500, "a")}])
    edited = client.patch(f"/api/v1/shaders/{shader['id']}", json={"passes": [
        {"name": "Image", "code": GRADIENT + interleaved(1500, "b")}]},
        headers=bearer(user["access_token"]))
    assert edited.status_code == 200, edited.json
    answer = client.get(f"/api/v1/shaders/{shader['id']}/diff?from=1&to=2")
    assert answer.status_code == 422 and "DIFF_BUDGET_SECONDS" in answer.json["message"]


def test_a_cached_diff_is_still_refused_to_who_may_not_see_the_shader(app, client, make_user):
    from fractafrag.extensions import redis

    owner = make_user()
    shader = _two_versions(client, owner)
    url = f"/api/v1/shaders/{shader['id']}/diff?from=1&to=2"
    first = client.get(url)
    assert first.status_code == 200
    with app.app_context():
        assert redis.keys(f"{diffs.CACHE_PREFIX}:{shader['id']}:*"), "the diff was cached"
    assert client.get(url).json == first.json
    hidden = client.patch(f"/api/v1/shaders/{shader['id']}", json={"visibility": "private"},
                          headers=bearer(owner["access_token"]))
    assert hidden.status_code == 200
    assert client.get(url).status_code == 404
    assert client.get(url, headers=bearer(owner["access_token"])).json == first.json


def test_a_version_that_does_not_exist_is_a_404_even_with_a_cache(client, make_user):
    shader = _two_versions(client, make_user())
    assert client.get(f"/api/v1/shaders/{shader['id']}/diff?from=1&to=2").status_code == 200
    missing = client.get(f"/api/v1/shaders/{shader['id']}/diff?from=1&to=3")
    assert missing.status_code == 404 and "no version 3" in missing.json["message"]


def test_the_page_shows_a_long_diff_as_too_large(make_app, make_user):
    app = make_app(DIFF_PAGE_MAX_LINES=3)
    client = app.test_client()
    shader = _two_versions(client, make_user())
    page = client.get(f"/shaders/{shader['id']}?from=1&to=2")
    assert page.status_code == 200
    assert "too large to show here" in page.text and 'data-role="diff"' not in page.text
    assert f"/api/v1/shaders/{shader['id']}/diff?from=1&amp;to=2" in page.text


def test_the_openapi_document_names_the_refusals(client):
    spec = client.get("/api/openapi.json").json
    responses = spec["paths"]["/api/v1/shaders/{shader_id}/diff"]["get"]["responses"]
    assert {"200", "404", "413", "422", "503"} <= set(responses)
    assert "DIFF_MAX_BYTES" in responses["413"]["description"]
