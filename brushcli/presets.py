"""Brush presets: a MyPaint brush plus the action ranges it is planned with.

A painter's action is nine numbers in 0..1 (start, control and end point, start and end pressure,
size). The preset maps them to a stroke: points stay canvas-relative, pressure and size are scaled into
the preset's ranges. Because size is relative to the canvas and the engine sampling is fixed, a plan
made on a 64-px canvas draws the same shape when replayed at 4096 px.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from brushcli.errors import InvalidArgument
from brushcli.mypaint.convert import Sampling
from brushcli.resources import data_dir

ACTION_DIM = 9


@dataclass(frozen=True)
class Preset:
    """A named brush with its action ranges (``size`` is a radius relative to the canvas's long side)."""

    name: str
    brush: str
    size: tuple[float, float]
    pressure: tuple[float, float] = (0.0, 1.0)
    sampling: Sampling = field(default_factory=Sampling)
    description: str = ""

    def actions_to_shapes(self, actions: np.ndarray) -> np.ndarray:
        """Map ``(N, 9)`` actions in 0..1 to stroke shape columns ``x0 y0 x1 y1 x2 y2 p0 p1 size``."""
        a = np.clip(np.asarray(actions, dtype=np.float64).reshape(-1, ACTION_DIM), 0.0, 1.0)
        out = a.copy()
        out[:, 6:8] = self.pressure[0] + a[:, 6:8] * (self.pressure[1] - self.pressure[0])
        out[:, 8] = self.size[0] + a[:, 8] * (self.size[1] - self.size[0])
        return out

    def shapes_to_actions(self, shapes: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`actions_to_shapes` (values outside the ranges come out outside 0..1)."""
        s = np.asarray(shapes, dtype=np.float64).reshape(-1, ACTION_DIM)
        out = s.copy()
        out[:, 6:8] = (s[:, 6:8] - self.pressure[0]) / (self.pressure[1] - self.pressure[0])
        out[:, 8] = (s[:, 8] - self.size[0]) / (self.size[1] - self.size[0])
        return out

    def size_action(self, radius: float, canvas: int) -> float:
        """The size action (unclipped) whose stroke has a radius of ``radius`` px on a ``canvas``-px canvas."""
        return (radius / canvas - self.size[0]) / (self.size[1] - self.size[0])

    def random_actions(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` uniformly random actions (the training distribution of painters)."""
        return rng.uniform(0.0, 1.0, size=(n, ACTION_DIM))

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "brush": self.brush,
            "description": self.description,
            "size": list(self.size),
            "pressure": list(self.pressure),
            "sampling": self.sampling.to_dict(),
        }

    @classmethod
    def from_dict(cls, doc: dict, source: str = "preset") -> "Preset":
        """Build a preset from its JSON document, checking every range."""
        try:
            size = (float(doc["size"][0]), float(doc["size"][1]))
            pressure = (float(doc.get("pressure", [0, 1])[0]), float(doc.get("pressure", [0, 1])[1]))
            sampling_doc = doc.get("sampling", {})
            sampling = Sampling(
                steps=int(sampling_doc.get("steps", Sampling.steps)),
                dtime=float(sampling_doc.get("dtime", Sampling.dtime)),
            )
            preset = cls(
                name=str(doc["name"]),
                brush=str(doc["brush"]),
                size=size,
                pressure=pressure,
                sampling=sampling,
                description=str(doc.get("description", "")),
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise InvalidArgument(f"{source}: malformed preset ({exc!r})") from exc
        if not 0 < size[0] < size[1] <= 0.5:
            raise InvalidArgument(f"{source}: size range must satisfy 0 < min < max <= 0.5, got {size}")
        if not 0 <= pressure[0] < pressure[1] <= 1:
            raise InvalidArgument(f"{source}: pressure range must lie in 0..1, got {pressure}")
        if not 1 <= sampling.steps <= 1000 or not 1e-4 <= sampling.dtime <= 5:
            raise InvalidArgument(f"{source}: sampling steps 1..1000 and dtime 0.0001..5 required")
        return preset


def presets_dir() -> Path:
    return data_dir("presets")


def list_presets() -> list[str]:
    """Names of the shipped presets."""
    return sorted(p.stem for p in presets_dir().glob("*.json"))


def load_preset(name_or_path: str) -> Preset:
    """A shipped preset by name (``dry-brush``) or a preset JSON file by path."""
    path = Path(name_or_path)
    if not path.suffix == ".json":
        path = presets_dir() / f"{name_or_path}.json"
    if not path.is_file():
        known = ", ".join(list_presets()) or "none installed"
        raise InvalidArgument(f"unknown preset {name_or_path!r}; shipped presets: {known}")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidArgument(f"{path}: cannot read preset ({exc})") from exc
    if not isinstance(doc, dict):
        raise InvalidArgument(f"{path}: a preset must be a JSON object")
    return Preset.from_dict(doc, source=str(path))
