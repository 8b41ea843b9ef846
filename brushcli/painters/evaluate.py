"""Fidelity of a painter against real MyPaint on held-out actions.

Reports alpha mean absolute error over all pixels, IoU of the stroke footprints (pixels with alpha
above :data:`FOOTPRINT`), the worst strokes, and a MyPaint | neural | difference image grid.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from brushcli.errors import InvalidArgument
from brushcli.painters.data import heldout_actions, render_actions
from brushcli.painters.painter import Painter
from brushcli.runtime import autocast

#: Alpha above which a pixel counts as painted (about what is visible on white paper).
FOOTPRINT = 0.1
#: Held-out strokes one evaluation may compare: each keeps a MyPaint and a painter alpha as float32
#: (32 KB at 64 px), so 20,000 strokes are about 650 MB; the shipped numbers use 2,000.
MAX_SAMPLES = 20_000


@dataclass
class Fidelity:
    """Held-out fidelity numbers (medians and means over strokes)."""

    samples: int
    alpha_mae: float
    alpha_mae_median: float
    iou: float
    iou_median: float
    worst: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def predict(painter: Painter, actions: np.ndarray, batch: int = 1024) -> np.ndarray:
    """The painter's alphas of ``actions`` (on the painter's device), as float32 numpy."""
    painter.eval()
    device = next(painter.parameters()).device
    outs = []
    with torch.no_grad(), autocast(device):
        for i in range(0, len(actions), batch):
            a = torch.from_numpy(np.ascontiguousarray(actions[i : i + batch], dtype=np.float32)).to(device)
            outs.append(painter(a).float().cpu().numpy())
    return np.concatenate(outs) if outs else np.empty((0, painter.canvas, painter.canvas), np.float32)


def footprint_iou(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    p, t = pred > FOOTPRINT, target > FOOTPRINT
    inter = (p & t).sum(axis=(1, 2))
    union = (p | t).sum(axis=(1, 2))
    return np.where(union > 0, inter / np.maximum(union, 1), 1.0)


def fidelity(pred: np.ndarray, target: np.ndarray, actions: np.ndarray, worst: int = 8) -> Fidelity:
    """The numbers of :class:`Fidelity`, listing the ``worst`` strokes (0 or more) by alpha error."""
    if isinstance(worst, bool) or not isinstance(worst, (int, np.integer)) or worst < 0:
        raise InvalidArgument(f"--worst must be 0 or more strokes, got {worst!r}")
    mae = np.abs(pred - target).mean(axis=(1, 2))
    iou = footprint_iou(pred, target)
    order = np.argsort(-mae)[:worst]
    return Fidelity(
        samples=len(pred),
        alpha_mae=float(mae.mean()),
        alpha_mae_median=float(np.median(mae)),
        iou=float(iou.mean()),
        iou_median=float(np.median(iou)),
        worst=[{"index": int(i), "alpha_mae": float(mae[i]), "iou": float(iou[i]),
                "action": [round(float(v), 4) for v in actions[i]]} for i in order],
    )


def check_eval_samples(samples: int, canvas: int = 64, option: str = "--samples") -> None:
    """Refuse an evaluation larger than :data:`MAX_SAMPLES` strokes (scaled for canvases above 64 px)."""
    limit = max(1, MAX_SAMPLES * 64 * 64 // (canvas * canvas))
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or not 1 <= samples <= limit:
        raise InvalidArgument(f"{option} must be a whole number of strokes in 1..{limit}, got {samples!r}")


def evaluate_painter(
    painter: Painter, samples: int = 2000, seed: int = 12345, workers: int | None = None
) -> tuple[Fidelity, np.ndarray, np.ndarray, np.ndarray]:
    """Render ``samples`` held-out actions with MyPaint and the painter; return numbers and arrays.

    ``samples`` is bounded (:data:`MAX_SAMPLES`, scaled for canvases above 64 px) because every
    stroke's two alpha maps are kept for the report and the grid.
    """
    check_eval_samples(samples, painter.canvas)
    actions = heldout_actions(painter.preset, int(samples), seed)
    target = render_actions(painter.preset, actions, painter.canvas, workers=workers)
    pred = predict(painter, actions)
    return fidelity(pred, target, actions), actions, target, pred


def comparison_grid(target: np.ndarray, pred: np.ndarray, indices: list[int] | np.ndarray) -> np.ndarray:
    """Rows of MyPaint | neural | |difference| tiles (ink dark on white), as a float gray image."""
    rows = []
    for i in indices:
        tiles = [1 - target[i], 1 - pred[i], 1 - np.abs(target[i] - pred[i])]
        rows.append(np.concatenate([np.pad(t, 1, constant_values=0.6) for t in tiles], axis=1))
    return np.concatenate(rows, axis=0)


def sample_grid(target: np.ndarray, pred: np.ndarray, n: int = 8) -> np.ndarray:
    """Side-by-side grid of the first ``n`` pairs (two triplets per row; fewer if there are fewer)."""
    n = min(n, len(target))
    if n < 2:
        return comparison_grid(target, pred, range(n))
    n -= n % 2
    left = comparison_grid(target, pred, range(0, n, 2))
    right = comparison_grid(target, pred, range(1, n, 2))
    return np.concatenate([left, np.full((left.shape[0], 4), 1.0), right], axis=1)
