"""base_url is fetched by the server, so it may only point at public http(s) addresses: checked
when saved and again right before each request (unless FRACTAFRAG_BYOK_ALLOW_LOCAL=1)."""

from __future__ import annotations

import pytest

from fractafrag.extensions import db
from fractafrag.models import ByokKey
from fractafrag.services import byok
from tests.byok.fakes import GOOD_GLSL, OPENAI_KEY, shader_reply
from tests.helpers import bearer


@pytest.fixture
def strict_app(make_app):
    """The default: no local providers."""
    return make_app(BYOK_ALLOW_LOCAL=False)


@pytest.mark.parametrize("base_url", [
    "http://127.0.0.1:1/v1",
    "http://10.0.0.5",
    "http://10.0.0.5:8000/v1",
    "http://169.254.169.254/latest/meta-data",
    "http://192.168.1.10:11434/v1",
    "http://172.16.0.1/v1",
    "http://100.64.0.1/v1",
    "http://0.0.0.0:8080/v1",
    "http://localhost:11434/v1",
    "http://[::1]:8080/v1",
    "http://[::ffff:127.0.0.1]/v1",
    "http://[2002:7f00:1::]/v1",  # 6to4 carrying 127.0.0.1
    "http://[2002:a9fe:a9fe::1]/v1",  # 6to4 carrying 169.254.169.254
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/v1",  # Teredo carrying 127.0.0.1
    "http://[64:ff9b::a00:5]/v1",  # NAT64 carrying 10.0.0.5
    "http://[fe80::1]/v1",
    "http://224.0.0.1/v1",
    "http://2130706433/v1",  # 127.0.0.1 as one number
    "ftp://example.org/v1",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "javascript:alert(1)",
    "http://user:pass@example.org/v1",
    "http:///v1",
    "not a url",
])
def test_refused_base_urls(strict_app, make_user, base_url):
    client = strict_app.test_client()
    ada = make_user("ada")
    answer = client.put("/api/v1/users/me/byok/openai",
                        json={"api_key": OPENAI_KEY, "base_url": base_url},
                        headers=bearer(ada["access_token"]))
    assert answer.status_code == 422, answer.json
    assert list(answer.json["errors"]) == ["base_url"]
    assert answer.json["message"].startswith("base_url: ")
    with strict_app.app_context():
        assert db.session.query(ByokKey).count() == 0


def test_local_providers_when_allowed(local_app, make_user):
    client = local_app.test_client()
    answer = client.put("/api/v1/users/me/byok/openai",
                        json={"api_key": "ollama", "base_url": "http://127.0.0.1:11434/v1"},
                        headers=bearer(make_user("ada")["access_token"]))
    assert answer.status_code == 200
    # Still http(s) only.
    answer = client.put("/api/v1/users/me/byok/openai",
                        json={"api_key": "ollama", "base_url": "ftp://127.0.0.1/v1"},
                        headers=bearer(make_user("bo")["access_token"]))
    assert answer.status_code == 422


def test_public_addresses_pass():
    assert byok.address_refusal("93.184.216.34") is None
    assert byok.address_refusal("2606:2800:220:1:248:1893:25c8:1946") is None
    assert "loopback" in byok.address_refusal("127.0.0.1")
    assert "link-local" in byok.address_refusal("169.254.169.254")
    assert "private" in byok.address_refusal("10.0.0.5")
    assert "127.0.0.1" in byok.address_refusal("2002:7f00:1::")
    assert byok.address_refusal("2002:5db8:d822::1") is None, "6to4 of a public IPv4 passes"


def test_checked_again_at_request_time(local_app, strict_app, make_user, fake_openai,
                                       run_jobs):
    """A key saved while local providers were allowed is not sent once they are not."""
    ada = make_user("ada")
    saved = local_app.test_client().put(
        "/api/v1/users/me/byok/openai",
        json={"api_key": OPENAI_KEY, "base_url": fake_openai.base_url},
        headers=bearer(ada["access_token"]))
    assert saved.status_code == 200
    fake_openai.reply(shader_reply("Never sent", GOOD_GLSL))
    client = strict_app.test_client()
    started = client.post("/api/v1/generate", json={"prompt": "a plasma"},
                          headers=bearer(ada["access_token"]))
    assert started.status_code == 202
    run_jobs(strict_app)

    result = client.get(f"/api/v1/generate/{started.json['id']}",
                        headers=bearer(ada["access_token"])).json
    assert result["status"] == "failed"
    assert result["message"].startswith("Not sent: base_url: 127.0.0.1 resolves to 127.0.0.1")
    assert "loopback" in result["message"]
    assert fake_openai.requests == []
