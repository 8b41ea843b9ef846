"""Painting a batch of images: one after another, or in worker processes, with the same results.

The batch is planned first, in this process and in input order: output names (unique over the
whole list, so every shard of a job array names an image alike), the shard to keep, and whether an
image is already done. Then the images are painted, by this process (``jobs=1``) or by ``jobs``
worker processes. Either way an image is painted with the same settings and the same thread count
(chosen from its work within the *command's* cores, :mod:`brushcli.runtime`), so its outputs are the
same bytes; rows come back in input order, one per image.

One image never stops the others: a :class:`BrushError` is that image's row (its message), and so
is any other exception, a bug brush did not foresee (``internal error: ValueError: ...``), so an
image that trips one does not cost the rest of the batch its paintings or its summary. Only Ctrl-C
(``KeyboardInterrupt``) stops a batch. With one image the error is raised instead: the command
fails with that line (a BrushError) or a traceback worth reporting (anything else).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brushcli.distributed import Shard
from brushcli.errors import BrushError, InvalidArgument
from brushcli.inputs import output_name
from brushcli.outputs.options import ExportOptions

if TYPE_CHECKING:
    from brushcli.outputs.result import Painting

#: Stands for the painting's name in an ``--export`` path.
NAME = "{name}"

SKIPPED = "skipped (done; --overwrite to redo)"
#: Seconds between progress messages a worker sends for one image.
PROGRESS_EVERY = 0.2
#: Times an image is tried when its worker process dies (an out-of-memory kill takes every worker).
WORKER_TRIES = 2
#: Longest reason a failed row keeps of an unexpected exception's message.
REASON_CHARS = 300


@dataclass(frozen=True)
class PaintJob:
    """What every image of a batch is painted with (sent to worker processes, so plain values only)."""

    strokes: int = 50
    painter: str = "pen"
    size: int = 512
    steps: int | None = None
    search: int | None = None
    quality: str | None = None
    seed: int = 0
    device: str = "cpu"
    real_feedback: bool = True
    agent: str | None = None
    threads: int | None = None
    cores: int | None = None
    exports: tuple[Path, ...] = ()
    export_options: ExportOptions | None = None

    def threads_per_image(self) -> int:
        """Threads a square image of this job paints its largest level with (what --jobs multiplies)."""
        if self.threads or self.agent:
            return self.threads or 1
        from brushcli.apps.paint import PaintSettings
        from brushcli.apps.planner import allocate
        from brushcli.canvas.grid import TILE

        settings = PaintSettings(strokes=self.strokes, size=self.size, cores=self.cores)
        return max(settings.threads_for(b.strokes * TILE * TILE)
                   for b in allocate(self.strokes, self.size, 1.0, share=settings.recipe.tiled_share))

    def export_paths(self, name: str) -> list[Path]:
        """The ``--export`` files of the painting ``name`` (``{name}`` filled in)."""
        return [Path(str(path).replace(NAME, name)) for path in self.exports]

    def record(self, source: str) -> dict[str, Any]:
        """The settings recorded in an output folder's marker (what makes two runs the same painting)."""
        from brushcli.apps.paint import PaintSettings, given, record

        settings = PaintSettings(strokes=self.strokes, size=self.size, steps=self.steps, seed=self.seed,
                                 real_feedback=self.real_feedback, **given(search=self.search, quality=self.quality))
        return record(settings, f"agent:{self.agent}" if self.agent else self.painter, source)


@dataclass
class BatchItem:
    """One image of a batch and where its outputs go."""

    path: Path
    name: str
    folder: Path


@dataclass
class BatchRow:
    """The outcome of one image: metrics when painted, else a one-line status (skipped or the error)."""

    name: str
    metrics: dict[str, Any] | None = None
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.metrics is None and self.error is not None and self.error != SKIPPED


@dataclass
class BatchEvents:
    """Callbacks a front end (the CLI's progress bars) follows; every one is optional."""

    started: Callable[[str], None] | None = None
    step: Callable[[str, int, int, float], None] | None = None
    finished: Callable[[BatchRow], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def emit(self, kind: str, *args: Any) -> None:
        callback = getattr(self, kind)
        if callback is not None:
            with self._lock:
                callback(*args)


def plan_batch(files: Sequence[Path], out: Path, shard: Shard | None = None) -> list[BatchItem]:
    """Name every image over the whole list (``photo``, ``photo-2``, ...), then keep ``shard``'s part."""
    taken: set[str] = set()
    items = [BatchItem(Path(f), name, Path(out) / name) for f in files for name in [output_name(Path(f), taken)]]
    return shard.pick(items) if shard is not None else items


def paint_batch(items: Sequence[BatchItem], job: PaintJob, jobs: int = 1, overwrite: bool = False,
                events: BatchEvents | None = None) -> list[BatchRow]:
    """Paint ``items`` with ``job`` in ``jobs`` processes; returns one row per item, in order.

    Images whose folder holds a finished painting with the same settings are skipped unless
    ``overwrite``; a folder brush did not write is that image's error. With one item its error is
    raised (the command fails with that one line).
    """
    if not isinstance(jobs, int) or jobs < 1:
        raise InvalidArgument(f"--jobs must be a positive number, got {jobs}")
    from brushcli.outputs.folder import prepare_folder

    events = events or BatchEvents()
    rows: dict[int, BatchRow] = {}
    todo: list[int] = []
    for index, item in enumerate(items):
        try:
            if not prepare_folder(item.folder, job.record(str(item.path)), overwrite):
                _export_saved(item, job)  # a finished painting still gets the exports asked for now
                rows[index] = BatchRow(item.name, error=SKIPPED)
                events.emit("finished", rows[index])
            else:
                todo.append(index)
        except Exception as exc:  # noqa: BLE001 - one image's problem is its row (see the module docstring)
            if len(items) == 1:
                raise
            rows[index] = BatchRow(item.name, error=failure_reason(exc))
            events.emit("finished", rows[index])
    if jobs == 1 or len(todo) <= 1:
        for index in todo:
            rows[index] = _paint_here(items[index], job, events, single=len(items) == 1)
            events.emit("finished", rows[index])
    else:
        rows.update(_paint_in_workers([(i, items[i]) for i in todo], job, min(jobs, len(todo)), events))
    return [rows[i] for i in range(len(items))]


def failure_reason(exc: Exception) -> str:
    """A failed row's one-line status: a BrushError's own message, else ``internal error: Type: message``."""
    if isinstance(exc, BrushError):
        return " ".join(str(exc).split())
    message = " ".join(str(exc).split())
    if len(message) > REASON_CHARS:
        message = message[: REASON_CHARS - 1] + "…"
    return f"internal error: {type(exc).__name__}" + (f": {message}" if message else "")


def paint_row(item: BatchItem, job: PaintJob, progress: Callable[[int, int, float], None] | None = None,
              single: bool = False) -> BatchRow:
    """Paint one image (:func:`paint_item`) into its row: metrics, or the reason it failed (any
    exception but Ctrl-C; raised instead when ``single``)."""
    try:
        return BatchRow(item.name, metrics=paint_item(item, job, progress))
    except Exception as exc:  # noqa: BLE001 - one image's problem is its row (see the module docstring)
        if single:
            raise
        return BatchRow(item.name, error=failure_reason(exc))


def _paint_here(item: BatchItem, job: PaintJob, events: BatchEvents, single: bool = False) -> BatchRow:
    events.emit("started", item.name)
    return paint_row(item, job, lambda s, t, loss: events.emit("step", item.name, s, t, loss), single=single)


def paint_item(item: BatchItem, job: PaintJob, progress: Callable[[int, int, float], None] | None = None
               ) -> dict[str, Any]:
    """Paint one image into its folder (a painter's optimisation or an agent's forward pass), write its
    exports; its metrics."""
    from brushcli.outputs.writers import export

    painting = _paint_with_agent(item, job) if job.agent is not None else _paint_with_painter(item, job, progress)
    for path in job.export_paths(item.name):
        export(painting, path, job.export_options or ExportOptions())
    return painting.metrics


def _export_saved(item: BatchItem, job: PaintJob) -> None:
    """Write ``job``'s exports of the painting already in ``item.folder`` (its strokes.json, replayed)."""
    if not job.exports:
        return
    from brushcli.outputs.result import Painting
    from brushcli.outputs.writers import export
    from brushcli.strokes import load_strokes

    painting = Painting(strokes=load_strokes(item.folder / "strokes.json"), record_timelapse=True)
    for path in job.export_paths(item.name):
        export(painting, path, job.export_options or ExportOptions())


def _paint_with_painter(item: BatchItem, job: PaintJob, progress: Callable[[int, int, float], None] | None
                        ) -> Painting:
    from brushcli.api import paint

    return paint(item.path, strokes=job.strokes, painter=job.painter, size=job.size, steps=job.steps,
                 search=job.search, quality=job.quality, seed=job.seed, device=job.device, out=item.folder.parent,
                 name=item.name,
                 real_feedback=job.real_feedback, threads=job.threads, cores=job.cores, progress=progress)


def _paint_with_agent(item: BatchItem, job: PaintJob) -> Painting:
    from brushcli.agents.inference import paint_with_agent
    from brushcli.outputs.folder import write_painting

    started = time.perf_counter()
    painting = paint_with_agent(item.path, job.agent, size=job.size, device=job.device)
    painting.info.update({"agent": job.agent, "device": job.device, "source": str(item.path)})
    return write_painting(painting, item.folder, job.record(str(item.path)), started=started)


# -- worker processes ----------------------------------------------------------------------------

_messages: Any = None


def _worker_start(messages: Any) -> None:
    """In each worker, before torch is imported: bound OpenMP spinning, keep the message queue."""
    from brushcli.runtime import bound_spinning

    global _messages
    bound_spinning()
    _messages = messages


def _worker_paint(item: BatchItem, job: PaintJob) -> BatchRow:
    last = [0.0]

    def progress(step: int, total: int, loss: float) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY or step == total:
            last[0] = now
            _messages.put(("step", item.name, step, total, loss))

    _messages.put(("started", item.name))
    return paint_row(item, job, progress)


def _pool_context() -> multiprocessing.context.BaseContext:
    """A forkserver preloading only this light module: workers start clean of the parent's torch
    thread pools, and scripts that call brush at top level are not re-run (see mypaint/render.py)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["brushcli.runtime"])
    return context


def _paint_in_workers(todo: list[tuple[int, BatchItem]], job: PaintJob, jobs: int, events: BatchEvents
                      ) -> dict[int, BatchRow]:
    """Paint ``todo`` in ``jobs`` processes. A worker that dies breaks its pool: the images are tried
    again in a new pool, and an image that was being painted when a worker died twice fails."""
    context = _pool_context()
    started: set[str] = set()
    rows: dict[int, BatchRow] = {}
    tries: dict[int, int] = {}
    pending = list(todo)
    while pending:
        # a new message queue with each pool: a worker killed while writing leaves the queue's lock taken
        with _relay(context, events, started) as messages:
            pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_start, initargs=(messages,))
            try:
                futures: dict[Future, tuple[int, BatchItem]] = {
                    pool.submit(_worker_paint, item, job): (index, item) for index, item in pending}
                pending = []
                remaining = set(futures)
                while remaining:
                    done, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                    for future in done:
                        index, item = futures[future]
                        try:
                            rows[index] = future.result()
                        except BrokenProcessPool:
                            pending.append((index, item))
                            continue
                        except Exception as exc:  # noqa: BLE001 - e.g. a row that could not be sent back
                            rows[index] = BatchRow(item.name, error=failure_reason(exc))
                        events.emit("finished", rows[index])
            except BaseException:  # Ctrl-C (the workers got it too) or a bug: paint nothing more
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            pool.shutdown(wait=True)
            if pending:
                time.sleep(PROGRESS_EVERY)  # let the last "started" messages arrive
        hit = [p for p in pending if p[1].name in started] or pending[:1]
        for index, item in (hit if pending else []):
            tries[index] = tries.get(index, 0) + 1
            started.discard(item.name)
            if tries[index] >= WORKER_TRIES:
                rows[index] = BatchRow(item.name, error="its worker process died twice while painting it "
                                                        "(out of memory?)")
                events.emit("finished", rows[index])
        pending = [p for p in pending if p[0] not in rows]
    return rows


@contextlib.contextmanager
def _relay(context: multiprocessing.context.BaseContext, events: BatchEvents, started: set[str]) -> Iterator[Any]:
    """A queue the workers send progress through, read by a thread that passes it to ``events``."""
    messages = context.Queue()
    stop = threading.Event()

    def relay() -> None:
        while not stop.is_set():
            try:
                kind, *args = messages.get(timeout=0.1)
            except queue.Empty:
                continue
            except (EOFError, OSError):
                return
            if kind == "started":
                started.add(args[0])
            events.emit(kind, *args)

    reader = threading.Thread(target=relay, name="brush-batch-progress", daemon=True)
    reader.start()
    try:
        yield messages
    finally:
        stop.set()
        reader.join(timeout=2)
        messages.close()
        messages.cancel_join_thread()
