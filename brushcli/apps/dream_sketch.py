"""``brush dream --sketch N``: where the class image of each of N seeds is going, for a person to choose.

Which classes a person reads changes with ``--seed``, and the nets cannot tell which seed reads: none
of their scores follows a person's reading (docs/benchmarks.md). A person can, and the class image's
composition is settled early: after the first 3/8 of its steps (96 of 256) the object, its pose and
its place in the frame are those of the finished image (docs/dream.md). A sketch is the exact run
that ``--seed K`` starts, stopped there, so a sketch costs 3/8 of a class image, about a quarter of
a painting (no strokes, no replay), and says which seed to paint.

>>> sheets = sketch_classes(["violin"], count=6, out="sketches")            # doctest: +SKIP
>>> sheets[0].path, sheets[0].seeds                                         # sketches/violin-sketches.png, [0..5]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from brushcli.apps.dream import DEFAULT_NETS, DreamSettings, parse_inputs, prototype_image
from brushcli.errors import InvalidArgument, OutputError
from brushcli.files import check_can_create, ensure_dir, write_png
from brushcli.objectives import class_objective
from brushcli.outputs.folder import labelled, side_by_side
from brushcli.vision.classes import ImageNetClass
from brushcli.vision.nets import NetEnsemble

#: A sketch is the class image after this fraction of its steps: its composition is settled by then.
SKETCH_FRACTION = 0.375
#: Seeds per sheet at most (16 take about 8 minutes on 2 CPU cores: 8 took 226-252 s).
MAX_SKETCHES = 16
#: Sketches per row of the sheet.
PER_ROW = 4
#: Height of the ``seed K`` labels in px: readable at a glance over a 240-px sketch.
LABEL = 20


@dataclass
class SketchSheet:
    """One class's sheet: where it was written, the seeds it shows (left to right, top to bottom), seconds."""

    cls: ImageNetClass
    path: Path
    seeds: list[int]
    seconds: float


def sketch_steps(settings: DreamSettings) -> int:
    """Steps of a sketch: :data:`SKETCH_FRACTION` of the class image's steps (96 of 256), at least 1."""
    return max(1, round(SKETCH_FRACTION * settings.total_steps))


def sketch_path(out: Path, cls: ImageNetClass) -> Path:
    """Where a class's sheet goes: ``OUT/<class slug>-sketches.png``, beside the painting's folder."""
    return Path(out) / f"{cls.slug}-sketches.png"


def sketches(cls: ImageNetClass, ensemble: NetEnsemble, settings: DreamSettings, count: int,
             progress: Callable[[int, int], None] | None = None) -> list[np.ndarray]:
    """Sketches of seeds ``settings.seed`` .. ``settings.seed + count - 1``: each the class image that
    ``--seed`` run makes, stopped after :func:`sketch_steps`. ``progress(done, total)`` counts steps."""
    stop = sketch_steps(settings)
    objective = class_objective(ensemble.names, cls.index, settings.mode)
    images = []
    for k in range(count):
        seed_settings = replace(settings, seed=settings.seed + k)
        tick = (lambda step, loss, k=k: progress(k * stop + step, count * stop)) if progress else None
        images.append(prototype_image(objective, ensemble, seed_settings, tick, stop=stop))
    return images


def sheet(images: Sequence[np.ndarray], seeds: Sequence[int], per_row: int = PER_ROW) -> np.ndarray:
    """The sketches in rows of ``per_row``, each under its ``seed N`` label, on white."""
    tiles = [labelled(image, f"seed {seed}", size=LABEL) for image, seed in zip(images, seeds)]
    rows = [side_by_side(*tiles[i:i + per_row]) for i in range(0, len(tiles), per_row)]
    width = max(r.shape[1] for r in rows)
    gap = np.ones((8, width, 3), np.float32)
    padded = [np.concatenate([r, np.ones((r.shape[0], width - r.shape[1], 3), np.float32)], axis=1) for r in rows]
    return np.concatenate([part for r in padded for part in (r, gap)][:-1], axis=0)


def sketch_classes(
    classes: Sequence[str | int],
    count: int,
    nets: str | Sequence[str] = DEFAULT_NETS,
    out: str | Path = "out",
    settings: DreamSettings | None = None,
    weights: dict[str, Path] | Sequence[str] | None = None,
    progress: Callable[[ImageNetClass, int, int], None] | None = None,
    on_done: Callable[[SketchSheet], None] | None = None,
    overwrite: bool = False,
) -> list[SketchSheet]:
    """Write ``OUT/<class>-sketches.png`` for each class: ``count`` seeds from ``settings.seed`` on.

    Everything typed is checked before a net loads; a class whose sheet exists is skipped unless
    ``overwrite`` (then ``brush dream CLASS --seed K`` paints the seed a person chose).
    """
    settings = settings or DreamSettings()
    settings.validate()
    if settings.start != "prototype":
        raise InvalidArgument("--sketch shows the class image of --start prototype; --start strokes has none")
    if not 1 <= count <= MAX_SKETCHES:
        raise InvalidArgument(f"--sketch must be 1..{MAX_SKETCHES} seeds, got {count}")
    targets, net_names, weight_files = parse_inputs(classes, nets, weights)
    out = Path(out)
    check_can_create(out)  # a file in the folder's place is refused here
    for cls in targets:
        if sketch_path(out, cls).is_dir():
            raise OutputError(f"output {sketch_path(out, cls)} is a directory; choose another --out")
    todo = [cls for cls in targets if overwrite or not sketch_path(out, cls).exists()]
    ensemble = NetEnsemble.create(net_names, settings.device, weight_files)
    done = []
    for cls in todo:
        started = time.perf_counter()
        images = sketches(cls, ensemble, settings, count,
                          (lambda step, total, cls=cls: progress(cls, step, total)) if progress else None)
        seeds = list(range(settings.seed, settings.seed + count))
        ensure_dir(out)
        path = write_png(sketch_path(out, cls), sheet(images, seeds))
        item = SketchSheet(cls, path, seeds, time.perf_counter() - started)
        done.append(item)
        if on_done:
            on_done(item)
    return done
