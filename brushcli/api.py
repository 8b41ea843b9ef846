"""The Python API: the same power as the CLI, returning result objects.

>>> import brushcli
>>> result = brushcli.paint("photo.jpg", strokes=50, out="out")   # doctest: +SKIP
>>> result.metrics["mse_mypaint"]                                  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from brushcli.errors import InvalidArgument


def resolve_device(device: str = "auto") -> str:
    """``auto`` -> ``cuda`` when a GPU is usable, else ``cpu``; ``cuda`` without one is an error."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise InvalidArgument("--device cuda was asked for but no CUDA GPU is available; use --device cpu")
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise InvalidArgument(f"unknown --device {device!r}; use auto, cpu or cuda")
    return device


@dataclass
class Painting:
    """A finished painting: the library result plus, if written, its folder and metrics."""

    result: Any
    folder: Path | None = None
    metrics: dict[str, Any] = field(default_factory=dict)


def paint(
    image: str | Path | np.ndarray,
    strokes: int = 50,
    painter: str = "pen",
    size: int = 512,
    steps: int | None = None,
    seed: int = 0,
    device: str = "auto",
    out: str | Path | None = None,
    name: str | None = None,
    resume: str | Path | None = None,
    real_feedback: bool = True,
    progress: Callable[[int, int, float], None] | None = None,
) -> Painting:
    """Reconstruct ``image`` with ``strokes`` brushstrokes; write ``out/<name>/`` if ``out`` is given.

    ``resume`` continues from a ``strokes.json`` written by an earlier run (``image`` may then be
    None to use the image recorded in that file).
    """
    from brushcli.paint.painting import PaintSettings, paint as paint_image
    from brushcli.paint.results import write_outputs
    from brushcli.painters.registry import create_painter
    from brushcli.strokes import load_strokes

    started = time.perf_counter()
    previous = load_strokes(resume) if resume is not None else None
    if image is None:
        source = previous.meta.get("source") if previous is not None else None
        if not source:
            raise InvalidArgument("no image given and the stroke file does not record its source image")
        image = source
    if previous is not None:
        painter = previous.painter or painter
        size = max(previous.width, previous.height) if size is None else size
        strokes = len(previous)
    settings = PaintSettings(strokes=strokes, size=size, steps=steps, seed=seed, device=resolve_device(device),
                             real_feedback=real_feedback)
    settings.validate()
    model = create_painter(painter, device=settings.device)
    source = str(image) if not isinstance(image, np.ndarray) else None
    result = paint_image(image, model, settings, progress=progress, source=source, resume=previous)
    painting = Painting(result=result)
    if out is not None:
        stem = name or (Path(source).stem if source else "painting")
        written = write_outputs(
            Path(out) / stem, result.strokes, result.neural, result.target,
            {"steps": result.steps, "optimise_seconds": result.seconds, "painter": painter,
             "device": result.device, "seed": seed, "source": source},
            started=started,
        )
        painting.folder, painting.metrics = written.folder, written.metrics
    return painting
