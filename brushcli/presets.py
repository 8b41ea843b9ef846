"""Brush presets: a MyPaint brush plus the action ranges it is planned with.

A painter's action is nine numbers in 0..1 (start, control and end point, start and end pressure,
size). The preset maps them to a stroke: points stay canvas-relative, pressure and size are scaled into
the preset's ranges. Because size is relative to the canvas and the engine sampling is fixed, a plan
made on a 64-px canvas draws the same shape when replayed at 4096 px.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from brushcli import paths
from brushcli.errors import InvalidArgument
from brushcli.mypaint.convert import Sampling
from brushcli.resources import data_dir
from brushcli.safejson import read_json
from brushcli.schema import NonEmptyText, Text, bounded, int_in, validate

ACTION_DIM = 9
#: A preset name is also a file and folder name (``presets/NAME.json``, dataset caches): a slug.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
MAX_PRESET_BYTES = 64 << 10


@dataclass(frozen=True)
class Preset:
    """A named brush with its action ranges (``size`` is a radius relative to the canvas's long side)."""

    name: str
    brush: str
    size: tuple[float, float]
    pressure: tuple[float, float] = (0.0, 1.0)
    sampling: Sampling = field(default_factory=Sampling)
    description: str = ""

    @staticmethod
    def is_safe_name(name: object) -> bool:
        """Whether ``name`` can name files and folders: letters, digits, '-' and '_'."""
        return isinstance(name, str) and bool(NAME.fullmatch(name))

    def __post_init__(self) -> None:
        if not self.is_safe_name(self.name):
            raise InvalidArgument(f"preset name {str(self.name)[:80]!r} must be letters, digits, '-' or '_' "
                                  "(at most 64): it names files and cache folders")

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
    def from_dict(cls, doc: Any, source: str = "preset") -> "Preset":
        """Build a preset from its JSON document, checking every range."""
        checked = validate(_PresetDoc, doc, source, InvalidArgument)
        size, pressure = checked.size, checked.pressure
        if not size[0] < size[1]:
            raise InvalidArgument(f"{source}: size range must satisfy 0 < min < max <= 0.5, got {list(size)}")
        if not pressure[0] < pressure[1]:
            raise InvalidArgument(f"{source}: pressure range must satisfy 0 <= min < max <= 1, got {list(pressure)}")
        if not NAME.fullmatch(checked.name):
            raise InvalidArgument(f"{source}: name {checked.name[:80]!r} must be letters, digits, '-' or '_' "
                                  "(at most 64): it names files and cache folders")
        return cls(name=checked.name, brush=checked.brush, size=size, pressure=pressure,
                   sampling=Sampling(steps=checked.sampling.steps, dtime=checked.sampling.dtime),
                   description=checked.description)


class _SamplingDoc(BaseModel):
    steps: int_in(1, 1000) = Sampling.steps  # type: ignore[valid-type]
    dtime: bounded(1e-4, 5.0) = Sampling.dtime  # type: ignore[valid-type]


class _PresetDoc(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: NonEmptyText
    brush: NonEmptyText
    description: Text = ""
    size: tuple[bounded(1e-6, 0.5), bounded(1e-6, 0.5)]  # type: ignore[valid-type]
    pressure: tuple[bounded(0.0, 1.0), bounded(0.0, 1.0)] = (0.0, 1.0)  # type: ignore[valid-type]
    sampling: _SamplingDoc = _SamplingDoc()


def presets_dir() -> Path:
    return data_dir("presets")


def list_presets() -> list[str]:
    """Names of the shipped presets."""
    return sorted(p.stem for p in presets_dir().glob("*.json"))


def load_preset(name_or_path: str) -> Preset:
    """A shipped preset by name (``dry-brush``) or a preset JSON file by path (ending in ``.json``).

    A name is only ever looked up in the shipped presets folder: ``../../x`` is not a name.
    """
    known = ", ".join(list_presets()) or "none installed"
    if not isinstance(name_or_path, str) or "\x00" in name_or_path:
        raise InvalidArgument(f"unknown preset {str(name_or_path)[:80]!r}; shipped presets: {known}")
    if name_or_path.endswith(".json"):
        path = Path(name_or_path).expanduser()
    elif NAME.fullmatch(name_or_path):
        path = presets_dir() / f"{name_or_path}.json"
    else:
        raise InvalidArgument(f"unknown preset {name_or_path[:80]!r} (a name, or a path ending in .json); "
                              f"shipped presets: {known}")
    if not paths.exists(path):
        raise InvalidArgument(f"unknown preset {name_or_path[:80]!r}; shipped presets: {known}")
    doc = read_json(path, MAX_PRESET_BYTES, InvalidArgument, "preset file")
    return Preset.from_dict(doc, source=str(path))
