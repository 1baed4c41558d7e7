"""Several web processes on one Redis share rooms and viewer counts."""

from __future__ import annotations

import time

import pytest

from tests.processes import PRESENCE_TTL
from tests.realtime.helpers import publish, vote


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_a_vote_on_one_process_reaches_clients_of_the_other(web_pair, listen, make_user,
                                                            transport):
    first, second = web_pair
    author, fan = make_user(), make_user()
    shader = publish(first, author)
    room = f"shader:{shader['id']}"
    on_second = listen(transport).connect(second.url)
    on_second.subscribe("feed")
    on_first = listen(transport).connect(first.url)
    on_first.subscribe(room)

    vote(first, fan, shader["id"], 1)
    assert on_second.next("vote:updated")["score"] == 1
    assert on_first.next("vote:updated")["score"] == 1

    on_second.subscribe(room)
    on_first.next("viewers", lambda v: v["count"] == 2)
    on_second.next("viewers", lambda v: v["count"] == 2)
    vote(second, fan, shader["id"], -1)
    assert on_first.next("vote:updated")["score"] == -1


def test_viewers_of_a_killed_process_are_dropped(web, spare_web, listen, make_user):
    doomed_process = spare_web()
    shader = publish(web, make_user())
    room = f"shader:{shader['id']}"
    watcher = listen("websocket").connect(web.url)
    watcher.subscribe(room)
    watcher.next("viewers", lambda v: v["count"] == 1)
    doomed = listen("websocket").connect(doomed_process.url)
    assert doomed.subscribe(room)["viewers"] == 2
    watcher.next("viewers", lambda v: v["count"] == 2)

    doomed_process.kill()  # SIGKILL: no disconnect handler runs
    began = time.monotonic()
    watcher.next("viewers", lambda v: v["count"] == 1, timeout=4 * PRESENCE_TTL)
    assert time.monotonic() - began < 2 * PRESENCE_TTL
