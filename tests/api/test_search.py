"""Search with field syntax, filters, sorts and stable pagination."""

import json

import pytest

from tests.api.shader_helpers import published


@pytest.fixture
def catalog(client, make_user, app):
    ada, bo = make_user("ada"), make_user("bo")
    made = {
        "tunnel": published(client, ada, title="Neon tunnel", tags=["tunnel", "neon"],
                            description="An endless glowing tunnel"),
        "clouds": published(client, ada, title="Soft clouds", tags=["fbm", "sky"],
                            description="Fractal noise clouds drifting"),
        "mandel": published(client, bo, title="Mandelbrot zoom", tags=["fractal"],
                            description="Deep zoom into the fractal set"),
        "julia": published(client, bo, title="Julia drift", tags=["fractal", "neon"],
                           description="A glowing julia fractal"),
    }
    from fractafrag.extensions import db
    from fractafrag.models import Shader

    with app.app_context():  # give them distinct scores for "top"
        for name, score in (("tunnel", 5), ("clouds", 1), ("mandel", 9), ("julia", 3)):
            db.session.get(Shader, made[name]["id"]).score = score
        db.session.commit()
    return made


def titles(client, query: str) -> list[str]:
    response = client.get("/api/v1/shaders" + query)
    assert response.status_code == 200, response.json
    return [s["title"] for s in response.json]


def test_words_match_title_description_tags_and_author(client, catalog):
    assert set(titles(client, "?q=glowing")) == {"Neon tunnel", "Julia drift"}
    assert set(titles(client, "?q=fractal")) == {"Mandelbrot zoom", "Julia drift",
                                                "Soft clouds"}
    assert set(titles(client, "?q=ada")) == {"Neon tunnel", "Soft clouds"}


def test_field_syntax(client, catalog):
    assert set(titles(client, "?q=tag:fractal")) == {"Mandelbrot zoom", "Julia drift"}
    assert titles(client, "?q=tag:fractal author:bo -mandelbrot") == ["Julia drift"]
    assert titles(client, '?q="deep zoom"') == ["Mandelbrot zoom"]
    assert titles(client, '?q="zoom deep"') == []
    assert set(titles(client, "?q=author:ADA")) == {"Neon tunnel", "Soft clouds"}
    assert titles(client, "?q=-tag:fractal glowing") == ["Neon tunnel"]


def test_title_matches_rank_above_description_matches(client, catalog):
    assert titles(client, "?q=tunnel")[0] == "Neon tunnel"
    assert titles(client, "?q=fractal")[-1] == "Soft clouds"


def test_tag_filter_and_author_parameter(client, catalog):
    assert titles(client, "?tag=neon&tag=fractal") == ["Julia drift"]
    assert set(titles(client, "?author=bo")) == {"Mandelbrot zoom", "Julia drift"}
    assert titles(client, "?author=nobody") == []


def test_sorts(client, catalog):
    assert titles(client, "?sort=top") == ["Mandelbrot zoom", "Neon tunnel", "Julia drift",
                                           "Soft clouds"]
    assert titles(client, "?sort=new") == ["Julia drift", "Mandelbrot zoom", "Soft clouds",
                                           "Neon tunnel"]
    assert titles(client, "?sort=hot")[0] == "Julia drift"


def test_pagination_is_stable_and_complete(client, make_user, make_pro):
    from tests.api.shader_helpers import GRADIENT

    user = make_user()
    make_pro(user)
    for i in range(7):
        published(client, user, title=f"Shader {i}", code=GRADIENT)
    seen = []
    for page in (1, 2, 3):
        response = client.get(f"/api/v1/shaders?sort=top&page={page}&page_size=3")
        pagination = json.loads(response.headers["X-Pagination"])
        assert pagination["total"] == 7
        seen += [s["id"] for s in response.json]
    assert len(seen) == 7 and len(set(seen)) == 7


def test_bad_sort_and_page_size_are_422(client):
    assert client.get("/api/v1/shaders?sort=random").status_code == 422
    assert client.get("/api/v1/shaders?page_size=1000").status_code == 422


def test_unbalanced_quote_still_searches(client, catalog):
    assert set(titles(client, '?q="neon')) == {"Neon tunnel", "Julia drift"}
