"""Writing a painting's outputs: one folder per image, created atomically.

``OUT/<stem>/`` holds ``strokes.json``, ``neural.png``, ``mypaint.png`` (real MyPaint replay at the
output size), ``compare.png`` (target | neural | MyPaint), ``timelapse.gif`` (from the MyPaint replay)
and ``metrics.json``. Everything is written into a hidden temporary folder that is renamed into
place at the end, so an error or Ctrl-C never leaves a half-written result that looks finished.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from brushcli.errors import OutputError
from brushcli.outputs import ensure_dir, write_gif, write_json, write_png
from brushcli.replay import replay

OUTPUT_FILES = ("strokes.json", "neural.png", "mypaint.png", "compare.png", "timelapse.gif", "metrics.json")


@dataclass
class Written:
    """Where the outputs went and the metrics written."""

    folder: Path
    metrics: dict[str, Any]


def mse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))


def is_done(folder: Path) -> bool:
    """Whether ``folder`` holds a complete set of outputs (what batch mode skips)."""
    return all((folder / name).is_file() for name in OUTPUT_FILES)


def side_by_side(*images: np.ndarray, gap: int = 4) -> np.ndarray:
    h = max(i.shape[0] for i in images)
    parts = []
    for i, img in enumerate(images):
        pad = np.ones((h, img.shape[1], 3), np.float32)
        pad[: img.shape[0]] = img
        parts.append(pad)
        if i < len(images) - 1:
            parts.append(np.ones((h, gap, 3), np.float32))
    return np.concatenate(parts, axis=1)


def write_outputs(
    folder: Path,
    strokes,
    neural: np.ndarray,
    target: np.ndarray | None,
    extra_metrics: dict[str, Any],
    overwrite: bool = True,
    started: float | None = None,
) -> Written:
    """Replay ``strokes`` in MyPaint at the neural render's size and write every output file.

    ``started`` (a ``time.perf_counter()`` value) makes ``metrics["seconds"]`` the end-to-end time.
    """
    folder = Path(folder)
    ensure_dir(folder.parent)
    if folder.exists() and not overwrite:
        raise OutputError(f"{folder} exists; use --overwrite to replace it")
    height, width = neural.shape[:2]
    real = replay(strokes, long_side=max(width, height), timelapse=True)
    metrics: dict[str, Any] = dict(extra_metrics)
    if target is not None:
        metrics["mse_neural"] = mse(neural, target)
        metrics["mse_mypaint"] = mse(real.image, target)
    metrics["gap_mse"] = mse(neural, real.image)
    metrics["strokes"] = len(strokes)
    metrics["width"], metrics["height"] = width, height
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=folder.parent))
    try:
        write_json(tmp / "strokes.json", strokes.to_json())
        write_png(tmp / "neural.png", neural)
        write_png(tmp / "mypaint.png", real.image)
        panels = [target, neural, real.image] if target is not None else [neural, real.image]
        write_png(tmp / "compare.png", side_by_side(*panels))
        write_gif(tmp / "timelapse.gif", real.frames)
        if started is not None:  # end to end: load, optimise, replay, GIF
            metrics["seconds"] = time.perf_counter() - started
        write_json(tmp / "metrics.json", json.dumps(_round(metrics), indent=1))
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Written(folder=folder, metrics=metrics)


def _round(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in doc.items()}
