"""AI generation end to end: the API queues a job, an RQ worker runs it against loopback fakes
of each provider's real wire format, the compiler's errors go back to the model, and a draft
appears (or the job fails with a message a person understands)."""

from __future__ import annotations

import json
import pickle
import time

import sqlalchemy as sa

from fractafrag.extensions import db, redis
from fractafrag.models import Desire, Shader
from fractafrag.services import glsl
from tests.byok.fakes import ANTHROPIC_KEY, BROKEN_GLSL, GOOD_GLSL, OPENAI_KEY, shader_reply
from tests.helpers import bearer


def save_key(client, user, provider, api_key, base_url, **extra):
    answer = client.put(f"/api/v1/users/me/byok/{provider}",
                        json={"api_key": api_key, "base_url": base_url, **extra},
                        headers=bearer(user["access_token"]))
    assert answer.status_code == 200, answer.json
    return answer.json


def start(client, user, **body):
    answer = client.post("/api/v1/generate", json=body, headers=bearer(user["access_token"]))
    assert answer.status_code == 202, answer.json
    assert answer.json["status"] == "queued"
    return answer.json["id"]


def job(client, user, job_id):
    answer = client.get(f"/api/v1/generate/{job_id}", headers=bearer(user["access_token"]))
    assert answer.status_code == 200, answer.json
    return answer.json


def draft_of(app, shader_id):
    with app.app_context():
        shader = db.session.get(Shader, shader_id)
        current = shader.current
        return {"owner_id": shader.owner_id, "visibility": shader.visibility,
                "title": shader.title, "description": shader.description, "tags": shader.tags,
                "common": current.common, "passes": current.passes}


def shader_count(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Shader.id)))


def test_openai_success_first_time(local_app, make_user, fake_openai, run_jobs):
    client = local_app.test_client()
    ada = make_user("ada")
    save_key(client, ada, "openai", OPENAI_KEY, fake_openai.base_url)
    fake_openai.reply(shader_reply("Neon Plasma", GOOD_GLSL))

    job_id = start(client, ada, prompt="neon plasma waves in purple")
    assert job(client, ada, job_id)["status"] == "queued"
    run_jobs(local_app)

    result = job(client, ada, job_id)
    assert result["status"] == "done", result
    assert result["attempts"] == 1
    assert "errors" not in result
    draft = draft_of(local_app, result["shader_id"])
    assert draft["owner_id"] == ada["id"]
    assert draft["visibility"] == "draft"
    assert draft["title"] == "Neon Plasma"
    assert "neon plasma waves in purple" in draft["description"]
    assert "Generated with AI (openai, gpt-4o-mini)" in draft["description"]
    assert "ai-generated" in draft["tags"]
    assert draft["passes"][0]["code"] == GOOD_GLSL
    assert glsl.validate_version(draft["common"], draft["passes"]) == []

    (request,) = fake_openai.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert request.body["model"] == "gpt-4o-mini"
    system, user = request.body["messages"]
    assert system["role"] == "system" and glsl.MAIN_IMAGE_SIGNATURE in system["content"]
    assert "iResolution" in system["content"] and "```glsl" in system["content"]
    assert user == {"role": "user", "content": "Write a shader: neon plasma waves in purple"}


def test_anthropic_success_speaks_the_messages_api(local_app, make_user, fake_anthropic,
                                                   run_jobs):
    client = local_app.test_client()
    bo = make_user("bo")
    save_key(client, bo, "anthropic", ANTHROPIC_KEY, fake_anthropic.base_url,
             model="claude-test-model")
    fake_anthropic.reply("Here you go.\n\n" + shader_reply("Soft Rainbow", GOOD_GLSL))

    job_id = start(client, bo, prompt="a soft rainbow gradient")
    run_jobs(local_app)

    result = job(client, bo, job_id)
    assert result["status"] == "done", result
    assert result["provider"] == "anthropic"
    assert draft_of(local_app, result["shader_id"])["title"] == "Soft Rainbow"
    (request,) = fake_anthropic.requests
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == ANTHROPIC_KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers
    assert request.body["model"] == "claude-test-model"
    assert request.body["max_tokens"] > 0
    assert glsl.MAIN_IMAGE_SIGNATURE in request.body["system"]
    assert request.body["messages"] == [
        {"role": "user", "content": "Write a shader: a soft rainbow gradient"}]


def _events(pubsub, job_id, until=3.0):
    """Socket.IO emits published by the broadcast module for one job, decoded."""
    found = []
    deadline = time.monotonic() + until
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.2)
        if message is None or message["type"] != "message":
            continue
        raw = message["data"]
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            data = pickle.loads(raw)
        if data.get("method") != "emit":
            continue
        payload = data["data"][0] if isinstance(data["data"], list) else data["data"]
        if isinstance(payload, dict) and payload.get("id") == job_id:
            found.append({**data, "data": payload})
            if data["event"] in ("generate:done", "generate:failed"):
                break
    return found


def test_repair_sends_the_compiler_errors_back(local_app, make_user, fake_openai, run_jobs):
    client = local_app.test_client()
    ada = make_user("ada")
    save_key(client, ada, "openai", OPENAI_KEY, fake_openai.base_url)
    fake_openai.reply(shader_reply("Wobbly", BROKEN_GLSL))
    fake_openai.reply(shader_reply("Wobbly, fixed", GOOD_GLSL))

    job_id = start(client, ada, prompt="a wobbly colour field")
    with local_app.app_context():
        pubsub = redis.conn.pubsub()
        pubsub.subscribe("fractafrag")
    run_jobs(local_app)

    result = job(client, ada, job_id)
    assert result["status"] == "done", result
    assert result["attempts"] == 2
    assert len(fake_openai.requests) == 2
    messages = fake_openai.requests[1].body["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert BROKEN_GLSL.strip() in messages[2]["content"]
    repair = messages[3]["content"]
    assert "Image line 3" in repair
    assert "'wobble' : undeclared identifier" in repair
    assert "cos(iTime + uv.xyx + wobble)" in repair  # the line itself, to find it
    draft = draft_of(local_app, result["shader_id"])
    assert draft["title"] == "Wobbly, fixed"
    assert "sent back 1 time" in draft["description"]

    events = _events(pubsub, job_id)
    pubsub.close()
    assert [e["event"] for e in events] == ["generate:progress", "generate:progress",
                                            "generate:done"]
    assert {e["room"] for e in events} == {f"user:{ada['id']}"}
    first, second, done = (e["data"] for e in events)
    assert first == {"id": job_id, "status": "running", "attempt": 1}
    assert second["attempt"] == 2
    assert second["errors"][0]["line"] == 3 and "wobble" in second["errors"][0]["message"]
    assert done["shader_id"] == result["shader_id"] and done["status"] == "done"


def test_three_failed_repairs_fail_with_the_errors(local_app, make_user, fake_openai,
                                                   run_jobs):
    client = local_app.test_client()
    ada = make_user("ada")
    save_key(client, ada, "openai", OPENAI_KEY, fake_openai.base_url)
    fake_openai.reply(shader_reply("Never", BROKEN_GLSL))  # repeated for every call

    job_id = start(client, ada, prompt="something that never compiles")
    run_jobs(local_app)

    result = job(client, ada, job_id)
    assert result["status"] == "failed"
    assert result["attempts"] == 4
    assert len(fake_openai.requests) == 4  # the first try and 3 repairs
    assert "after 3 repairs" in result["message"]
    assert "Image line 3" in result["message"]
    assert result["errors"][0] == {"pass": "Image", "line": 3,
                                   "message": result["errors"][0]["message"]}
    assert "wobble" in result["errors"][0]["message"]
    assert shader_count(local_app) == 0


def test_rejected_key_fails_with_a_readable_message(local_app, make_user, fake_openai,
                                                    run_jobs):
    client = local_app.test_client()
    ada = make_user("ada")
    save_key(client, ada, "openai", "sk-not-the-right-key-00000000", fake_openai.base_url)
    fake_openai.reply(shader_reply("Unused", GOOD_GLSL))

    job_id = start(client, ada, prompt="a shader that never comes")
    run_jobs(local_app)

    result = job(client, ada, job_id)
    assert result["status"] == "failed"
    assert result["message"] == "Your openai key was rejected by the provider (401)."
    assert result["attempts"] == 1
    assert shader_count(local_app) == 0


def test_anthropic_rejected_key(local_app, make_user, fake_anthropic, run_jobs):
    client = local_app.test_client()
    ada = make_user("ada")
    save_key(client, ada, "anthropic", "sk-ant-wrong-000000000000", fake_anthropic.base_url)
    job_id = start(client, ada, prompt="anything at all")
    run_jobs(local_app)
    assert job(client, ada, job_id)["message"] == \
        "Your anthropic key was rejected by the provider (401)."


def test_timeout_fails_the_job(make_app, make_user, fake_openai, run_jobs):
    impatient = make_app(BYOK_ALLOW_LOCAL=True, BYOK_TIMEOUT=0.5)
    client = impatient.test_client()
    ada = make_user("ada")
    save_key(client, ada, "openai", OPENAI_KEY, fake_openai.base_url)
    fake_openai.reply(shader_reply("Too late", GOOD_GLSL), delay=2.0)

    job_id = start(client, ada, prompt="a slow provider")
    started = time.monotonic()
    run_jobs(impatient)

    result = job(client, ada, job_id)
    assert result["status"] == "failed"
    assert result["message"] == "The provider did not answer within 0.5 s."
    assert time.monotonic() - started < 2.0
    assert shader_count(impatient) == 0


def test_malformed_reply_fails_the_job(local_app, make_user, fake_openai, run_jobs):
    client = local_app.test_client()
    ada = make_user("ada")
    save_key(client, ada, "openai", OPENAI_KEY, fake_openai.base_url)
    fake_openai.raw({"id": "chatcmpl-x", "object": "chat.completion", "choices": []})

    job_id = start(client, ada, prompt="a malformed answer")
    run_jobs(local_app)

    result = job(client, ada, job_id)
    assert result["status"] == "failed"
    assert result["message"].startswith("The provider's reply was malformed")
    assert "choices[0].message" in result["message"]


def test_reply_without_code_fails_the_job(local_app, make_user, fake_openai, run_jobs):
    client = local_app.test_client()
    ada = make_user("ada")
    save_key(client, ada, "openai", OPENAI_KEY, fake_openai.base_url)
    fake_openai.reply("I would rather describe a sunset in words: orange, then violet.")

    job_id = start(client, ada, prompt="a sunset")
    run_jobs(local_app)

    result = job(client, ada, job_id)
    assert result["status"] == "failed"
    assert result["message"] == "The provider's reply had no GLSL code."


def test_redirects_are_not_followed(local_app, make_user, fake_openai, run_jobs):
    client = local_app.test_client()
    ada = make_user("ada")
    save_key(client, ada, "openai", OPENAI_KEY, fake_openai.base_url)
    fake_openai.status(302, {"moved": "http://169.254.169.254/"})

    job_id = start(client, ada, prompt="a redirect")
    run_jobs(local_app)

    result = job(client, ada, job_id)
    assert result["status"] == "failed"
    assert "redirect (302)" in result["message"]
    assert len(fake_openai.requests) == 1


def test_other_users_job_is_404(local_app, make_user, fake_openai):
    client = local_app.test_client()
    ada, bo = make_user("ada"), make_user("bo")
    save_key(client, ada, "openai", OPENAI_KEY, fake_openai.base_url)
    job_id = start(client, ada, prompt="mine, not yours")

    answer = client.get(f"/api/v1/generate/{job_id}", headers=bearer(bo["access_token"]))
    assert answer.status_code == 404
    assert client.get(f"/api/v1/generate/{job_id}").status_code == 401
    assert client.get("/api/v1/generate/nope", headers=bearer(ada["access_token"])
                      ).status_code == 404


def test_generate_needs_a_key_and_a_prompt(local_app, make_user, fake_openai):
    client = local_app.test_client()
    ada = make_user("ada")
    headers = bearer(ada["access_token"])
    answer = client.post("/api/v1/generate", json={"prompt": "a plasma"}, headers=headers)
    assert answer.status_code == 422
    assert "provider" in answer.json["errors"]
    save_key(client, ada, "openai", OPENAI_KEY, fake_openai.base_url)
    answer = client.post("/api/v1/generate", json={"prompt": "a plasma", "provider": "anthropic"},
                         headers=headers)
    assert answer.status_code == 422
    assert "no anthropic key" in answer.json["message"]
    answer = client.post("/api/v1/generate", json={"prompt": "a plasma", "provider": "gemini"},
                         headers=headers)
    assert answer.status_code == 422
    assert "provider" in answer.json["errors"]["json"]
    answer = client.post("/api/v1/generate", json={}, headers=headers)
    assert answer.status_code == 422
    assert "prompt" in answer.json["errors"]
    assert client.post("/api/v1/generate", json={"prompt": "a plasma"}).status_code == 401


def test_generating_for_a_desire(local_app, make_user, fake_openai, run_jobs):
    client = local_app.test_client()
    ada, asker = make_user("ada"), make_user("asker")
    with local_app.app_context():
        desire = Desire(author_id=asker["id"], prompt="a tunnel of glowing hexagons")
        db.session.add(desire)
        db.session.commit()
        desire_id = desire.id
    save_key(client, ada, "openai", OPENAI_KEY, fake_openai.base_url)
    fake_openai.reply(shader_reply("Hex Tunnel", GOOD_GLSL))

    job_id = start(client, ada, desire_id=desire_id)  # the desire's ask is the prompt
    run_jobs(local_app)

    result = job(client, ada, job_id)
    assert result["status"] == "done", result
    assert result["desire_id"] == desire_id
    draft = draft_of(local_app, result["shader_id"])
    assert draft["description"].startswith(
        f"Generated for desire #{desire_id}: a tunnel of glowing hexagons")
    assert "glowing hexagons" in fake_openai.requests[0].body["messages"][1]["content"]
    answer = client.post("/api/v1/generate", json={"desire_id": 999999},
                         headers=bearer(ada["access_token"]))
    assert answer.status_code == 422
    assert "desire_id" in answer.json["errors"]


def test_monthly_quota_ends_the_job_with_its_message(make_app, make_user, fake_openai,
                                                     run_jobs):
    from fractafrag.services import shaders

    tight = make_app(BYOK_ALLOW_LOCAL=True, FREE_SHADERS_PER_MONTH=1)
    client = tight.test_client()
    ada = make_user("ada")
    save_key(client, ada, "openai", OPENAI_KEY, fake_openai.base_url)
    fake_openai.reply(shader_reply("Over quota", GOOD_GLSL))
    job_id = start(client, ada, prompt="one shader too many")
    with tight.app_context():  # the allowance is used up while the job waits
        shaders.create_shader(ada["id"], {"title": "First", "visibility": "draft"},
                              {"common": "", "passes": [{"name": "Image", "code": GOOD_GLSL,
                                                         "inputs": []}]})
    run_jobs(tight)

    result = job(client, ada, job_id)
    assert result["status"] == "failed"
    assert result["message"].startswith("Free accounts may create 1 shaders a month")
    answer = client.post("/api/v1/generate", json={"prompt": "and another"},
                         headers=bearer(ada["access_token"]))
    assert answer.status_code == 429  # refused before spending the user's tokens
    assert len(fake_openai.requests) == 1


def test_unreachable_provider_fails_the_job(local_app, make_user, run_jobs):
    client = local_app.test_client()
    ada = make_user("ada")
    save_key(client, ada, "openai", OPENAI_KEY, "http://127.0.0.1:1/v1")  # nothing listens
    job_id = start(client, ada, prompt="a plasma nobody answers")
    run_jobs(local_app)
    result = job(client, ada, job_id)
    assert result["status"] == "failed"
    assert result["message"].startswith("Could not connect to the provider at 127.0.0.1:1")
