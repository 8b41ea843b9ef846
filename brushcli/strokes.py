"""The stroke model and the versioned stroke-list JSON file every command writes.

One stroke (Neural Painters, section 2.1) is a quadratic Bezier ``start -> control -> end`` in
canvas-relative coordinates (x in 0..1 of the width, y in 0..1 of the height), a start and end
pressure in 0..1, a ``size`` (the brush radius as a fraction of the canvas's long side, so a plan
replays identically at any resolution) and an RGB color in 0..1.

In memory a :class:`StrokeList` keeps all strokes in one ``(N, 12)`` float64 array whose columns are
:data:`COLUMNS`; the file spells each stroke out with named fields so it can be read and edited.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from brushcli.errors import StrokeFileError
from brushcli.images import fit_long_side
from brushcli.mypaint.convert import Sampling

FORMAT = "brush-strokes"
SCHEMA_VERSION = 1
COLUMNS = ("x0", "y0", "x1", "y1", "x2", "y2", "p0", "p1", "size", "r", "g", "b")
#: Shape columns fed to a painter (everything but color).
SHAPE = slice(0, 9)
COLOR = slice(9, 12)
MAX_STROKES = 1_000_000
MAX_FILE_BYTES = 512 << 20
#: A radius larger than half the long side covers the whole canvas; nothing sensible needs more.
MAX_SIZE = 0.5

_FIELDS: dict[str, tuple[slice, int, float, float]] = {
    # name: (columns, length, low, high)
    "start": (slice(0, 2), 2, -0.5, 1.5),
    "control": (slice(2, 4), 2, -0.5, 1.5),
    "end": (slice(4, 6), 2, -0.5, 1.5),
    "pressure": (slice(6, 8), 2, 0.0, 1.0),
    "size": (slice(8, 9), 1, 1e-6, MAX_SIZE),
    "color": (slice(9, 12), 3, 0.0, 1.0),
}


@dataclass
class StrokeList:
    """Strokes plus what is needed to replay them: canvas aspect, brush and engine sampling.

    ``width``/``height`` are the size the plan was made at; rendering at another size keeps the
    aspect ratio. ``brush`` is a MyPaint brush name or path; ``painter`` names the neural painter
    that planned them (informational).
    """

    params: np.ndarray
    width: int
    height: int
    brush: str
    sampling: Sampling = field(default_factory=Sampling)
    background: tuple[float, float, float] = (1.0, 1.0, 1.0)
    painter: str | None = None
    preset: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.params = np.asarray(self.params, dtype=np.float64).reshape(-1, len(COLUMNS))

    def __len__(self) -> int:
        return int(self.params.shape[0])

    @property
    def aspect(self) -> float:
        """Width divided by height."""
        return self.width / self.height

    def size_for(self, long_side: int) -> tuple[int, int]:
        """Pixel (width, height) with ``long_side`` on the longer edge and this plan's aspect."""
        return fit_long_side(self.width, self.height, long_side)

    def head(self, n: int) -> "StrokeList":
        """The first ``n`` strokes (for time-lapses)."""
        return replace(self, params=self.params[:n].copy())

    # -- file format -------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (schema version :data:`SCHEMA_VERSION`)."""
        strokes = []
        for row in self.params.tolist():
            strokes.append(
                {
                    "start": _r(row[0:2]),
                    "control": _r(row[2:4]),
                    "end": _r(row[4:6]),
                    "pressure": _r(row[6:8]),
                    "size": round(row[8], 7),
                    "color": _r(row[9:12]),
                }
            )
        doc: dict[str, Any] = {
            "format": FORMAT,
            "version": SCHEMA_VERSION,
            "canvas": {"width": self.width, "height": self.height, "background": _r(self.background)},
            "brush": self.brush,
            "sampling": self.sampling.to_dict(),
            "painter": self.painter,
            "preset": self.preset,
        }
        if self.meta:
            doc["meta"] = self.meta
        doc["strokes"] = strokes
        return doc

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_dict(cls, doc: Any, source: str = "stroke file") -> "StrokeList":
        """Validate a parsed document; errors name the stroke, the field and the allowed range."""

        def fail(msg: str) -> StrokeFileError:
            return StrokeFileError(f"{source}: {msg}")

        if not isinstance(doc, dict):
            raise fail("top level must be a JSON object")
        if doc.get("format") != FORMAT:
            raise fail(f"not a brush stroke file ('format' must be {FORMAT!r})")
        version = doc.get("version")
        if version != SCHEMA_VERSION:
            raise fail(
                f"schema version {version!r} is not supported (this brush reads version "
                f"{SCHEMA_VERSION}; upgrade brush to read newer files)"
            )
        canvas = doc.get("canvas")
        if not isinstance(canvas, dict):
            raise fail("missing 'canvas' object")
        width, height = canvas.get("width"), canvas.get("height")
        for name, value in (("width", width), ("height", height)):
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1 << 16:
                raise fail(f"canvas.{name} must be an integer in 1..65536, got {value!r}")
        background = _vector(canvas.get("background", [1, 1, 1]), 3, 0.0, 1.0, fail, "canvas.background")
        brush = doc.get("brush")
        if not isinstance(brush, str) or not brush:
            raise fail("'brush' must be a brush name or .myb path")
        sampling_doc = doc.get("sampling", {})
        if not isinstance(sampling_doc, dict):
            raise fail("'sampling' must be an object")
        steps = sampling_doc.get("steps", Sampling.steps)
        dtime = sampling_doc.get("dtime", Sampling.dtime)
        if not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= 1000:
            raise fail(f"sampling.steps must be an integer in 1..1000, got {steps!r}")
        if not _finite(dtime) or not 1e-4 <= dtime <= 5.0:
            raise fail(f"sampling.dtime must be a number in [0.0001, 5], got {dtime!r}")
        strokes = doc.get("strokes")
        if not isinstance(strokes, list):
            raise fail("'strokes' must be a list")
        if len(strokes) > MAX_STROKES:
            raise fail(f"{len(strokes)} strokes is more than the limit of {MAX_STROKES}")
        params = np.empty((len(strokes), len(COLUMNS)), dtype=np.float64)
        for i, stroke in enumerate(strokes):
            if not isinstance(stroke, dict):
                raise fail(f"stroke {i}: must be an object")
            for name, (cols, length, low, high) in _FIELDS.items():
                where = f"stroke {i}, field '{name}'"
                if name not in stroke:
                    raise fail(f"{where}: missing")
                value = stroke[name]
                if length == 1:
                    value = [value]
                params[i, cols] = _vector(value, length, low, high, fail, where)
        painter = doc.get("painter")
        preset = doc.get("preset")
        meta = doc.get("meta", {})
        return cls(
            params=params,
            width=width,
            height=height,
            brush=brush,
            sampling=Sampling(steps=steps, dtime=float(dtime)),
            background=tuple(background),  # type: ignore[arg-type]
            painter=painter if isinstance(painter, str) else None,
            preset=preset if isinstance(preset, str) else None,
            meta=meta if isinstance(meta, dict) else {},
        )


def _r(values: Any) -> list[float]:
    return [round(float(v), 7) for v in values]


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _vector(value: Any, length: int, low: float, high: float, fail: Any, where: str) -> list[float]:
    if not isinstance(value, list) or len(value) != length:
        raise fail(f"{where}: expected {'a number' if length == 1 else f'a list of {length} numbers'}")
    for v in value:
        if not _finite(v):
            raise fail(f"{where}: {v!r} is not a finite number")
        if not low <= v <= high:
            raise fail(f"{where}: {v!r} is outside [{low:g}, {high:g}]")
    return [float(v) for v in value]


def load_strokes(path: str | Path) -> StrokeList:
    """Read and validate a stroke file; every problem is a :class:`StrokeFileError`."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise StrokeFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise StrokeFileError(f"{path}: cannot read ({exc.strerror})") from exc
    if path.is_dir():
        raise StrokeFileError(f"{path}: is a directory, not a stroke file")
    if size > MAX_FILE_BYTES:
        raise StrokeFileError(f"{path}: {size} bytes is larger than the {MAX_FILE_BYTES >> 20} MiB limit")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StrokeFileError(f"{path}: cannot read as UTF-8 text ({exc})") from exc
    try:
        doc = json.loads(text)  # NaN/Infinity parse to floats; the validator names them
    except ValueError as exc:
        raise StrokeFileError(f"{path}: not valid JSON ({exc})") from exc
    return StrokeList.from_dict(doc, source=str(path))

