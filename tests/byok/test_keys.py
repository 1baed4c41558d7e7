"""Provider keys: saved encrypted (MultiFernet, rotatable), never logged or returned."""

from __future__ import annotations

import base64
import logging

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fractafrag.extensions import db
from fractafrag.services import byok
from tests.byok.fakes import OPENAI_KEY
from tests.helpers import bearer, make_config

SECRET = OPENAI_KEY


def put(client, user, provider="openai", **body):
    return client.put(f"/api/v1/users/me/byok/{provider}", json={"api_key": SECRET, **body},
                      headers=bearer(user["access_token"]))


def ciphertext(app, user_id, provider="openai") -> bytes:
    with app.app_context():
        return bytes(db.session.execute(
            sa.text("SELECT ciphertext FROM byok_keys WHERE user_id = :u AND provider = :p"),
            {"u": user_id, "p": provider}).scalar_one())


def test_put_get_delete(local_app, make_user, caplog):
    caplog.set_level(logging.DEBUG)
    client = local_app.test_client()
    ada = make_user("ada")
    answer = put(client, ada, base_url="http://127.0.0.1:11434/v1/", model="llama3.2")
    assert answer.status_code == 200, answer.json
    assert set(answer.json) == {"provider", "model", "base_url", "last4", "updated_at"}
    assert answer.json["provider"] == "openai"
    assert answer.json["model"] == "llama3.2"
    assert answer.json["base_url"] == "http://127.0.0.1:11434/v1"
    assert answer.json["last4"] == SECRET[-4:]
    assert SECRET not in answer.get_data(as_text=True)

    answer = put(client, ada, provider="anthropic")
    assert answer.json["model"] == byok.DEFAULT_MODELS["anthropic"]
    assert answer.json["base_url"] is None

    listed = client.get("/api/v1/users/me/byok", headers=bearer(ada["access_token"]))
    assert listed.status_code == 200
    assert [set(row) for row in listed.json] == [{"provider", "model", "base_url", "last4"}] * 2
    assert [row["provider"] for row in listed.json] == ["anthropic", "openai"]
    assert SECRET not in listed.get_data(as_text=True)
    assert SECRET not in caplog.text

    # Another user sees none of them; replacing keeps one row per provider.
    bo = make_user("bo")
    assert client.get("/api/v1/users/me/byok", headers=bearer(bo["access_token"])).json == []
    put(client, ada, api_key="sk-replaced-key-aaaaaaaaaaaa1234")
    listed = client.get("/api/v1/users/me/byok", headers=bearer(ada["access_token"])).json
    assert [row["last4"] for row in listed] == [SECRET[-4:], "1234"]
    assert listed[1]["base_url"] is None  # PUT replaces the whole entry

    gone = client.delete("/api/v1/users/me/byok/openai", headers=bearer(ada["access_token"]))
    assert gone.status_code == 204
    listed = client.get("/api/v1/users/me/byok", headers=bearer(ada["access_token"])).json
    assert [row["provider"] for row in listed] == ["anthropic"]
    again = client.delete("/api/v1/users/me/byok/openai", headers=bearer(ada["access_token"]))
    assert again.status_code == 404


def test_unknown_provider_and_bad_bodies_are_422(local_app, make_user):
    client = local_app.test_client()
    ada = make_user("ada")
    answer = put(client, ada, provider="gemini")
    assert answer.status_code == 422
    assert "provider" in answer.json["errors"]
    assert "openai, anthropic" in answer.json["message"]
    answer = client.put("/api/v1/users/me/byok/openai", json={"model": "x"},
                        headers=bearer(ada["access_token"]))
    assert answer.status_code == 422
    assert "api_key" in answer.json["errors"]["json"]
    answer = put(client, ada, api_key="two words")
    assert answer.status_code == 422
    assert "api_key" in answer.json["errors"]
    assert client.put("/api/v1/users/me/byok/openai", json={"api_key": SECRET}).status_code == 401
    assert client.get("/api/v1/users/me/byok").status_code == 401


def test_short_keys_show_no_characters(local_app, make_user):
    client = local_app.test_client()
    answer = put(client, make_user("ada"), api_key="ollama", base_url="http://127.0.0.1:1/v1")
    assert answer.json["last4"] == ""


def test_stored_encrypted_with_the_key_derived_from_secret_key(local_app, make_user):
    client = local_app.test_client()
    ada = make_user("ada")
    assert put(client, ada).status_code == 200
    stored = ciphertext(local_app, ada["id"])
    assert SECRET.encode() not in stored
    assert SECRET[-12:].encode() not in stored
    assert base64.b64encode(SECRET.encode()) not in stored
    # The documented derivation: HKDF-SHA256(SECRET_KEY, salt, info), url-safe base64.
    secret_key = local_app.config["SECRET_KEY"].encode()
    derived = base64.urlsafe_b64encode(HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"fractafrag-byok",
        info=b"byok-fernet-v1").derive(secret_key))
    assert Fernet(derived).decrypt(stored).decode() == SECRET
    with local_app.app_context():
        assert byok.provider_key(ada["id"], "openai").api_key == SECRET
        assert SECRET not in repr(byok.provider_key(ada["id"], "openai"))


def test_configured_keys_and_rotation(make_app, make_user):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    old_app = make_app(BYOK_KEYS=old.decode(), BYOK_ALLOW_LOCAL=True)
    ada = make_user("ada")
    assert put(old_app.test_client(), ada).status_code == 200
    stored = ciphertext(old_app, ada["id"])
    assert SECRET.encode() not in stored
    assert Fernet(old).decrypt(stored).decode() == SECRET
    assert MultiFernet([Fernet(old)]).decrypt(stored).decode() == SECRET

    # The new key first, the old one second: old ciphertexts still decrypt.
    rotated_app = make_app(BYOK_KEYS=f"{new.decode()}, {old.decode()}", BYOK_ALLOW_LOCAL=True)
    with rotated_app.app_context():
        assert byok.provider_key(ada["id"], "openai").api_key == SECRET
    # New saves are encrypted with the first key.
    bo = make_user("bo")
    assert put(rotated_app.test_client(), bo).status_code == 200
    assert Fernet(new).decrypt(ciphertext(rotated_app, bo["id"])).decode() == SECRET
    with pytest.raises(InvalidToken):
        Fernet(old).decrypt(ciphertext(rotated_app, bo["id"]))
    # rotate_all re-encrypts the rest, after which the old key can go.
    with rotated_app.app_context():
        assert byok.rotate_all() == 2
    new_only = make_app(BYOK_KEYS=new.decode(), BYOK_ALLOW_LOCAL=True)
    with new_only.app_context():
        assert byok.provider_key(ada["id"], "openai").api_key == SECRET

    # A key no configured key can open is reported, not crashed on.
    stranger = make_app(BYOK_KEYS=Fernet.generate_key().decode(), BYOK_ALLOW_LOCAL=True)
    answer = stranger.test_client().post("/api/v1/generate", json={"prompt": "a plasma"},
                                         headers=bearer(ada["access_token"]))
    assert answer.status_code == 409
    assert "save it again" in answer.json["message"]


def test_malformed_server_key_is_a_clear_configuration_error(make_app, make_user):
    broken = make_app(BYOK_KEYS="not-a-fernet-key")
    with broken.app_context(), pytest.raises(RuntimeError, match="FRACTAFRAG_BYOK_KEYS"):
        byok.encrypt("x")


def test_environment_settings(monkeypatch, service_urls):
    monkeypatch.setenv("FRACTAFRAG_BYOK_KEYS", "a,b")
    monkeypatch.setenv("FRACTAFRAG_BYOK_ALLOW_LOCAL", "1")
    monkeypatch.setenv("FRACTAFRAG_BYOK_TIMEOUT", "12.5")
    config = make_config(service_urls)
    assert config.BYOK_KEYS == "a,b"
    assert config.BYOK_ALLOW_LOCAL is True
    assert config.BYOK_TIMEOUT == 12.5
    assert config.BYOK_MAX_REPAIRS == 3
