"""The stroke model and the versioned stroke-list JSON file every command writes.

One stroke (Neural Painters, section 2.1) is a quadratic Bezier ``start -> control -> end`` in
canvas-relative coordinates (x in 0..1 of the width, y in 0..1 of the height), a start and end
pressure in 0..1, a ``size`` (the brush radius as a fraction of the canvas's long side, so a plan
replays identically at any resolution) and an RGB color in 0..1.

In memory a :class:`StrokeList` keeps all strokes in one ``(N, 12)`` float64 array whose columns are
:data:`COLUMNS`; the file spells each stroke out with named fields so it can be read and edited.
Files are read through :mod:`brushcli.safejson` (byte and depth limits) and checked against the
schema at the end of this module, so every malformed file is one :class:`StrokeFileError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from brushcli.errors import StrokeFileError
from brushcli.images import fit_long_side
from brushcli.mypaint.convert import Sampling
from brushcli.safejson import finite_numbers, read_json
from brushcli.schema import NonEmptyText, bounded, int_in, validate

FORMAT = "brush-strokes"
SCHEMA_VERSION = 1
COLUMNS = ("x0", "y0", "x1", "y1", "x2", "y2", "p0", "p1", "size", "r", "g", "b")
#: Shape columns fed to a painter (everything but color).
SHAPE = slice(0, 9)
COLOR = slice(9, 12)
MAX_STROKES = 1_000_000
#: A million strokes written with ``indent=1`` take about 300 MB.
MAX_FILE_BYTES = 512 << 20
MAX_CANVAS = 1 << 16
#: Smallest and largest radius: above half the long side a stroke covers the whole canvas.
MIN_SIZE = 1e-6
MAX_SIZE = 0.5
#: Finest grid level a painting plan may name: level L paints at 64 * 2**L px, 8 is 16384 px.
MAX_PLAN_LEVEL = 8


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
        """The JSON document (schema version :data:`SCHEMA_VERSION`).

        Refuses non-finite values: a file of NaN strokes could never be read back.
        """
        if not np.isfinite(self.params).all() or not all(np.isfinite(self.background)):
            raise StrokeFileError("the strokes hold NaN or infinite values (the optimisation diverged), so no "
                                  "stroke file was written")
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
        """Validate a parsed document; errors name the field by its path and the allowed range."""
        if not isinstance(doc, dict):
            raise StrokeFileError(f"{source}: top level must be a JSON object")
        if doc.get("format") != FORMAT:
            raise StrokeFileError(f"{source}: not a brush stroke file ('format' must be {FORMAT!r})")
        version = doc.get("version")
        if version != SCHEMA_VERSION or isinstance(version, bool):
            raise StrokeFileError(
                f"{source}: schema version {version!r} is not supported (this brush reads version "
                f"{SCHEMA_VERSION}; upgrade brush to read newer files)"
            )
        checked: _StrokeFile = validate(_StrokeFile, doc, source, StrokeFileError)
        meta = doc.get("meta") or {}
        where = finite_numbers(meta)
        if where is not None:
            raise StrokeFileError(f"{source}: meta.{where} is not a finite number")
        params = np.array(
            [(*s["start"], *s["control"], *s["end"], *s["pressure"], s["size"], *s["color"])
             for s in checked.strokes],
            dtype=np.float64,
        )
        if checked.meta.plan is not None:
            meta = {**meta, "plan": [entry.model_dump(exclude_none=True) for entry in checked.meta.plan]}
        return cls(
            params=params,
            width=checked.canvas.width,
            height=checked.canvas.height,
            brush=checked.brush,
            sampling=Sampling(steps=checked.sampling.steps, dtime=checked.sampling.dtime),
            background=checked.canvas.background,
            painter=checked.painter,
            preset=checked.preset,
            meta=meta,
        )


def _r(values: Any) -> list[float]:
    return [round(float(v), 7) for v in values]


def load_strokes(path: str | Path) -> StrokeList:
    """Read and validate a stroke file; every problem is a :class:`StrokeFileError`."""
    # NaN/Infinity tokens parse here so that the schema can name the field that holds them.
    doc = read_json(path, MAX_FILE_BYTES, StrokeFileError, "stroke file", allow_nan=True)
    return StrokeList.from_dict(doc, source=str(path))


# -- the file's schema -----------------------------------------------------------------------------

_Coord = bounded(-0.5, 1.5)
_Unit = bounded(0.0, 1.0)


class _Stroke(TypedDict):
    start: tuple[_Coord, _Coord]
    control: tuple[_Coord, _Coord]
    end: tuple[_Coord, _Coord]
    pressure: tuple[_Unit, _Unit]
    size: bounded(MIN_SIZE, MAX_SIZE)  # type: ignore[valid-type]
    color: tuple[_Unit, _Unit, _Unit]


class _Canvas(BaseModel):
    width: int_in(1, MAX_CANVAS)  # type: ignore[valid-type]
    height: int_in(1, MAX_CANVAS)  # type: ignore[valid-type]
    background: tuple[_Unit, _Unit, _Unit] = (1.0, 1.0, 1.0)


class _Sampling(BaseModel):
    steps: int_in(1, 1000) = Sampling.steps  # type: ignore[valid-type]
    dtime: bounded(1e-4, 5.0) = Sampling.dtime  # type: ignore[valid-type]


class _PlanEntry(BaseModel):
    """One optimisation group of ``brush paint``: its grid level, strokes per tile and, when not
    every tile of the level holds strokes, which do (row-major tile indices, ascending)."""

    model_config = ConfigDict(extra="forbid")
    level: int_in(0, MAX_PLAN_LEVEL)  # type: ignore[valid-type]
    per_tile: int_in(1, MAX_STROKES)  # type: ignore[valid-type]
    tiles: Annotated[list[int_in(0, MAX_STROKES)],  # type: ignore[valid-type]
                     Field(min_length=1, max_length=MAX_STROKES)] | None = None


class _Meta(BaseModel):
    """Free-form, except the keys ``brush paint --resume`` reads."""

    model_config = ConfigDict(extra="allow")
    source: NonEmptyText | None = None
    plan: Annotated[list[_PlanEntry], Field(min_length=1, max_length=MAX_STROKES)] | None = None


class _StrokeFile(BaseModel):
    canvas: _Canvas
    brush: NonEmptyText
    sampling: _Sampling = _Sampling()
    painter: NonEmptyText | None = None
    preset: NonEmptyText | None = None
    meta: _Meta = _Meta()
    strokes: Annotated[list[_Stroke], Field(max_length=MAX_STROKES)]
