"""The settings page's "AI providers" section: plain forms that save and remove keys."""

from __future__ import annotations

from tests.byok.fakes import OPENAI_KEY
from tests.helpers import sign_in


def test_save_show_and_remove_a_provider_key(local_app, make_user):
    client = local_app.test_client()
    token = sign_in(client, make_user("ada"))
    page = client.get("/settings").get_data(as_text=True)
    assert "AI providers (bring your own key)" in page
    assert page.index("AI providers") < page.index('id="plan-h"')

    saved = client.post("/settings", data={
        "section": "byok-save", "provider": "openai", "api_key": OPENAI_KEY,
        "base_url": "http://127.0.0.1:11434/v1", "model": "llama3.2", "csrf_token": token},
        follow_redirects=True)
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200
    assert f"OpenAI-compatible key saved (•••• {OPENAI_KEY[-4:]})." in html
    assert f"••••{OPENAI_KEY[-4:]}" in html
    assert "http://127.0.0.1:11434/v1" in html and "llama3.2" in html
    assert OPENAI_KEY not in html and OPENAI_KEY[:-4] not in html

    removed = client.post("/settings", data={"section": "byok-delete", "provider": "openai",
                                             "csrf_token": token}, follow_redirects=True)
    html = removed.get_data(as_text=True)
    assert "OpenAI-compatible key removed." in html
    assert 'data-role="byok-keys"' not in html


def test_refused_base_url_is_shown_and_the_key_not_echoed(make_app, make_user):
    client = make_app(BYOK_ALLOW_LOCAL=False).test_client()
    token = sign_in(client, make_user("ada"))
    refused = client.post("/settings", data={
        "section": "byok-save", "provider": "openai", "api_key": OPENAI_KEY,
        "base_url": "http://169.254.169.254/latest", "model": "", "csrf_token": token})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "169.254.169.254 is a link-local address" in html
    assert 'value="http://169.254.169.254/latest"' in html  # kept for fixing
    assert OPENAI_KEY not in html


def test_forms_need_the_csrf_token(local_app, make_user):
    client = local_app.test_client()
    sign_in(client, make_user("ada"))
    answer = client.post("/settings", data={"section": "byok-save", "provider": "openai",
                                            "api_key": OPENAI_KEY})
    assert answer.status_code == 400
    assert "did not come from this site" in answer.get_data(as_text=True)
    assert client.get("/api/v1/users/me/byok").get_json() == [], "no key was saved"
