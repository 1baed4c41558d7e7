"""Video uploads (checked and remuxed by real PyAV), listing your media a page at a time, and
a medium's sampler settings kept through a Shadertoy export and import."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest

from tests.api.shader_helpers import publish
from tests.api.test_media import message, png, served, upload
from tests.helpers import bearer

RED = (255, 0, 0)


def video(container: str = "webm", codec: str = "libvpx", seconds: float = 1.0, fps: int = 10,
          size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = RED,
          title: str = "", sound: bool = False) -> bytes:
    """A small solid-colour video made by PyAV (optionally with a title tag and a sound
    track, which the stored copy must not keep)."""
    out = io.BytesIO()
    with av.open(out, "w", format=container) as made:
        if title:
            made.metadata["title"] = title
        picture = made.add_stream(codec, rate=fps)
        picture.width, picture.height = size
        picture.pix_fmt = "yuv420p"
        audio = made.add_stream("libopus", rate=48000) if sound else None
        pixels = np.zeros((size[1], size[0], 3), np.uint8)
        pixels[:] = colour
        for _ in range(round(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            for packet in picture.encode(frame):
                made.mux(packet)
        for packet in picture.encode():
            made.mux(packet)
        if audio is not None:
            samples = av.AudioFrame.from_ndarray(np.zeros((1, 960), np.int16), format="s16",
                                                 layout="mono")
            samples.sample_rate = 48000
            for packet in audio.encode(samples):
                made.mux(packet)
            for packet in audio.encode():
                made.mux(packet)
    return out.getvalue()


def first_picture(data: bytes) -> tuple[int, int, int]:
    """The centre pixel of a stored video's first picture, decoded by PyAV."""
    with av.open(io.BytesIO(data)) as stored:
        frame = next(stored.decode(video=0))
        pixels = frame.to_ndarray(format="rgb24")
    return tuple(int(v) for v in pixels[pixels.shape[0] // 2, pixels.shape[1] // 2])


# ---------------------------------------------------------------------------------- upload


def test_a_webm_video_is_stored_without_its_sound_and_tags_and_still_plays_red(client,
                                                                               make_user):
    user = make_user()
    answer = upload(client, user, video(title="holiday at 51.5N 0.1W", sound=True), "clip.webm")
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert (body["kind"], body["width"], body["height"]) == ("video", 64, 48)
    assert body["url"].endswith(".webm") and body["mime"] == "video/webm"
    assert body["source"] == f"media:{body['id']}" and body["name"] == "clip.webm"
    file = served(client, body["url"])
    assert file.mimetype == "video/webm"
    assert file.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    with av.open(io.BytesIO(file.data)) as stored:
        assert [s.type for s in stored.streams] == ["video"], "the sound track is dropped"
        assert "title" not in {k.lower() for k in stored.metadata}
    assert b"holiday" not in file.data
    red, green, blue = first_picture(file.data)
    assert red > 200 and green < 60 and blue < 60


def test_an_mp4_video_is_accepted(client, make_user):
    answer = upload(client, make_user(), video("mp4", "h264", colour=(0, 0, 255)), "clip.mp4")
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["kind"] == "video" and body["url"].endswith(".mp4")
    data = served(client, body["url"]).data
    assert data.index(b"moov") < data.index(b"mdat"), "the index comes first (fast start)"
    red, green, blue = first_picture(data)
    assert blue > 200 and red < 60


@pytest.mark.parametrize("container, codec", [("webm", "libvpx"), ("mp4", "h264")])
def test_a_truncated_video_is_refused_naming_it(client, make_user, container, codec):
    whole = video(container, codec, seconds=2.0)
    cut = whole[: len(whole) * 3 // 4]
    answer = upload(client, make_user(), cut, f"clip.{container}")
    assert answer.status_code == 422, answer.get_json()
    assert "truncated" in message(answer)
    assert ("WebM" if container == "webm" else "MP4") in message(answer)
    assert answer.get_json()["errors"]["files"]["file"] == [message(answer)]


def test_garbage_is_refused(client, make_user):
    user = make_user()
    rng = np.random.default_rng(22)
    noise = rng.integers(0, 256, 4000, dtype=np.uint8).tobytes()
    # Looks like WebM by its first four bytes, but nothing after them is.
    fake = upload(client, user, b"\x1a\x45\xdf\xa3" + noise, "clip.webm")
    assert fake.status_code == 422, fake.get_json()
    assert "WebM" in message(fake) and "corrupt" in message(fake)
    fake_mp4 = upload(client, user, b"\x00\x00\x00\x18ftypmp42" + noise, "clip.mp4")
    assert fake_mp4.status_code == 422 and "MP4" in message(fake_mp4)
    plain = upload(client, user, b"\x00\x07" + noise, "clip.webm")
    assert plain.status_code == 415, plain.get_json()
    assert "WebM or MP4 video" in message(plain)
    # A container browsers cannot play the codec of: MPEG-4 part 2 in MP4.
    old = upload(client, user, video("mp4", "mpeg4"), "old.mp4")
    assert old.status_code == 415 and "mpeg4" in message(old)
    assert client.get("/api/v1/media", headers=bearer(user["access_token"])).get_json() == []


def test_the_video_limits_are_settings(make_app, make_user):
    app = make_app(MEDIA_MAX_VIDEO_SECONDS=1.5, MEDIA_MAX_VIDEO_BYTES=20_000)
    client = app.test_client()
    user = make_user()
    assert upload(client, user, video(seconds=1.0)).status_code == 201
    long = upload(client, user, video(seconds=3.0))
    assert long.status_code == 422, long.get_json()
    assert "3.0 s" in message(long) and "FRACTAFRAG_MEDIA_MAX_VIDEO_SECONDS" in message(long)
    big = upload(client, user, video(seconds=1.0) + b"\0" * 20_000)
    assert big.status_code == 413 and "FRACTAFRAG_MEDIA_MAX_VIDEO_BYTES" in message(big)


# --------------------------------------------------------------------------------- listing


def test_your_media_are_listed_a_page_at_a_time_and_by_kind(client, make_user):
    ada, bob = make_user(), make_user()
    first = upload(client, ada, png()).get_json()
    clip = upload(client, ada, video(), "clip.webm").get_json()
    last = upload(client, ada, png(size=(3, 3))).get_json()
    upload(client, bob, png())
    mine = bearer(ada["access_token"])

    page1 = client.get("/api/v1/media?page_size=2", headers=mine)
    assert [m["id"] for m in page1.get_json()] == [last["id"], clip["id"]]
    assert '"total": 3' in page1.headers["X-Pagination"]
    page2 = client.get("/api/v1/media?page_size=2&page=2", headers=mine)
    assert [m["id"] for m in page2.get_json()] == [first["id"]]

    videos = client.get("/api/v1/media?kind=video", headers=mine).get_json()
    assert [(m["id"], m["kind"]) for m in videos] == [(clip["id"], "video")]
    images = client.get("/api/v1/media?kind=image", headers=mine).get_json()
    assert [m["id"] for m in images] == [last["id"], first["id"]]
    assert client.get("/api/v1/media?kind=font", headers=mine).status_code == 422
    assert client.get("/api/v1/media?page_size=101", headers=mine).status_code == 422
    theirs = client.get("/api/v1/media", headers=bearer(bob["access_token"])).get_json()
    assert len(theirs) == 1 and theirs[0]["id"] not in {first["id"], clip["id"], last["id"]}


# ---------------------------------------------------------------------- in a shader version


SAMPLE = ("void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
          "    fragColor = texture(iChannel0, fragCoord / iResolution.xy);\n}\n")


def test_a_video_input_saves_with_its_sampler_and_survives_a_shadertoy_round_trip(client,
                                                                                 make_user):
    ada = make_user()
    clip = upload(client, ada, video(), "clip.webm").get_json()
    source = f"media:{clip['id']}"
    inputs = [{"channel": 0, "source": source, "filter": "nearest", "wrap": "repeat",
               "vflip": False, "srgb": True}]
    created = publish(client, ada, passes=[{"name": "Image", "code": SAMPLE, "inputs": inputs}])
    assert created.status_code == 201, created.json
    shown = client.get(f"/api/v1/shaders/{created.json['id']}").json
    assert shown["passes"][0]["inputs"] == inputs
    assert shown["media"][source]["kind"] == "video"
    assert shown["media"][source]["url"] == clip["url"]

    exported = client.get(f"/api/v1/shaders/{created.json['id']}/export").json
    channel = exported["renderpass"][0]["inputs"][0]
    assert channel["ctype"] == "video", "Shadertoy reads it as a video input"
    sampler = channel["sampler"]
    assert (sampler["filter"], sampler["wrap"], sampler["vflip"], sampler["srgb"]) == (
        "nearest", "repeat", "false", "true")
    again = client.post("/api/v1/shaders/import", json=exported,
                        headers=bearer(ada["access_token"]))
    assert again.status_code == 201, again.json
    back = client.get(f"/api/v1/shaders/{again.json['id']}").json["passes"][0]["inputs"]
    assert back == inputs


def test_server_renders_are_given_images_but_not_videos(app, client, make_user):
    from fractafrag.services import media as media_service

    ada = make_user()
    clip = upload(client, ada, video()).get_json()
    picture = upload(client, ada, png()).get_json()
    passes = [{"name": "Image", "code": SAMPLE, "inputs": [
        {"channel": 0, "source": f"media:{clip['id']}"},
        {"channel": 1, "source": f"media:{picture['id']}"}]}]
    with app.app_context():
        given = media_service.media_for_render(passes)
    assert list(given) == [f"media:{picture['id']}"], "a video stays black in renders"
