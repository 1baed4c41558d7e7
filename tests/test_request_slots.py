"""The web process's request slots: a few requests at a time, in order, and a request that
waits on something bounded gives its slot back and is not queued twice."""

import gevent
import pytest

from fractafrag import offload


@pytest.fixture
def slots(monkeypatch: pytest.MonkeyPatch):
    finished: list[str] = []

    def app(environ, start_response):
        name, hold = environ["name"], environ["hold"]
        if environ.get("waits"):
            with offload.waiting():
                gevent.sleep(environ["waits"])
        gevent.sleep(hold)
        finished.append(name)
        return [name.encode()]

    wrapped = offload.RequestSlots(app, 1)
    monkeypatch.setattr(offload, "_slots", wrapped)
    return wrapped, finished


def call(wrapped, name: str, hold: float, waits: float = 0.0) -> gevent.Greenlet:
    return gevent.spawn(wrapped, {"PATH_INFO": "/x", "name": name, "hold": hold,
                                  "waits": waits}, lambda *a: None)


def test_requests_beyond_the_limit_wait_their_turn_in_order(slots) -> None:
    wrapped, finished = slots
    greenlets = [call(wrapped, name, 0.02) for name in "abcd"]
    gevent.joinall(greenlets, timeout=5)
    assert finished == ["a", "b", "c", "d"]
    assert wrapped.slots.free == 1, "every slot given back"


def test_a_request_waiting_on_something_bounded_lets_others_in_and_is_not_queued_again(
        slots) -> None:
    wrapped, finished = slots
    compiling = call(wrapped, "compiling", 0.0, waits=0.1)
    gevent.sleep(0.01)  # it holds the slot, then gives it back while it waits
    others = [call(wrapped, name, 0.08) for name in ("b", "c", "d")]
    gevent.joinall([compiling, *others], timeout=5)
    # b ran while it waited; once its wait was over it finished at once, not after c and d.
    assert finished.index("compiling") < finished.index("c")
    assert finished[0] == "b" and sorted(finished) == ["b", "c", "compiling", "d"]
    assert wrapped.slots.free == 1, "every slot given back, none twice"


def test_a_freed_slot_goes_to_the_oldest_waiter_not_to_a_newcomer(slots) -> None:
    wrapped, finished = slots
    started: list[str] = []
    inner = wrapped.wsgi_app

    def app(environ, start_response):
        started.append(environ["name"])
        body = inner(environ, start_response)
        if environ["name"] == "a":
            # Arrives as "a" finishes: the moment its slot could be taken by someone else.
            gevent.spawn(wrapped, {"PATH_INFO": "/x", "name": "newcomer", "hold": 0.0},
                         lambda *a: None)
        return body

    wrapped.wsgi_app = app
    first = call(wrapped, "a", 0.02)
    gevent.sleep(0)
    waiting = call(wrapped, "b", 0.0)
    gevent.joinall([first, waiting], timeout=5)
    gevent.sleep(0.05)
    assert started == ["a", "b", "newcomer"], "the request that waited goes first"
    assert wrapped.slots.free == 1


def test_a_request_that_gives_up_waiting_leaves_the_line(slots) -> None:
    wrapped, finished = slots
    holder = call(wrapped, "a", 0.05)
    gevent.sleep(0)
    quitter, patient = call(wrapped, "quitter", 0.0), call(wrapped, "patient", 0.0)
    gevent.sleep(0.01)
    quitter.kill()  # the client went away while it queued
    gevent.joinall([holder, patient], timeout=5)
    assert finished == ["a", "patient"]
    assert wrapped.slots.free == 1 and not wrapped.slots.waiters


class Trickle:
    """A request body that arrives a piece at a time, slowly (a slow or hostile client)."""

    def __init__(self, pieces: list[bytes], pause: float) -> None:
        self.pieces, self.pause = list(pieces), pause

    def read(self, size: int = -1) -> bytes:
        if not self.pieces:
            return b""
        gevent.sleep(self.pause)
        return self.pieces.pop(0)


def test_a_body_sent_slowly_holds_no_slot_while_it_arrives(slots) -> None:
    wrapped, finished = slots
    slow = gevent.spawn(wrapped, {"PATH_INFO": "/x", "name": "slow", "hold": 0.0,
                                  "CONTENT_LENGTH": "3", "wsgi.input": Trickle([b"a", b"b", b"c"],
                                                                               0.1)},
                        lambda *a: None)
    gevent.sleep(0.05)
    quick = call(wrapped, "quick", 0.0)
    gevent.joinall([slow, quick], timeout=5)
    assert finished == ["quick", "slow"], "the quick request did not wait for the slow body"


def test_a_body_that_never_finishes_arriving_is_refused_with_408(slots, monkeypatch) -> None:
    wrapped, finished = slots
    monkeypatch.setattr(offload, "BODY_SECONDS", 0.2)
    answered: list[str] = []
    stalled = gevent.spawn(wrapped, {"PATH_INFO": "/x", "name": "stalled", "hold": 0.0,
                                     "CONTENT_LENGTH": "100",
                                     "wsgi.input": Trickle([b"a"] * 100, 0.1)},
                           lambda status, headers: answered.append(status))
    stalled.join(timeout=5)
    assert answered == ["408 Request Timeout"] and finished == []
    assert b"within 0.2 s" in b"".join(stalled.value)


def test_callers_missing_together_share_one_build():
    import threading
    import time

    from fractafrag.offload import SingleFlight

    flights = SingleFlight()
    builds: list[int] = []

    def build() -> str:
        builds.append(1)
        time.sleep(0.3)
        return "page"

    answers: list[str] = []
    callers = [threading.Thread(target=lambda: answers.append(flights.run("shader:1", build)))
               for _ in range(5)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert answers == ["page"] * 5
    assert len(builds) == 1, "one build for five callers that missed at the same moment"
    assert flights.run("shader:1", build) == "page" and len(builds) == 2, "nothing kept after"


def test_when_the_shared_build_fails_each_waiting_caller_builds_its_own():
    import threading
    import time

    import pytest

    from fractafrag.offload import SingleFlight

    flights = SingleFlight()
    calls: list[str] = []

    def failing() -> str:
        calls.append("leader")
        time.sleep(0.2)
        raise LookupError("no such shader")

    def ok() -> str:
        calls.append("follower")
        return "page"

    answers: list[str] = []
    leader = threading.Thread(target=lambda: pytest.raises(LookupError, flights.run, "k",
                                                           failing))
    leader.start()
    time.sleep(0.05)
    follower = threading.Thread(target=lambda: answers.append(flights.run("k", ok)))
    follower.start()
    leader.join()
    follower.join()
    assert calls == ["leader", "follower"] and answers == ["page"]
