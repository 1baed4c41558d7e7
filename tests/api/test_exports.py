"""Exports through the API: queued with the account's limits (422 naming the field), 404 for
what the caller cannot see, the per-account cap, and the sweeper of expired files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue

from fractafrag.extensions import db, redis
from fractafrag.models import Export
from fractafrag.services import exports
from tests.api.shader_helpers import published
from tests.helpers import bearer

VIDEO = {"format": "webm", "width": 640, "height": 360, "seconds": 2, "fps": 30}


def _export(client, user, shader_id, **body):
    return client.post(f"/api/v1/shaders/{shader_id}/exports", json=body,
                       headers=bearer(user["access_token"]))


def test_an_export_is_queued_and_listed(app, client, make_user):
    user = make_user()
    shader = published(client, user)
    response = _export(client, user, shader["id"], **VIDEO)
    assert response.status_code == 202, response.json
    assert response.json["status"] == "queued"
    export_id = response.json["id"]
    shown = client.get(f"/api/v1/exports/{export_id}", headers=bearer(user["access_token"])).json
    assert {k: shown[k] for k in ("shader_id", "version", "format", "width", "height", "seconds",
                                  "fps", "status", "progress", "url", "bytes", "error")} == {
        "shader_id": shader["id"], "version": 1, "format": "webm", "width": 640,
        "height": 360, "seconds": 2.0, "fps": 30, "status": "queued", "progress": 0.0,
        "url": None, "bytes": None, "error": None}
    mine = client.get("/api/v1/exports", headers=bearer(user["access_token"])).json
    assert [e["id"] for e in mine] == [export_id]
    with app.app_context():
        queued = Queue("export", connection=redis.conn)
        assert queued.job_ids == [f"export-{export_id}"]
        assert queued.fetch_job(f"export-{export_id}").meta == {
            "user": str(user["id"]), "kind": "export"}
    other = make_user()
    assert client.get(f"/api/v1/exports/{export_id}",
                      headers=bearer(other["access_token"])).status_code == 404
    assert client.get("/api/v1/exports", headers=bearer(other["access_token"])).json == []


@pytest.mark.parametrize("body, field", [
    ({"format": "mov"}, "format"),
    ({**VIDEO, "width": 1920, "height": 1080}, "width"),
    ({**VIDEO, "height": 1080}, "height"),
    ({**VIDEO, "width": 8}, "width"),
    ({**VIDEO, "seconds": 11}, "seconds"),
    ({**VIDEO, "seconds": 0}, "seconds"),
    ({**VIDEO, "fps": 60}, "fps"),
    ({**VIDEO, "fps": 0}, "fps"),
    ({**VIDEO, "format": "mp4", "width": 641}, "width"),
    ({**VIDEO, "format": "mp4", "height": 361}, "height"),
    ({"format": "png", "width": 3840, "height": 2160}, "width"),
    ({**VIDEO, "width": "wide"}, "width"),
    ({**VIDEO, "start": -1}, "start"),
])
def test_limits_answer_422_naming_the_field(client, make_user, body, field):
    user = make_user()
    shader = published(client, user)
    response = _export(client, user, shader["id"], **body)
    assert response.status_code == 422, response.json
    assert field in str(response.json["errors"]), response.json


def test_pro_accounts_have_larger_limits(client, make_user, make_pro):
    user = make_user()
    make_pro(user)
    shader = published(client, user)
    for body in ({"format": "png", "width": 3840, "height": 2160},
                 {**VIDEO, "width": 1920, "height": 1080, "fps": 60, "seconds": 60}):
        response = _export(client, user, shader["id"], **body)
        assert response.status_code == 202, response.json
    response = _export(client, user, shader["id"], **{**VIDEO, "seconds": 61})
    assert response.status_code == 422 and "seconds" in str(response.json["errors"])
    response = _export(client, user, shader["id"], **{**VIDEO, "width": 3840, "height": 2160})
    assert response.status_code == 422 and "width" in str(response.json["errors"])


def test_another_users_private_shader_is_404(client, make_user):
    owner, other = make_user(), make_user()
    shader = published(client, owner, visibility="private")
    assert _export(client, other, shader["id"], **VIDEO).status_code == 404
    assert _export(client, other, 999999, **VIDEO).status_code == 404
    assert _export(client, owner, shader["id"], **VIDEO).status_code == 202
    assert _export(client, owner, shader["id"], **VIDEO, version=5).status_code == 404


def test_exports_need_an_account(client, make_user):
    shader = published(client, make_user())
    assert client.post(f"/api/v1/shaders/{shader['id']}/exports", json=VIDEO).status_code == 401


def test_one_account_may_queue_only_a_few(make_app, make_user):
    app = make_app(EXPORT_MAX_QUEUED=1)
    client = app.test_client()
    user = make_user()
    shader = published(client, user)
    assert _export(client, user, shader["id"], **VIDEO).status_code == 202
    refused = _export(client, user, shader["id"], **VIDEO)
    assert refused.status_code == 429 and "FRACTAFRAG_EXPORT_MAX_QUEUED" in refused.json["message"]


def test_the_sweeper_deletes_expired_files(app, client, make_user):
    user = make_user()
    shader = published(client, user)
    export_id = _export(client, user, shader["id"], **VIDEO).json["id"]
    with app.app_context():
        export = db.session.get(Export, export_id)
        relative = exports.new_path("webm")
        path = exports.exports_dir() / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"webm")
        exports.mark_ready(export, relative, 4)
    assert client.get(f"/exports/{relative}").data == b"webm"
    with app.app_context():
        assert exports.sweep(datetime.now(UTC)) == {"expired": 0, "failed": 0}
        assert path.exists()
        later = datetime.now(UTC) + timedelta(days=app.config["EXPORT_KEEP_DAYS"], seconds=1)
        assert exports.sweep(later) == {"expired": 1, "failed": 0}
        assert not path.exists()
    shown = client.get(f"/api/v1/exports/{export_id}", headers=bearer(user["access_token"])).json
    assert shown["status"] == "ready" and shown["url"] is None
