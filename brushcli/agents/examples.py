"""Hand-made stroke examples for preconditioning (Neural Painters, section 4).

An example file holds one short stroke sequence per class, drawn the way a person draws it (order
and direction): quadratic Beziers with start, control and end points in pixels of the 64-px canvas,
a radius in pixels, pressures and an ink color. The agent always paints a fixed number of strokes,
so each example is cut into that many pieces: a quadratic Bezier restricted to ``[t0, t1]`` is again
a quadratic Bezier (de Casteljau), so the pieces trace the very same curves in the very same order.

``brushcli/agents/examples/digits.json`` is bundled (``--precondition digits``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from brushcli.safejson import read_json
from brushcli.agents.config import AgentError
from brushcli.presets import Preset

FORMAT = "brush-agent-examples"
EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"

#: Hand-made example strokes: a few hundred KB.
MAX_EXAMPLES_BYTES = 16 << 20


@dataclass
class Examples:
    """Per class, strokes ``(k, 12)``: start, control, end (px), pressure (2), radius (px), RGB."""

    classes: list[str]
    strokes: list[np.ndarray]
    canvas: int = 64
    source: str = ""

    def __len__(self) -> int:
        return len(self.classes)

    def actions(self, preset: Preset, count: int, channels: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
        """All classes as painter actions ``(K, count, 9)`` and ink ``(K, count, channels)``."""
        acts, inks = [], []
        for rows in self.strokes:
            pieces = cut_strokes(rows, count)
            acts.append(strokes_to_actions(pieces, preset, self.canvas))
            ink = pieces[:, 9:12]
            inks.append(ink.mean(axis=1, keepdims=True) if channels == 1 else ink)
        return (torch.tensor(np.stack(acts), dtype=torch.float32),
                torch.tensor(np.stack(inks), dtype=torch.float32))


def bundled_examples() -> list[str]:
    return sorted(p.stem for p in EXAMPLES_DIR.glob("*.json"))


def load_examples(spec: str | Path) -> Examples:
    """A bundled example set by name (``digits``) or an example JSON file by path."""
    path = Path(spec)
    if path.suffix != ".json":
        path = EXAMPLES_DIR / f"{spec}.json"
        if not path.is_file():
            raise AgentError(f"unknown example set {spec!r}; bundled: {', '.join(bundled_examples())}, "
                             "or give a .json file")
    return parse_examples(read_json(path, MAX_EXAMPLES_BYTES, AgentError, "example file"), str(path))


def parse_examples(doc: object, source: str = "examples") -> Examples:
    def fail(msg: str) -> AgentError:
        return AgentError(f"{source}: {msg}")

    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise fail(f"not a stroke example file ('format' must be {FORMAT!r})")
    canvas = doc.get("canvas", 64)
    if not isinstance(canvas, int) or not 8 <= canvas <= 4096:
        raise fail(f"canvas must be an integer pixel size, got {canvas!r}")
    classes = doc.get("classes")
    if not isinstance(classes, dict) or not classes:
        raise fail("'classes' must map class names to stroke lists")
    names, strokes = [], []
    for name, rows in classes.items():
        if not isinstance(rows, list) or not rows:
            raise fail(f"class {name!r}: needs a non-empty list of strokes")
        out = np.empty((len(rows), 12))
        for i, row in enumerate(rows):
            where = f"class {name!r}, stroke {i}"
            try:
                values = [*row["start"], *row["control"], *row["end"], *row.get("pressure", [0.9, 0.9]),
                          row.get("radius", 4.0), *row.get("color", [0.0, 0.0, 0.0])]
            except (KeyError, TypeError) as exc:
                raise fail(f"{where}: needs start, control and end points ({exc!r})") from None
            if len(values) != 12 or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
                raise fail(f"{where}: points are [x, y], pressure [p0, p1], color [r, g, b], all numbers")
            out[i] = values
            if not (out[i, :6].min() >= 0 and out[i, :6].max() <= canvas):
                raise fail(f"{where}: points must lie on the {canvas}-px canvas")
            if not (0 <= out[i, 6:8].min() and out[i, 6:8].max() <= 1 and 0 <= out[i, 9:].min()
                    and out[i, 9:].max() <= 1 and 0 < out[i, 8] <= canvas / 2):
                raise fail(f"{where}: pressure and color must be in 0..1 and radius in (0, {canvas / 2}]")
        names.append(str(name))
        strokes.append(out)
    return Examples(names, strokes, canvas, source)


def split_quadratic(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, t0: float, t1: float) -> tuple[np.ndarray, ...]:
    """The piece ``t0..t1`` of the quadratic Bezier ``p0 -> p1 -> p2`` as (start, control, end)."""
    def point(t: float) -> np.ndarray:
        return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2

    tangent = (1 - t0) * (p1 - p0) + t0 * (p2 - p1)  # half the derivative at t0
    return point(t0), point(t0) + (t1 - t0) * tangent, point(t1)


def cut_strokes(rows: np.ndarray, count: int) -> np.ndarray:
    """Cut ``k`` strokes into exactly ``count`` pieces in order, longer strokes into more pieces.

    With fewer pieces than strokes, the last strokes are dropped (a warning-free truncation: the
    human order of the first ``count`` strokes is what matters).
    """
    rows = np.asarray(rows, dtype=np.float64)
    if count <= len(rows):
        return rows[:count].copy()
    lengths = np.array([np.linalg.norm(r[2:4] - r[0:2]) + np.linalg.norm(r[4:6] - r[2:4]) for r in rows]) + 1e-6
    pieces = np.ones(len(rows), dtype=int)
    for _ in range(count - len(rows)):  # give each extra piece to the stroke with the longest pieces
        pieces[np.argmax(lengths / pieces)] += 1
    out = []
    for row, n in zip(rows, pieces):
        p0, p1, p2 = row[0:2], row[2:4], row[4:6]
        for j in range(n):
            t0, t1 = j / n, (j + 1) / n
            s, c, e = split_quadratic(p0, p1, p2, t0, t1)
            pressure = row[6] + (row[7] - row[6]) * np.array([t0, t1])
            out.append(np.concatenate([s, c, e, pressure, row[8:9], row[9:12]]))
    return np.stack(out)


def strokes_to_actions(rows: np.ndarray, preset: Preset, canvas: int = 64) -> np.ndarray:
    """Pixel strokes ``(n, 12)`` -> painter actions ``(n, 9)`` (points / canvas, radius into the size range)."""
    a = np.empty((len(rows), 9))
    a[:, :6] = rows[:, :6] / canvas
    a[:, 6:8] = rows[:, 6:8]
    a[:, 8] = preset.size_action(rows[:, 8], canvas)
    return np.clip(a, 0.0, 1.0)


def augment(actions: torch.Tensor, colors: torch.Tensor, generator: torch.Generator,
            strength: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Random affine jitter of whole examples (scale, rotation, shear, shift) plus size and ink jitter.

    An affine map of a Bezier's control points is the same map of the curve, so the jittered actions
    are exactly the strokes of the jittered drawing. ``actions (B, T, 9)``, ``colors (B, T, C)``.
    """
    b = actions.shape[0]

    def uniform(lo: float, hi: float, *shape: int) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(b, *shape, generator=generator)

    s = strength
    scale = 1 + uniform(-0.12 * s, 0.12 * s, 2)
    angle = uniform(-0.15 * s, 0.15 * s)
    shear = uniform(-0.2 * s, 0.2 * s)
    shift = uniform(-0.06 * s, 0.06 * s, 2)
    cos, sin = torch.cos(angle), torch.sin(angle)
    rot = torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)  # (B, 2, 2)
    shr = torch.zeros(b, 2, 2)
    shr[:, 0, 0] = 1
    shr[:, 1, 1] = 1
    shr[:, 0, 1] = shear
    matrix = rot @ shr * scale[:, :, None]
    points = actions[..., :6].reshape(b, -1, 2) - 0.5
    points = points @ matrix.transpose(1, 2) + 0.5 + shift[:, None]
    out = actions.clone()
    out[..., :6] = points.reshape(b, -1, 6)
    out[..., 8] = out[..., 8] * uniform(1 - 0.3 * s, 1 + 0.3 * s, 1)
    out[..., 6:8] = out[..., 6:8] + uniform(-0.1 * s, 0.1 * s, 1, 1)
    ink = (colors + uniform(0.0, 0.25 * s, 1, 1)).clamp(0, 1)
    return out.clamp(0.0, 1.0), ink


def render_examples(actions: torch.Tensor, colors: torch.Tensor, painter) -> torch.Tensor:
    """Paint example strokes ``(B, T, 9)`` on white paper through ``painter`` -> ``(B, C, 64, 64)``."""
    from brushcli.canvas.composite import paint_stroke

    b, t = actions.shape[:2]
    alphas = painter(actions.reshape(-1, 9)).view(b, t, *painter(actions[:1, 0]).shape[-2:])
    canvas = torch.ones(b, colors.shape[-1], *alphas.shape[-2:], device=alphas.device)
    for i in range(t):
        canvas = paint_stroke(canvas, alphas[:, i], colors[:, i])
    return canvas
