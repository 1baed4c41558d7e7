"""The render worker takes queued jobs fairly instead of first-in first-out.

RQ still owns the `render` queue (a Redis list of job ids); `FairQueue.dequeue_any` reads the
queued ids with their owner and kind (job meta, see fractafrag.services.render_queue), lets
`render_queue.choose` pick one, and moves exactly that id out of the list atomically (so two
render workers never take the same job). An empty queue is waited on with RQ's own blocking
pop (in short waits, see IDLE_WAIT), so an idle worker picks a new job up at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from redis import Redis
from rq import Queue
from rq.job import Job
from rq.serializers import resolve_serializer

from fractafrag.jobs.worker import AppSimpleWorker
from fractafrag.services import render_queue

# An idle worker blocks on the queue for at most this long at a time (RQ then heartbeats and
# blocks again). RQ's own wait (~400 s) outlasts the app's Redis socket timeout (3 s) on
# connections the pool made before the worker raised it: each wait then ended in a
# TimeoutError, which RQ takes for a lost connection and answers by sleeping 1, 2, 4 … 60 s,
# so an idle worker could notice a new test render a minute late.
IDLE_WAIT = 1

# Take job id ARGV[1] out of the queue KEYS[1] (and, like RQ's LMOVE, into its intermediate
# list KEYS[2] when given); 0 when another worker was faster.
_TAKE = """
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
if KEYS[2] then redis.call('RPUSH', KEYS[2], ARGV[1]) end
return 1
"""


class FairQueue(Queue):
    """A Queue whose workers dequeue by render_queue.choose rather than by position."""

    _entries: dict[str, render_queue.Entry] = {}  # job id -> Entry: meta never changes

    @classmethod
    def _entries_of(cls, connection: Redis, queue: Queue, resolved) -> list[render_queue.Entry]:
        ids = [i.decode() if isinstance(i, bytes) else i
               for i in connection.lrange(queue.key, 0, -1)]
        unknown = [i for i in ids if i not in cls._entries]
        if unknown:
            pipe = connection.pipeline()
            for job_id in unknown:
                pipe.hmget(Job.key_for(job_id), "meta", "status")
            gone = []
            for job_id, (meta, status) in zip(unknown, pipe.execute(), strict=True):
                if status is None:  # expired (an abandoned preview's ttl) or deleted
                    gone.append(job_id)
                    continue
                cls._entries[job_id] = render_queue.entry_from_meta(
                    job_id, resolved.loads(meta) if meta else None)
            for job_id in gone:
                connection.lrem(queue.key, 1, job_id)  # RQ would skip it as well
        present = set(ids)
        for job_id in [i for i in cls._entries if i not in present]:
            del cls._entries[job_id]
        return [cls._entries[i] for i in ids if i in cls._entries]

    @classmethod
    def dequeue_any(cls, queues: Iterable[Queue], timeout: int | None, connection: Redis,
                    job_class: type[Job] | None = None, serializer=None,
                    death_penalty_class=None) -> tuple[Job, Queue] | None:
        """The fairest queued job of the first non-empty queue; when all are empty, wait like
        RQ (block up to timeout, or return None at once when timeout is None)."""
        queues = list(queues)
        resolved = resolve_serializer(serializer)
        for queue in queues:
            while True:
                entries = cls._entries_of(connection, queue, resolved)
                last_kind, served = render_queue.read_state(connection)
                chosen = render_queue.choose(entries, last_kind, served)
                if chosen is None:
                    break
                keys = [queue.key] + ([queue.intermediate_queue_key] if len(queues) == 1 else [])
                if not connection.eval(_TAKE, len(keys), *keys, chosen.job_id):
                    continue  # another worker took it: look again
                result = cls._fetch_dequeued_job(connection, queue.key, chosen.job_id,
                                                 job_class=job_class, serializer=serializer,
                                                 death_penalty_class=death_penalty_class)
                if result is None:
                    continue  # deleted meanwhile
                render_queue.record_taken(connection, chosen)
                return result
        if timeout is not None:
            timeout = min(timeout, IDLE_WAIT)
        result = super().dequeue_any(queues, timeout, connection=connection, job_class=job_class,
                                     serializer=serializer,
                                     death_penalty_class=death_penalty_class)
        if result is not None:
            job, _ = result
            render_queue.record_taken(connection, render_queue.entry_from_meta(job.id, job.meta))
        return result


class RenderWorker(AppSimpleWorker):
    """The render queue's worker: jobs in this process (warm browser), taken fairly."""

    queue_class = FairQueue
