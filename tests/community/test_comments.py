"""Comments on shaders: threads, limits, authorship, visibility, safe Markdown, live events."""

from unittest import mock

from tests.api.shader_helpers import published
from tests.helpers import bearer


def fields(response) -> dict:
    errors = response.json["errors"]
    return errors.get("json", errors)


def comment(client, user, shader_id, body="Lovely colours", **extra):
    return client.post(f"/api/v1/shaders/{shader_id}/comments", json={"body": body, **extra},
                       headers=bearer(user["access_token"]))


def test_comment_and_one_level_of_replies(client, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    shader = published(client, ann)
    top = comment(client, bob, shader["id"], "First!")
    assert top.status_code == 201, top.json
    assert top.json["author"]["username"] == "bob"
    reply = comment(client, ann, shader["id"], "Thanks", parent_id=top.json["id"])
    assert reply.status_code == 201
    deeper = comment(client, bob, shader["id"], "Nested", parent_id=reply.json["id"])
    assert deeper.status_code == 422
    assert "parent_id" in fields(deeper)
    listing = client.get(f"/api/v1/shaders/{shader['id']}/comments").json
    assert [c["body"] for c in listing] == ["First!"]
    assert [r["body"] for r in listing[0]["replies"]] == ["Thanks"]


def test_empty_or_oversized_or_anonymous_comments_are_refused(client, make_user):
    ann = make_user("ann")
    shader = published(client, ann)
    for body in ("", "x" * 2001):
        response = comment(client, ann, shader["id"], body)
        assert response.status_code == 422
        assert "body" in fields(response)
    assert comment(client, ann, shader["id"], "   ").status_code == 422
    anonymous = client.post(f"/api/v1/shaders/{shader['id']}/comments", json={"body": "hi"})
    assert anonymous.status_code == 401


def test_invisible_shaders_take_no_comments(client, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    private = published(client, ann, visibility="private")
    assert comment(client, bob, private["id"]).status_code == 404
    assert client.get(f"/api/v1/shaders/{private['id']}/comments").status_code == 404
    assert comment(client, bob, 999999).status_code == 404
    assert comment(client, ann, private["id"]).status_code == 201


def test_only_the_author_edits_or_deletes(client, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    shader = published(client, ann)
    created = comment(client, bob, shader["id"], "tpyo").json
    url = f"/api/v1/comments/{created['id']}"
    assert client.patch(url, json={"body": "hacked"},
                        headers=bearer(ann["access_token"])).status_code == 403
    assert client.delete(url, headers=bearer(ann["access_token"])).status_code == 403
    edited = client.patch(url, json={"body": "typo"}, headers=bearer(bob["access_token"]))
    assert edited.status_code == 200 and edited.json["edited"] is True
    assert edited.json["body"] == "typo"
    assert client.delete(url, headers=bearer(bob["access_token"])).status_code == 204
    assert client.get(url).status_code == 404
    assert client.get(f"/api/v1/shaders/{shader['id']}/comments").json == []


def test_markdown_is_rendered_safely(client, make_user):
    ann = make_user("ann")
    shader = published(client, ann)
    body = ("<script>alert(1)</script> **bold** *em* `a<b` "
            "[site](https://example.org/x) [bad](javascript:alert(1))\n```\nint x = 1 < 2;\n```")
    html = comment(client, ann, shader["id"], body).json["body_html"]
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert "<code>a&lt;b</code>" in html
    assert '<a href="https://example.org/x" rel="nofollow noopener ugc">site</a>' in html
    assert 'href="javascript' not in html
    assert "<pre><code>int x = 1 &lt; 2;</code></pre>" in html


def test_lists_quotes_and_headings_are_stored_rendered_and_shown(client, make_user):
    ann = make_user("ann")
    shader = published(client, ann)
    body = "# Notes\n\n- bright\n- fast\n\n> nice [docs](https://example.org)\n\n[x](/admin)"
    made = comment(client, ann, shader["id"], body)
    assert made.status_code == 201, made.json
    html = made.json["body_html"]
    assert "<h3>Notes</h3>" in html and "<ul>\n<li>bright</li>\n<li>fast</li>\n</ul>" in html
    assert ('<blockquote>\n<p>nice <a href="https://example.org" rel="nofollow noopener ugc">'
            "docs</a></p>\n</blockquote>") in html
    assert "<p>[x](/admin)</p>" in html  # only http(s) and mailto links
    edited = client.patch(f"/api/v1/comments/{made.json['id']}", json={"body": "1. one"},
                          headers=bearer(ann["access_token"]))
    assert edited.json["body_html"] == "<ol>\n<li>one</li>\n</ol>"
    listed = client.get(f"/api/v1/shaders/{shader['id']}/comments").json
    assert listed[0]["body_html"] == edited.json["body_html"]
    page = client.get(f"/shaders/{shader['id']}").get_data(as_text=True)
    assert "<ol>\n<li>one</li>\n</ol>" in page


def test_script_in_a_comment_is_escaped_on_the_shader_page(client, make_user):
    ann = make_user("ann")
    shader = published(client, ann)
    comment(client, ann, shader["id"], '<script>alert("pwned")</script><img src=x onerror=1>')
    page = client.get(f"/shaders/{shader['id']}").get_data(as_text=True)
    assert 'data-role="comments"' in page
    assert '<script>alert("pwned")' not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(" in page


def test_comment_events_go_to_the_shader_room(client, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    shader = published(client, ann)
    with mock.patch("fractafrag.realtime.broadcast.emit") as emit:
        created = comment(client, bob, shader["id"], "live").json
        client.patch(f"/api/v1/comments/{created['id']}", json={"body": "live!"},
                     headers=bearer(bob["access_token"]))
        client.delete(f"/api/v1/comments/{created['id']}", headers=bearer(bob["access_token"]))
    sent = [(c.args[0], c.args[2]) for c in emit.call_args_list]
    room = f"shader:{shader['id']}"
    assert ("comment:created", room) in sent
    assert ("comment:updated", room) in sent
    assert ("comment:deleted", room) in sent
    assert ("notification", f"user:{ann['id']}") in sent
