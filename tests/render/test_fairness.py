"""The fair render queue: test renders cannot starve publications, one account's queue cannot
delay another's render by more than about one job, and an account's queued test renders are
capped. Real render worker (RenderWorker, as `python -m render_worker` runs it) and Chromium."""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime

import pytest
from rq import Queue
from rq.job import Job

from fractafrag.extensions import redis
from fractafrag.services.render_queue import PREVIEW, PUBLICATION, Entry, choose
from render_worker import pool
from render_worker.fair import RenderWorker
from tests.api.shader_helpers import GRADIENT, published
from tests.helpers import bearer

HANGING = (
    "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
    "    float x = fragCoord.x;\n"
    "    while (x >= 0.0) { x = abs(x) + 1.0; }\n"
    "    fragColor = vec4(x);\n"
    "}\n"
)
BUDGET = 6  # RENDER_PREVIEW_TIMEOUT here: small, and far below RENDER_TIMEOUT (30)


@pytest.fixture(scope="module", autouse=True)
def _close_browser():
    yield
    pool.shutdown()


def _drain(app) -> None:
    """Work the render queue with the real render worker in this thread (RQ wants the main
    thread for its signals) until it has been empty for a few seconds. One blocking work()
    call: a loop of burst runs can stall seconds in each run's pub/sub teardown."""
    with app.app_context():
        worker = RenderWorker(["render"], connection=redis.conn)
        worker.app = app
        worker.work(max_idle_time=3, with_scheduler=False)


def _jobs_in_start_order(app) -> list[Job]:
    """Every job the worker started, first started first."""
    with app.app_context():
        ids = [key.decode().split(":", 2)[2] for key in redis.conn.scan_iter("rq:job:*")
               if key.decode().count(":") == 2]
        jobs = Job.fetch_many(ids, connection=redis.conn)  # None: expired meanwhile
    started = [j for j in jobs if j is not None and j.started_at is not None]
    return sorted(started, key=lambda j: j.started_at or datetime.min)


def _wait_queued(app, count: int) -> None:
    deadline = time.monotonic() + 30
    with app.app_context():
        while Queue("render", connection=redis.conn).count < count:
            assert time.monotonic() < deadline, "the job never reached the queue"
            time.sleep(0.02)


def test_hanging_test_renders_neither_starve_a_publication_nor_pile_up(make_app, make_user):
    app = make_app(RENDER_PREVIEW_TIMEOUT=BUDGET, RENDER_PREVIEW_MAX_QUEUED=2)
    client = app.test_client()
    attacker, accomplice, artist = make_user(), make_user(), make_user()
    answers: list = []
    threads: list[threading.Thread] = []

    def preview(user: dict) -> None:
        answers.append(app.test_client().post(
            "/api/v1/render-preview", json={"code": HANGING},
            headers=bearer(user["access_token"])))

    def start_preview(user: dict) -> None:
        threads.append(threading.Thread(target=preview, args=(user,), daemon=True))
        threads[-1].start()
        _wait_queued(app, len(threads) + 2)

    # Ahead of the artist's one publication: two of the attacker's own publications, the
    # attacker's two hanging test renders (a third is refused) and an accomplice's.
    for n in range(2):
        published(client, attacker, title=f"Cover {n}",
                  code=GRADIENT.replace("0.5 + 0.5", f"0.{n} + 0.5"))
    start_preview(attacker)
    start_preview(attacker)
    third = client.post("/api/v1/render-preview", json={"code": HANGING},
                        headers=bearer(attacker["access_token"]))
    assert third.status_code == 429
    assert "FRACTAFRAG_RENDER_PREVIEW_MAX_QUEUED" in third.json["message"]
    assert "at most 2" in third.json["message"]
    assert int(third.headers["Retry-After"]) >= 1
    start_preview(accomplice)
    shader = published(client, artist)
    _wait_queued(app, 6)

    _drain(app)  # every job was queued before the worker started
    for thread in threads:
        thread.join(60)

    order = [(j.meta.get("kind"), j.meta.get("user")) for j in _jobs_in_start_order(app)]
    publication = order.index((PUBLICATION, str(artist["id"])))
    assert publication == 1, f"the publication waited behind {publication} jobs: {order}"
    assert order[0] == (PREVIEW, str(attacker["id"]))
    # The hung page was killed at the test-render budget, not at RENDER_TIMEOUT (30 s).
    timed_out = [a for a in answers if a.status_code == 422]
    assert timed_out, [(a.status_code, a.get_data(as_text=True)[:200]) for a in answers]
    seconds = re.search(r"timed out after (\d+) s", timed_out[0].json["message"])
    assert seconds and 1 <= int(seconds.group(1)) <= BUDGET, timed_out[0].json["message"]
    assert all(a.status_code in (422, 504) for a in answers)
    assert client.get(f"/api/v1/shaders/{shader['id']}").json["render_status"] == "ready"
    with app.app_context():  # every slot was given back once its request answered
        assert redis.conn.zcard(f"fractafrag:render:previews:{attacker['id']}") == 0


def test_users_take_turns_in_the_render_queue(app, client, make_user):
    prolific, second, third = make_user(), make_user(), make_user()
    mine = [published(client, prolific, title=f"Mine {n}",
                      code=GRADIENT.replace("0.5 + 0.5", f"0.{n} + 0.5")) for n in range(3)]
    theirs = published(client, second)
    last = published(client, third)
    _drain(app)
    owner = {s["id"]: who for who, shaders in (("A", mine), ("B", [theirs]), ("C", [last]))
             for s in shaders}
    order = [owner[j.args[0]] for j in _jobs_in_start_order(app)]
    assert order == ["A", "B", "C", "A", "A"], order
    for shader in (*mine, theirs, last):
        assert client.get(f"/api/v1/shaders/{shader['id']}").json["render_status"] == "ready"


def _e(job_id: str, user: str, kind: str = PUBLICATION) -> Entry:
    return Entry(job_id, user, kind)


def test_choose_takes_turns_between_users_in_queue_order():
    queue = [_e("a1", "a"), _e("a2", "a"), _e("b1", "b"), _e("c1", "c")]
    assert choose(queue, None, {}).job_id == "a1"  # nobody served yet: queue order
    assert choose(queue, PUBLICATION, {"a": 5}).job_id == "b1"
    assert choose(queue, PUBLICATION, {"a": 5, "b": 6}).job_id == "c1"
    assert choose(queue, PUBLICATION, {"a": 5, "b": 6, "c": 7}).job_id == "a1"
    assert choose([], PREVIEW, {}) is None


def test_choose_gives_a_waiting_publication_the_turn_after_a_preview():
    queue = [_e("p1", "a", PREVIEW), _e("p2", "b", PREVIEW), _e("pub", "a")]
    # After a preview, a publication goes next, even its user's, even behind others' previews.
    assert choose(queue, PREVIEW, {"a": 9, "b": 1}).job_id == "pub"
    # After a publication, previews take their turn again (a user's own preview first).
    assert choose(queue, PUBLICATION, {"a": 9, "b": 1}).job_id == "p2"
    assert choose(queue, PUBLICATION, {"b": 9}).job_id == "p1"
    # With only previews waiting, they run.
    assert choose(queue[:2], PREVIEW, {"a": 9}).job_id == "p2"
