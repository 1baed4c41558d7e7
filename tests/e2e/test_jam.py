"""Jam sessions in real browsers (issue 25): two editors typing into one pass at once, a watcher
who sees the code and the picture follow, an editor who drops offline and converges, the
owner's controls, and the save that names the co-author."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from PIL import Image
from playwright.sync_api import Page, expect

from tests.api.shader_helpers import published
from tests.e2e.test_editor import watch_errors
from tests.helpers import bearer

# The colour is the constant on line 1; the two comment lines are where the editors type.
TINTED = (
    "const vec3 TINT = vec3(1.0, 0.0, 0.0);\n"
    "// alpha:\n"
    "// bravo:\n"
    "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
    "    fragColor = vec4(TINT, 1.0);\n"
    "}\n"
)
CM = "document.querySelector(`.jam-editor[data-pass='${name}'] .CodeMirror`).CodeMirror"


@pytest.fixture(autouse=True)
def _server_settled(app: Flask) -> Iterator[None]:
    """After each test (its pages closed), wait until the web process has handled their
    sockets' leaves and the presence it announces after them: emptying the tables while it
    reads jams and people can deadlock."""
    yield
    from fractafrag.extensions import db, redis
    from fractafrag.services.jam_presence import KEY

    busy = sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                   " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                   " AND state <> 'idle'")
    quiet, deadline = 0, time.monotonic() + 10
    with app.app_context():
        while quiet < 3 and time.monotonic() < deadline:
            online = sum(redis.zcard(key) for key in redis.scan_iter(KEY + "*"))
            working = db.session.scalar(busy)
            db.session.rollback()
            quiet = quiet + 1 if not online and not working else 0
            time.sleep(0.2)


def start_jam(live, owner: dict, shader_id: int) -> dict:
    """POST /shaders/<id>/jams as the owner; the 201 answer."""
    answer = requests.post(f"{live.url}/api/v1/shaders/{shader_id}/jams", json={},
                           headers=bearer(owner["access_token"]), timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def jam_state(live, jam_id: int, user: dict) -> dict:
    """GET /jams/<id> as user: the server's current text and people."""
    answer = requests.get(f"{live.url}/api/v1/jams/{jam_id}",
                          headers=bearer(user["access_token"]), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def open_jam(new_page, url: str, user: dict | None, mode: str) -> Page:
    """A page on the jam, synced over its socket, in the given mode ("editor" or "watcher")."""
    page = new_page(user)
    page.goto(url)
    root = page.locator("[data-role=jam-page]")
    expect(root).to_have_attribute("data-synced", "true")
    expect(root).to_have_attribute("data-mode", mode)
    return page


def code(page: Page, name: str = "Image") -> str:
    return page.evaluate(f"(name) => {CM}.getValue()", name)


def line(page: Page, number: int, name: str = "Image") -> str:
    return page.evaluate(f"([name, n]) => {CM}.getLine(n)", [name, number])


def cursor_at_end_of(page: Page, number: int, name: str = "Image") -> None:
    """Focus the pass's editor with the cursor at the end of a 0-based line."""
    page.evaluate(f"([name, n]) => {{ const cm = {CM}; cm.focus();"
                  " cm.setCursor({line: n, ch: cm.getLine(n).length}); }", [name, number])


def select_text(page: Page, text: str, name: str = "Image") -> None:
    """Focus the pass's editor with `text` (its first occurrence) selected."""
    page.evaluate(f"""([name, text]) => {{
        const cm = {CM}; const at = cm.getValue().indexOf(text);
        if (at < 0) throw new Error("not in the code: " + text);
        cm.focus(); cm.setSelection(cm.posFromIndex(at), cm.posFromIndex(at + text.length));
    }}""", [name, text])


def wait_until(check, timeout: float = 10.0, every: float = 0.05):
    """Poll check() until it returns something truthy; that value, or an AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(every)


def centre_colour(page: Page) -> tuple[int, int, int]:
    """The jam's picture at its centre, as the person sees it (an element screenshot)."""
    shot = page.locator("canvas[data-role=preview]").screenshot()
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    return image.getpixel((image.width // 2, image.height // 2))


# Installed in a watcher's page: jamWatch(text, colour) notes in window.jamSeen the wall-clock
# time (ms) at which the Image pass first holds `text` and the canvas's centre first shows
# `colour`, checked on every animation frame right after the player has drawn it.
WATCH_FOR_CHANGES = """() => {
    const cm = document.querySelector(".jam-editor[data-pass='Image'] .CodeMirror").CodeMirror;
    const canvas = document.querySelector("canvas[data-role=preview]");
    const gl = canvas.getContext("webgl2");  // the player's own context
    const pixel = new Uint8Array(4);
    const is = {red: (p) => p[0] > 200 && p[1] < 60 && p[2] < 60,
                green: (p) => p[1] > 200 && p[0] < 60 && p[2] < 60,
                blue: (p) => p[2] > 200 && p[0] < 60 && p[1] < 60};
    window.jamWatch = (text, colour) => {
        const seen = window.jamSeen = {text: null, picture: null};
        const tick = () => {
            if (seen.text === null && cm.getValue().includes(text)) seen.text = Date.now();
            gl.bindFramebuffer(gl.FRAMEBUFFER, null);
            gl.readPixels(canvas.width >> 1, canvas.height >> 1, 1, 1, gl.RGBA,
                          gl.UNSIGNED_BYTE, pixel);
            if (seen.text !== null && is[colour](pixel)) seen.picture = Date.now();
            else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
    };
}"""


def dominant(colour: tuple[int, int, int]) -> str | None:
    red, green, blue = colour
    for name, value, others in (("red", red, (green, blue)), ("green", green, (red, blue)),
                                ("blue", blue, (red, green))):
        if value > 200 and max(others) < 60:
            return name
    return None


def typed_stream(tag: str) -> str:
    """What an editor types: numbered words, so a lost or doubled keystroke shows."""
    return "".join(f" {tag}{i}" for i in range(2000))


def test_two_editors_typing_into_one_pass_at_once_for_ten_seconds_lose_nothing(
        client, make_user, new_page, live, shot):
    owner, guest = make_user(), make_user()
    shader = published(client, owner, title="Duet", code=TINTED)
    jam = start_jam(live, owner, shader["id"])
    alpha = open_jam(new_page, jam["edit_url"], owner, "editor")
    bravo = open_jam(new_page, jam["edit_url"], guest, "editor")
    problems = {"alpha": watch_errors(alpha), "bravo": watch_errors(bravo)}
    expect(alpha.locator("[data-role=participants]")).to_contain_text(guest["username"])

    # Each types its own numbered words into the Image pass, on its own line, in turns of two
    # keys: every few milliseconds one of them types while the other's last edits are in flight.
    # (The pictures are paused: this is about the text, and drawing competes for the CPU.)
    for page in (alpha, bravo):
        page.get_by_role("button", name="Pause").click()
    cursor_at_end_of(alpha, 1)
    cursor_at_end_of(bravo, 2)
    streams = {alpha: typed_stream("a"), bravo: typed_stream("b")}
    typed = {alpha: 0, bravo: 0}
    started = time.monotonic()
    while time.monotonic() - started < 10:
        for page in (alpha, bravo):
            page.keyboard.type(streams[page][typed[page]:typed[page] + 2], delay=5)
            typed[page] += 2
    elapsed = time.monotonic() - started
    by_alpha = streams[alpha][:typed[alpha]]
    by_bravo = streams[bravo][:typed[bravo]]
    assert len(by_alpha) >= 20 and len(by_bravo) >= 20, (len(by_alpha), len(by_bravo))

    expected_alpha = "// alpha:" + by_alpha
    expected_bravo = "// bravo:" + by_bravo
    wait_until(lambda: code(alpha) == code(bravo)
               and line(alpha, 1) == expected_alpha and line(alpha, 2) == expected_bravo)
    assert line(bravo, 1) == expected_alpha
    assert line(bravo, 2) == expected_bravo
    # The server holds the same text (what a page opened now would get).
    server = {p["name"]: p["code"] for p in jam_state(live, jam["id"], owner)["passes"]}
    assert server["Image"] == code(alpha)

    # Each sees the other's cursor, named, in the other's colour.
    expect(alpha.locator(".remote-caret").first).to_be_attached()
    expect(alpha.locator(".remote-caret > div").first).to_have_text(guest["username"])
    expect(bravo.locator(".remote-caret > div").first).to_have_text(owner["username"])
    # A selection shows on the other's page, shaded in the selector's colour.
    select_text(bravo, "// bravo:")
    expect(alpha.locator(".jam-editor[data-pass='Image'] .CodeMirror-code "
                         "span[style*='background-color']").first).to_be_attached()
    expect(alpha.locator("[data-role=compile-errors]")).to_have_text("Compiles.")
    for page in (alpha, bravo):  # the others' edits recompiled it, and it stayed paused
        expect(page.get_by_role("button", name="Play")).to_be_visible()
    shot(alpha, "jam-editor")
    shot(bravo, "jam-editor-guest")
    assert problems == {"alpha": [], "bravo": []}, problems
    print(f"typed {len(by_alpha)} + {len(by_bravo)} characters in {elapsed:.1f} s")


def test_a_watcher_sees_each_edit_in_the_code_and_the_picture_within_a_second(
        client, make_user, new_page, live, shot):
    owner = make_user()
    shader = published(client, owner, title="Tint", code=TINTED)
    jam = start_jam(live, owner, shader["id"])
    editor = open_jam(new_page, jam["edit_url"], owner, "editor")
    watcher = open_jam(new_page, jam["url"], None, "watcher")
    problems = watch_errors(watcher)
    wait_until(lambda: dominant(centre_colour(watcher)) == "red")
    # The editor's own picture is not what is measured here: paused, it leaves the CPU to the
    # watcher's (both draw with SwiftShader on the same cores).
    editor.get_by_role("button", name="Pause").click()

    # The watcher's page notes (by the wall clock) when it first shows the new code, and when
    # its canvas first shows the new colour: read from the frame just drawn, in the frame.
    watcher.evaluate(WATCH_FOR_CHANGES)
    previous = "1.0, 0.0, 0.0"
    for colour, values in (("blue", "0.0, 0.0, 1.0"), ("green", "0.0, 1.0, 0.0"),
                           ("red", "1.0, 0.0, 0.0")):
        wanted = f"vec3({values})"
        watcher.evaluate("([text, colour]) => window.jamWatch(text, colour)", [wanted, colour])
        select_text(editor, f"vec3({previous})")
        edited = time.time() * 1000
        editor.keyboard.insert_text(wanted)
        seen = wait_until(lambda: watcher.evaluate(
            "() => window.jamSeen.picture && window.jamSeen"), timeout=5)
        text_after, picture_after = seen["text"] - edited, seen["picture"] - edited
        print(f"{colour}: code after {text_after:.0f} ms, picture after {picture_after:.0f} ms")
        assert text_after < 1000, f"the watcher saw the code {text_after:.0f} ms after the edit"
        assert picture_after < 1000, (
            f"the watcher saw the picture {picture_after:.0f} ms after the edit")
        assert dominant(centre_colour(watcher)) == colour  # as a screenshot shows it, too
        previous = values
    shot(watcher, "jam-watcher")

    # The watcher follows the pass being edited: the editor switches to Common, then types in Image.
    editor.get_by_role("tab", name="Common").click()
    expect(watcher.get_by_role("tab", name="Common")).to_have_attribute("aria-selected", "true")
    expect(watcher.locator(".jam-editor[data-pass='Common']")).to_be_visible()
    editor.get_by_role("tab", name="Image").click()
    cursor_at_end_of(editor, 2)
    editor.keyboard.type(" back here", delay=20)
    expect(watcher.get_by_role("tab", name="Image")).to_have_attribute("aria-selected", "true")
    wait_until(lambda: line(watcher, 2) == "// bravo: back here")

    # The watcher's code is read-only: typing into it changes nothing, anywhere.
    before = code(watcher)
    cursor_at_end_of(watcher, 1)
    watcher.keyboard.type("sneaky", delay=10)
    assert code(watcher) == before
    # A forged update from the watcher's own socket is refused, and nobody sees it.
    answer = watcher.evaluate("""(jam) => new Promise((resolve) => {
        const {Y, toBase64} = window.FractafragYjs;
        const forged = new Y.Doc();
        forged.getText("pass:Image").insert(0, "// forged\\n");
        window.Fractafrag.connect().emit("jam:update",
            {jam, update: toBase64(Y.encodeStateAsUpdate(forged))}, resolve);
    })""", jam["id"])
    assert answer["ok"] is False and answer["code"] == 403, answer
    editor.wait_for_timeout(500)
    assert "forged" not in code(editor)
    assert "forged" not in jam_state(live, jam["id"], owner)["passes"][0]["code"]

    # Projector: the code and the picture side by side, large, nothing else on the page.
    watcher.get_by_role("button", name="Projector").click()
    expect(watcher.locator("header.top")).to_be_hidden()
    size = watcher.evaluate(f"(name) => getComputedStyle({CM}.getWrapperElement()).fontSize",
                            "Image")
    assert size == "26px", size
    wait_until(lambda: dominant(centre_colour(watcher)) == "red")  # still drawn, bigger
    shot(watcher, "jam-watcher-projector")
    assert problems == [], problems


def test_an_editor_offline_for_five_seconds_catches_up_and_is_caught_up_with(
        client, make_user, new_page, live):
    owner, guest = make_user(), make_user()
    shader = published(client, owner, title="Offline", code=TINTED)
    jam = start_jam(live, owner, shader["id"])
    alpha = open_jam(new_page, jam["edit_url"], owner, "editor")
    bravo = open_jam(new_page, jam["edit_url"], guest, "editor")
    watcher = open_jam(new_page, jam["url"], None, "watcher")

    bravo.context.set_offline(True)
    went = time.monotonic()
    expect(bravo.locator("body")).to_have_attribute("data-socket", "disconnected")
    cursor_at_end_of(bravo, 2)
    bravo.keyboard.type(" typed while offline", delay=20)
    cursor_at_end_of(alpha, 1)
    alpha.keyboard.type(" typed meanwhile", delay=20)
    expect(bravo.locator("[data-role=jam-page]")).to_have_attribute("data-synced", "false")
    bravo.wait_for_timeout(max(0, int((5 - (time.monotonic() - went)) * 1000)))
    # Really apart: neither has the other's words yet.
    assert "offline" not in code(alpha) and "meanwhile" not in code(bravo)

    bravo.context.set_offline(False)
    wanted = ("// alpha: typed meanwhile", "// bravo: typed while offline")
    for page in (alpha, bravo, watcher):
        wait_until(lambda page=page: (line(page, 1), line(page, 2)) == wanted)
    assert code(alpha) == code(bravo) == code(watcher)
    server = jam_state(live, jam["id"], owner)["passes"]
    assert next(p["code"] for p in server if p["name"] == "Image") == code(alpha)


def test_the_owners_save_makes_the_next_version_naming_the_co_author(
        client, make_user, new_page, live, shot):
    owner, guest = make_user(), make_user()
    shader = published(client, owner, title="Saved jam", code=TINTED)
    jam = start_jam(live, owner, shader["id"])
    alpha = open_jam(new_page, jam["edit_url"], owner, "editor")
    bravo = open_jam(new_page, jam["edit_url"], guest, "editor")
    expect(bravo.get_by_role("button", name="Save")).to_be_hidden()  # editors_may_save is off

    # A code that does not compile is not saved: the errors show on their line.
    cursor_at_end_of(bravo, 4)
    bravo.keyboard.press("ArrowLeft")  # before the semicolon
    bravo.keyboard.type(" * wobble", delay=20)
    wait_until(lambda: "wobble" in code(alpha))
    alpha.get_by_role("button", name="Save").click()
    expect(alpha.locator(".toast.error")).to_contain_text("does not compile")
    expect(alpha.locator("[data-role=compile-errors]")).to_contain_text("Image line 5")
    expect(alpha.locator(".jam-editor[data-pass='Image'] .cm-error-line")).to_have_count(1)
    for _ in " * wobble":
        bravo.keyboard.press("Backspace")
    cursor_at_end_of(bravo, 2)
    bravo.keyboard.type(" the guest was here", delay=20)
    wait_until(lambda: "the guest was here" in code(alpha) and "wobble" not in code(alpha))
    expect(alpha.locator("[data-role=compile-errors]")).to_have_text("Compiles.")

    alpha.get_by_role("button", name="Save").click()
    toast = alpha.locator(".toast").filter(has_text="Saved as")
    expect(toast).to_contain_text(f"Saved as version 2 with @{guest['username']}")
    expect(bravo.locator(".toast").filter(has_text="Saved as")).to_contain_text("version 2")
    toast.get_by_role("link", name="version 2").click()
    alpha.wait_for_url(re.compile(rf"/shaders/{shader['id']}\?version=2$"))
    versions = alpha.locator("section.versions li").first
    expect(versions).to_contain_text("v2")
    expect(versions).to_contain_text(guest["username"])
    expect(alpha.locator("section.code")).to_contain_text("the guest was here")
    shot(alpha, "jam-saved-version")


def test_the_owner_invites_anew_removes_a_guest_and_ends_the_jam(
        client, make_user, new_page, live, shot):
    owner, guest, late = make_user(), make_user(), make_user()
    shader = published(client, owner, title="Controls", code=TINTED)
    # Started from the shader page's button, the owner lands in the jam as its editor.
    alpha = new_page(owner)
    alpha.goto(f"/shaders/{shader['id']}")
    alpha.get_by_role("button", name="Start a jam").click()
    alpha.wait_for_url(re.compile(r"/jam/\d+/edit\?invite="))
    expect(alpha.locator("[data-role=jam-page]")).to_have_attribute("data-mode", "editor")
    jam_id = int(re.search(r"/jam/(\d+)/", alpha.url).group(1))
    first_invite = alpha.url
    # The editor's button, with the jam already live, leads to that jam.
    other = new_page(owner)
    other.goto(f"/shaders/{shader['id']}/edit")
    other.get_by_role("button", name="Start a jam").click()
    other.wait_for_url(re.compile(rf"/jam/{jam_id}$"))
    expect(other.locator("[data-role=jam-page]")).to_have_attribute("data-mode", "editor")
    other.close()

    # Signed out, the invite leads through sign-in and back.
    visitor = new_page()
    visitor.goto(first_invite)
    visitor.wait_for_url(re.compile(r"/login\?next="))
    assert visitor.goto(f"/jam/{jam_id + 1000}").status == 404

    bravo = open_jam(new_page, first_invite, guest, "editor")
    expect(alpha.locator(f"[data-user-id='{guest['id']}']")).to_have_attribute(
        "data-online", "true")

    # A new invite: the old link no longer makes an editor.
    alpha.once("dialog", lambda dialog: dialog.accept())
    alpha.get_by_role("button", name="New invite").click()
    expect(alpha.locator("[data-role=jam-page]")).to_have_attribute("data-invite", re.compile(".+"))
    stale = open_jam(new_page, first_invite, late, "watcher")
    expect(stale.locator("[data-role=banner]")).to_be_visible()
    alpha.context.grant_permissions(["clipboard-read", "clipboard-write"])
    alpha.get_by_role("button", name="Copy invite link").click()
    copied = wait_until(lambda: alpha.evaluate("() => navigator.clipboard.readText()"))
    assert copied.startswith(f"{live.url}/jam/{jam_id}/edit?invite=")
    assert copied != f"{live.url}{first_invite}" and copied != first_invite
    assert copied.endswith(alpha.locator("[data-role=jam-page]").get_attribute("data-invite"))

    # Removed, the guest can only watch: the page says so and its code is read-only.
    alpha.once("dialog", lambda dialog: dialog.accept())
    alpha.get_by_role("button", name=f"Remove {guest['username']}").click()
    expect(bravo.locator("[data-role=jam-page]")).to_have_attribute("data-mode", "watcher")
    expect(bravo.locator("[data-role=banner]")).to_contain_text("removed you")
    before = code(bravo)
    cursor_at_end_of(bravo, 1)
    bravo.keyboard.type("still here?", delay=10)
    assert code(bravo) == before

    # Ended: read-only everywhere, with a banner; the final code stays at /jam/<id>.
    cursor_at_end_of(alpha, 1)
    alpha.keyboard.type(" last words", delay=20)
    wait_until(lambda: "last words" in code(bravo))
    alpha.once("dialog", lambda dialog: dialog.accept())
    alpha.get_by_role("button", name="End jam").click()
    for page in (alpha, bravo):
        expect(page.locator("[data-role=jam-page]")).to_have_attribute("data-status", "ended")
        expect(page.locator("[data-role=banner]")).to_contain_text("ended")
    expect(alpha.locator("[data-role=jam-page]")).to_have_attribute("data-mode", "watcher")
    replay = open_jam(new_page, f"/jam/{jam_id}", None, "watcher")
    assert "last words" in code(replay)
    expect(replay.locator("[data-role=banner]")).to_contain_text("ended")
    shot(replay, "jam-ended")


def test_an_edit_past_the_pass_size_limit_is_refused_and_the_editor_is_told(
        client, make_user, new_page, live):
    from fractafrag.services.shader_format import MAX_PASS_BYTES

    owner, guest = make_user(), make_user()
    shader = published(client, owner, title="Too big", code=TINTED)
    jam = start_jam(live, owner, shader["id"])
    alpha = open_jam(new_page, jam["edit_url"], owner, "editor")
    bravo = open_jam(new_page, jam["edit_url"], guest, "editor")

    cursor_at_end_of(alpha, 1)
    alpha.keyboard.insert_text(" " + "x" * MAX_PASS_BYTES)
    expect(alpha.locator(".toast.error").first).to_be_visible()
    # Resending the same state would be refused forever: the page stops and says so.
    expect(alpha.locator("[data-role=banner]")).to_contain_text("not reaching the others",
                                                               timeout=20_000)
    assert "xxxx" not in code(bravo)
    server = jam_state(live, jam["id"], owner)["passes"]
    assert "xxxx" not in next(p["code"] for p in server if p["name"] == "Image")
    # The other editor carries on.
    cursor_at_end_of(bravo, 2)
    bravo.keyboard.type(" fine", delay=20)
    wait_until(lambda: "// bravo: fine" in code(alpha))
