"""The Python API: the same power as the CLI, returning :class:`~brushcli.outputs.result.Painting` objects.

>>> import brushcli
>>> painting = brushcli.paint("photo.jpg", strokes=50, out="out")   # doctest: +SKIP
>>> painting.metrics["mse_mypaint"], painting.folder                 # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from brushcli.errors import InvalidArgument, StrokeFileError

if TYPE_CHECKING:
    from brushcli.apps.dream import DreamSettings
    from brushcli.objectives import Objective
    from brushcli.outputs.result import Painting
    from brushcli.painters.painter import Painter
    from brushcli.vision.nets import NetEnsemble

DEFAULT_SIZE = 512


def resolve_device(device: str = "auto") -> str:
    """``auto`` -> ``cuda``, else ``mps``, else ``cpu``; a missing device is an error (see :mod:`brushcli.runtime`)."""
    from brushcli.runtime import resolve_device as resolve

    return resolve(device)


def paint(
    image: str | Path | np.ndarray | None,
    strokes: int = 50,
    painter: str | None = None,
    size: int | None = None,
    steps: int | None = None,
    search: int | None = None,
    quality: str | None = None,
    seed: int = 0,
    device: str = "auto",
    out: str | Path | None = None,
    name: str | None = None,
    resume: str | Path | None = None,
    real_feedback: bool = True,
    progress: Callable[[int, int, float], None] | None = None,
    objective: "Objective | None" = None,
    nets: "NetEnsemble | None" = None,
    threads: int | None = None,
    cores: int | None = None,
) -> "Painting":
    """Reconstruct ``image`` with ``strokes`` brushstrokes; write ``out/<name>/`` if ``out`` is given.

    ``painter`` defaults to ``pen`` and ``size`` to 512 px. ``resume`` continues from a
    ``strokes.json`` written by an earlier run: ``image`` may then be None (the file records its
    source), and the painter and size default to the file's own (its ``local-dir:``/``hf-hub:``
    painter included). ``objective`` replaces the pixel loss (``nets`` run what it reads). A folder
    brush wrote before is replaced; one it did not write is refused before any work. ``threads``
    fixes the CPU threads; by default each grid level gets threads for its work within ``cores``
    (default: this process's usable cores; see :mod:`brushcli.runtime`). ``search``: sweeps of the
    replay search after the gradient steps (0 = off); ``quality`` (``fast``, the default, or ``best``)
    sets the steps and sweeps not given.
    """
    from brushcli.apps.paint import PaintSettings, given, paint as paint_image, record
    from brushcli.outputs.folder import prepare_folder, write_painting
    from brushcli.painters.registry import DEFAULT_PAINTER, create_painter
    from brushcli.strokes import load_strokes

    started = time.perf_counter()
    previous = load_strokes(resume) if resume is not None else None
    if previous is not None:
        if image is None:
            image = previous.meta.get("source")
            if not isinstance(image, str) or not image:
                raise StrokeFileError(f"{resume}: no image given and the stroke file does not record its source image")
        recorded = previous.meta.get("painter_spec") or previous.painter
        painter = painter or (recorded if isinstance(recorded, str) and recorded else None)
        size = size or max(previous.width, previous.height)
        strokes = len(previous)
    elif image is None:
        raise InvalidArgument("give an image to paint (or a stroke file to resume)")
    painter = painter or DEFAULT_PAINTER
    settings = PaintSettings(strokes=strokes, size=size or DEFAULT_SIZE, steps=steps, seed=seed,
                             device=resolve_device(device), real_feedback=real_feedback, threads=threads,
                             cores=cores, **given(search=search, quality=quality))
    settings.validate()
    source = str(image) if not isinstance(image, np.ndarray) else None
    folder = None
    if out is not None:
        folder = Path(out) / (name or (Path(source).stem if source else "painting"))
        prepare_folder(folder, record(settings, painter, source), overwrite=True)  # refuse a user's folder early
    model = create_painter(painter, device=settings.device)
    painting = paint_image(image, model, settings, progress=progress, source=source, resume=previous,
                           objective=objective, nets=nets)
    painting.info["painter"] = painter
    painting.strokes.meta["painter_spec"] = painter
    if folder is not None:
        write_painting(painting, folder, record(settings, painter, source), started=started)
    return painting


def paint_for_dream(image: np.ndarray, painter: "Painter", settings: "DreamSettings",
                    progress: Callable[[int, int, float], None] | None = None) -> "Painting":
    """``brush paint``'s pipeline on a dream prototype (``DreamSettings.strokes`` strokes at its ``size``,
    default quality, ``DreamSettings.search`` sweeps of its search): the
    :data:`~brushcli.apps.dream.PaintImage` that ``dream --start prototype`` needs."""
    from brushcli.apps.paint import PaintSettings, paint as paint_image

    return paint_image(image, painter, PaintSettings(strokes=settings.strokes, size=settings.size, seed=settings.seed,
                                                     device=settings.device, search=settings.search),
                       progress=progress)


def dream(classes: "Sequence[str | int]", **options: Any) -> "list[Painting]":
    """Paint ImageNet ``classes`` as ``brush dream`` does; ``options`` are those of
    :func:`brushcli.apps.dream.dream_classes` (nets, out, painter, settings, judges, ...).

    >>> done = brushcli.dream(["giant panda"], out="dreams")          # doctest: +SKIP
    >>> done[0].metrics["classifiers"]["efficientnet-lite2"]["mypaint"]  # doctest: +SKIP
    """
    from brushcli.apps.dream import dream_classes

    return dream_classes(classes, paint_image=paint_for_dream, **options)
