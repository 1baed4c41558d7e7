"""Your own media: uploads checked and cleaned by real Pillow, stored, served, listed, deleted."""

from __future__ import annotations

import io
import struct
import time
import wave
import zlib

import pytest
from PIL import Image

from tests.helpers import bearer

RED = (255, 0, 0)


def png(size=(8, 4), colour=RED, mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG", **save)
    return out.getvalue()


def upload(client, user, data: bytes, filename="texture.png", headers=None):
    return client.post("/api/v1/media", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data",
                       headers=headers if headers is not None else bearer(user["access_token"]))


def served(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def message(response) -> str:
    return response.get_json()["message"]


def test_a_red_png_is_stored_served_immutable_and_decodes_to_red(client, make_user):
    user = make_user()
    answer = upload(client, user, png(size=(16, 8), pnginfo=_text_chunk()))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert (body["kind"], body["width"], body["height"]) == ("image", 16, 8)
    assert body["source"] == f"media:{body['id']}" and body["url"].startswith("/media/")
    assert body["url"].endswith(".png") and body["name"] == "texture.png"
    file = served(client, body["url"])
    assert file.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert file.mimetype == "image/png"
    image = Image.open(io.BytesIO(file.data))
    assert image.size == (16, 8) and image.convert("RGB").getpixel((3, 3)) == RED
    assert not image.getexif() and "Comment" not in image.info and "exif" not in image.info
    assert b"tEXt" not in file.data and b"eXIf" not in file.data


def _text_chunk():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at 51.5N 0.1W")
    return info


def test_jpeg_exif_is_stripped_and_its_orientation_applied(client, make_user):
    user = make_user()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    out = io.BytesIO()
    Image.new("RGB", (40, 20), RED).save(out, "JPEG", exif=exif.tobytes(), quality=95)
    assert b"SecretCam" in out.getvalue()
    answer = upload(client, user, out.getvalue(), "photo.jpg")
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert (body["width"], body["height"]) == (20, 40)  # upright, as a viewer shows it
    file = served(client, body["url"])
    assert file.mimetype == "image/jpeg" and b"SecretCam" not in file.data
    image = Image.open(io.BytesIO(file.data))
    assert not image.getexif() and "exif" not in image.info
    r, g, b = image.convert("RGB").getpixel((10, 20))
    assert r > 240 and g < 16 and b < 16


def test_webp_is_accepted(client, make_user):
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (255, 0, 0, 128)).save(out, "WEBP", lossless=True)
    answer = upload(client, make_user(), out.getvalue(), "a.webp")
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["url"].endswith(".webp")


def test_a_truncated_png_is_refused_naming_it(client, make_user):
    noisy = Image.effect_noise((256, 256), 64).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, "PNG")
    data = out.getvalue()
    answer = upload(client, make_user(), data[: len(data) // 2])
    assert answer.status_code == 422, answer.get_json()
    assert "truncated" in message(answer) and "PNG" in message(answer)


def test_a_png_cut_inside_its_header_is_called_truncated_not_foreign(client, make_user):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(out, "PNG")
    answer = upload(client, make_user(), out.getvalue()[:40])
    assert answer.status_code == 422, answer.get_json()
    assert "truncated" in message(answer) and "not a PNG" not in message(answer)


def test_a_text_file_named_png_is_refused(client, make_user):
    answer = upload(client, make_user(), b"hello, I am not a picture\n" * 20, "evil.png")
    assert answer.status_code == 415, answer.get_json()
    assert "not a PNG, JPEG or WebP image" in message(answer)
    assert answer.get_json()["errors"]["files"]["file"]


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width×height (a decompression bomb's shape)."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def test_a_decompression_bomb_is_refused_at_once(client, make_user):
    user = make_user()
    started = time.monotonic()
    answer = upload(client, user, _png_declaring(30000, 30000))
    assert time.monotonic() - started < 2
    assert answer.status_code == 422, answer.get_json()
    assert "decompression bomb" in message(answer)


def test_over_the_largest_side_is_refused(client, make_user):
    answer = upload(client, make_user(), _png_declaring(2049, 16))
    assert answer.status_code == 422, answer.get_json()
    assert "2049×16" in message(answer) and "2048×2048" in message(answer)


def test_the_byte_limit_is_a_413(make_app, make_user):
    app = make_app(MEDIA_MAX_IMAGE_BYTES=1000)
    client = app.test_client()
    answer = upload(client, make_user(), png(size=(64, 64), colour=(1, 2, 3)) + b"\0" * 2000)
    assert answer.status_code == 413, answer.get_json()
    assert "FRACTAFRAG_MEDIA_MAX_IMAGE_BYTES" in message(answer)


def test_the_storage_quota_names_the_numbers(make_app, make_user):
    app = make_app(MEDIA_QUOTA_BYTES=300)
    client = app.test_client()
    user = make_user()
    first = upload(client, user, png())
    assert first.status_code == 201, first.get_json()
    used = first.get_json()["bytes"]
    assert used < 300
    out = io.BytesIO()
    Image.effect_noise((32, 32), 64).convert("RGB").save(out, "PNG")  # ~3 KB stored
    refused = upload(client, user, out.getvalue())
    assert refused.status_code == 413, refused.get_json()
    quota = refused.get_json()["errors"]["quota"]
    assert quota["limit"] == 300 and quota["used"] == used and quota["size"] > 300 - used
    assert "300" in message(refused) and str(used) in message(refused)
    assert upload(client, make_user(), png()).status_code == 201  # per account


def test_anonymous_is_401_and_a_read_key_403_and_a_write_key_may(client, make_user):
    user = make_user()
    assert upload(client, user, png(), headers={}).status_code == 401
    assert client.get("/api/v1/media").status_code == 401
    keys = {}
    for scopes in (["read"], ["read", "write"]):
        made = client.post("/api/v1/mcp-keys", json={"name": "+".join(scopes), "scopes": scopes},
                           headers=bearer(user["access_token"]))
        keys[len(scopes)] = made.get_json()["key"]
    assert upload(client, user, png(), headers={"X-API-Key": keys[1]}).status_code == 403
    assert upload(client, user, png(), headers={"X-API-Key": keys[2]}).status_code == 201


def test_audio_is_sniffed_and_stored_as_sent(client, make_user):
    user = make_user()
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\x00\x01" * 800)
    answer = upload(client, user, out.getvalue(), "beat.wav")
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert (body["kind"], body["width"], body["height"]) == ("audio", None, None)
    assert served(client, body["url"]).data == out.getvalue()
    ogg = b"OggS\x00\x02" + b"\x00" * 22 + b"\x01\x1e\x01vorbis" + b"\x00" * 200
    assert upload(client, user, ogg, "tune.ogg").get_json()["url"].endswith(".ogg")
    mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 100
    assert upload(client, user, mp3, "tune.mp3").get_json()["url"].endswith(".mp3")
    theora = b"OggS\x00\x02" + b"\x00" * 22 + b"\x80theora" + b"\x00" * 200
    assert upload(client, user, theora, "film.ogg").status_code == 415


def test_listing_is_yours_newest_first(client, make_user):
    ada, bob = make_user(), make_user()
    first = upload(client, ada, png()).get_json()
    second = upload(client, ada, png(size=(3, 3))).get_json()
    upload(client, bob, png())
    listed = client.get("/api/v1/media", headers=bearer(ada["access_token"])).get_json()
    assert [m["id"] for m in listed] == [second["id"], first["id"]]


# ------------------------------------------------------------------------- use and delete


def _version_using(app, owner_id: int, media_id: int, visibility="public", title="Textured"):
    """A shader whose version reads media:<id> (stored directly: validation of media sources
    is wired in glsl.py separately)."""
    from fractafrag.extensions import db
    from fractafrag.models import Shader, ShaderVersion

    with app.app_context():
        shader = Shader(owner_id=owner_id, title=title, license="CC0-1.0", visibility=visibility)
        db.session.add(shader)
        db.session.flush()
        db.session.add(ShaderVersion(shader_id=shader.id, version=1, common="", passes=[
            {"name": "Image", "code": "void mainImage(out vec4 c, in vec2 p) { c = vec4(1); }",
             "inputs": [{"channel": 0, "source": f"media:{media_id}"},
                        {"channel": 1, "source": "media:99999999"},
                        {"channel": 2, "source": "media:x1"}, "junk"]}]))
        db.session.commit()
        return shader.id


def test_delete_rules(app, client, make_user):
    ada, bob = make_user(), make_user()
    unused = upload(client, ada, png()).get_json()
    used = upload(client, ada, png(size=(5, 5))).get_json()
    shader_id = _version_using(app, ada["id"], used["id"], title="Red room")

    assert client.delete(f"/api/v1/media/{unused['id']}").status_code == 401
    assert client.delete(f"/api/v1/media/{unused['id']}",
                         headers=bearer(bob["access_token"])).status_code == 404
    refused = client.delete(f"/api/v1/media/{used['id']}", headers=bearer(ada["access_token"]))
    assert refused.status_code == 409, refused.get_json()
    assert "Red room" in message(refused) and str(shader_id) in message(refused)
    assert refused.get_json()["errors"]["shader"]["id"] == shader_id
    served(client, used["url"])

    gone = client.delete(f"/api/v1/media/{unused['id']}", headers=bearer(ada["access_token"]))
    assert gone.status_code == 204
    assert client.get(unused["url"]).status_code == 404
    listed = client.get("/api/v1/media", headers=bearer(ada["access_token"])).get_json()
    assert [m["id"] for m in listed] == [used["id"]]

    # Once the only shader using it is deleted, it may go.
    from fractafrag.extensions import db
    from fractafrag.models import Shader

    with app.app_context():
        db.session.get(Shader, shader_id).deleted_at = db.func.now()
        db.session.commit()
    assert client.delete(f"/api/v1/media/{used['id']}",
                         headers=bearer(ada["access_token"])).status_code == 204


def test_someone_elses_private_fork_blocks_deletion_without_naming_it(app, client, make_user):
    ada, bob = make_user(), make_user()
    used = upload(client, ada, png()).get_json()
    _version_using(app, bob["id"], used["id"], visibility="private", title="Bob's secret")
    refused = client.delete(f"/api/v1/media/{used['id']}", headers=bearer(ada["access_token"]))
    assert refused.status_code == 409
    assert "Bob's secret" not in message(refused) and "private shader" in message(refused)


@pytest.mark.parametrize("visibility,seen", [("public", True), ("unlisted", True),
                                             ("private", False), ("draft", False)])
def test_media_visible_to_follows_the_shaders_that_use_it(app, client, make_user, visibility,
                                                          seen):
    from fractafrag.services.media import media_visible_to

    ada, bob = make_user(), make_user()
    medium = upload(client, ada, png()).get_json()
    with app.app_context():
        assert media_visible_to(medium["id"], ada["id"])
        assert not media_visible_to(medium["id"], bob["id"])
        assert not media_visible_to(medium["id"], None)
    _version_using(app, ada["id"], medium["id"], visibility=visibility)
    with app.app_context():
        assert media_visible_to(medium["id"], bob["id"]) is seen
        assert media_visible_to(medium["id"], None) is seen
        assert media_visible_to(medium["id"], ada["id"])
    one = client.get(f"/api/v1/media/{medium['id']}", headers=bearer(bob["access_token"]))
    assert one.status_code == (200 if seen else 404)
    if seen:
        assert one.get_json()["name"] == ""  # the file's name stays the owner's


def test_media_sources_for_the_validator(app, client, make_user):
    from fractafrag.services.media import is_media_source, media_for_passes, media_source_errors

    assert is_media_source("media:12") and not is_media_source("media:012")
    assert not is_media_source("media:") and not is_media_source("texture:noise-rgba")
    ada, bob = make_user(), make_user()
    medium = upload(client, ada, png()).get_json()
    passes = [{"name": "Image", "code": "", "inputs": [
        {"channel": 0, "source": f"media:{medium['id']}"}]}]
    with app.app_context():
        assert media_source_errors(passes, ada["id"]) == []
        errors = media_source_errors(passes, bob["id"])
        assert errors and errors[0]["pass"] == "Image" and "iChannel0" in errors[0]["message"]
        found = media_for_passes(passes, ada["id"])
        assert found[f"media:{medium['id']}"]["url"] == medium["url"]
        assert media_for_passes(passes, bob["id"]) == {}
