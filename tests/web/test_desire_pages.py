"""The desire board pages without a browser: clusters and asks in the HTML, the ask form,
offering and accepting through plain forms, CSRF and escaping."""

from __future__ import annotations

import html as html_lib
import json
import re

import pytest

from fractafrag.services.clustering import process_desire
from fractafrag.web.desire_pages import dollars, parse_bounty
from tests.api.shader_helpers import published
from tests.helpers import ask, form_token, signed_in

XSS = "<script>alert('boom')</script> neon tunnel"


def cluster(app, desire_id: int) -> int:
    """Run the clustering job for one desire; return its cluster id."""
    with app.app_context():
        return process_desire(desire_id).cluster_id


def test_the_board_lists_clusters_and_newest_asks_without_javascript(app, client, make_user):
    user = make_user()
    ocean = ask(client, user, "a raymarched ocean at sunset", bounty_cents=250)
    cluster_id = cluster(app, ocean["id"])
    newest = ask(client, user, "pixel art space invaders")
    page = client.get("/desires")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Content-Security-Policy" in page.headers
    assert f'data-cluster-id="{cluster_id}"' in text
    assert 'data-role="heatmap"' in text and 'data-role="cluster-list"' in text
    assert f'data-desire-id="{ocean["id"]}"' in text and f'data-desire-id="{newest["id"]}"' in text
    assert "a raymarched ocean at sunset" in text and "$2.50 bounty" in text
    assert '<span data-role="size">1</span> ask · heat <span data-role="heat">1.2</span>' in text
    data = json.loads(html_lib.unescape(re.search(
        r'<script type="application/json" id="desires-data">(.*?)</script>', text, re.S)
        .group(1)))
    assert data["clusters"][0]["id"] == cluster_id
    assert data["clusters"][0]["desires"][0]["prompt"] == "a raymarched ocean at sunset"


def test_prompts_are_escaped_in_the_html_and_the_json_block(app, client, make_user):
    desire = ask(client, make_user(), XSS)
    cluster(app, desire["id"])
    text = client.get("/desires").get_data(as_text=True)
    assert "<script>alert(" not in text
    assert "&lt;script&gt;alert(&#39;boom&#39;)&lt;/script&gt; neon tunnel" in text
    assert "\\u003cscript\\u003ealert" in text, "the JSON data block escapes < too"
    detail = client.get(f"/desires/{desire['id']}").get_data(as_text=True)
    assert "<script>alert(" not in detail and "&lt;script&gt;" in detail
    assert "<script>" not in re.sub(r"<script (src|type)=[^>]*>", "", text), \
        "no inline script code: only src= and JSON data blocks"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    text = client.get("/desires").get_data(as_text=True)
    assert 'data-role="ask-form"' not in text
    assert 'href="/login?next=/desires"' in text
    token = form_token(client, "/login")  # the same browser session's token
    response = client.post("/desires", data={"csrf_token": token, "prompt": "fire tornado"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/desires")


def test_the_ask_form_creates_a_desire(app, client, make_user):
    user = make_user()
    signed_in(client, user)
    token = form_token(client, "/desires")
    response = client.post("/desires", data={"csrf_token": token, "prompt": "  fbm clouds  ",
                                             "bounty": "$5.25"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/desires#")
    listed = client.get("/api/v1/desires").json
    assert [(d["prompt"], d["bounty_cents"], d["author"]["id"]) for d in listed] == [
        ("fbm clouds", 525, user["id"])]
    page = client.get("/desires").get_data(as_text=True)
    assert "Your desire is on the board" in page and "fbm clouds" in page


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"prompt": ""}, "prompt", "Length must be between 3 and 500."),
    ({}, "prompt", "Length must be between 3 and 500."),
    ({"prompt": "hi"}, "prompt", "Length must be between 3 and 500."),
    ({"prompt": "x" * 501}, "prompt", "Length must be between 3 and 500."),
    ({"prompt": "fire tornado", "bounty": "lots"}, "bounty", "Enter an amount in dollars"),
    ({"prompt": "fire tornado", "bounty": "20000"}, "bounty", "A bounty is at most $10,000."),
])
def test_bad_asks_show_the_field_message(client, make_user, fields, field, message):
    signed_in(client, make_user())
    response = client.post("/desires",
                           data={"csrf_token": form_token(client, "/desires"), **fields})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    slot = re.search(rf'data-error-for="{field}"[^>]*>([^<]*)<', text).group(1)
    assert message in html_lib.unescape(slot)
    assert client.get("/api/v1/desires").json == []
    if fields.get("prompt"):
        assert html_lib.escape(fields["prompt"], quote=False)[:40] in text, "the typing is kept"


def test_a_form_post_without_the_csrf_token_is_refused(client, make_user):
    signed_in(client, make_user())
    form_token(client, "/desires")
    assert client.post("/desires", data={"prompt": "fire tornado"}).status_code == 400
    assert client.post("/desires", data={"prompt": "fire tornado",
                                         "csrf_token": "forged"}).status_code == 400
    assert client.get("/api/v1/desires").json == []


def test_offering_and_accepting_through_the_desire_page(app, client, make_user):
    asker, artist = make_user(), make_user()
    desire = ask(client, asker, "a glitchy vhs tape effect")
    shader = published(client, artist, title="VHS <glitch>")
    hidden = published(client, artist, title="Secret", visibility="private")

    signed_in(client, artist)
    page = client.get(f"/desires/{desire['id']}").get_data(as_text=True)
    assert f'<option value="{shader["id"]}">VHS &lt;glitch&gt;</option>' in page
    assert f'value="{hidden["id"]}"' not in page, "private shaders cannot be offered"
    token = form_token(client, f"/desires/{desire['id']}")
    assert client.post(f"/desires/{desire['id']}/offers",
                       data={"shader_id": shader["id"]}).status_code == 400
    response = client.post(f"/desires/{desire['id']}/offers",
                           data={"csrf_token": token, "shader_id": shader["id"]})
    assert response.status_code == 302
    offers = client.get(f"/api/v1/desires/{desire['id']}/offers").json
    assert [o["shader_id"] for o in offers] == [shader["id"]]
    page = client.get(f"/desires/{desire['id']}").get_data(as_text=True)
    assert "Offered." in page and "VHS &lt;glitch&gt;" in page
    assert "/accept" not in page, "only the asker may accept"

    signed_in(client, asker)
    page = client.get(f"/desires/{desire['id']}").get_data(as_text=True)
    accept = f"/desires/{desire['id']}/offers/{offers[0]['id']}/accept"
    assert f'action="{accept}"' in page
    token = form_token(client, f"/desires/{desire['id']}")
    assert client.post(accept, data={"csrf_token": token}).status_code == 302
    assert client.get(f"/api/v1/desires/{desire['id']}").json["status"] == "fulfilled"
    page = client.get(f"/desires/{desire['id']}").get_data(as_text=True)
    assert 'data-status="fulfilled"' in page and "Fulfilled by" in page
    assert "Fulfil with a shader" not in page


def test_cluster_json_for_the_heat_map_panel(app, client, make_user):
    user = make_user()
    first = ask(client, user, "a raymarched ocean at sunset")
    second = ask(client, user, "sunset over the sea, ray marching please")
    cluster_id = cluster(app, first["id"])
    assert cluster(app, second["id"]) == cluster_id
    body = client.get(f"/desires/clusters/{cluster_id}.json").json
    assert body["size"] == 2 and body["heat"] > 1.9
    assert {d["id"] for d in body["desires"]} == {first["id"], second["id"]}
    assert client.get("/desires/clusters/999999.json").status_code == 404
    assert client.get("/desires/999999").status_code == 404


def test_bounty_parsing_and_display():
    assert parse_bounty("") == (0, None)
    assert parse_bounty("5") == (500, None)
    assert parse_bounty("$2.50") == (250, None)
    assert parse_bounty("1,000") == (100_000, None)
    assert parse_bounty("2.505")[1] and parse_bounty("-1")[1] and parse_bounty("nan")[1]
    assert dollars(500) == "$5" and dollars(250) == "$2.50" and dollars(123456) == "$1,234.56"
