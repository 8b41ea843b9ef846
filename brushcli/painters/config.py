"""The painter config: the single source of truth for building, training and describing a painter.

A painter on disk is a folder with ``config.json`` (this dataclass), ``model.safetensors`` and a model
card ``README.md``. Training writes exactly what loading reads.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from brushcli.errors import PainterError
from brushcli.presets import Preset

FORMAT = "brush-painter"
CONFIG_VERSION = 1
METHODS = ("regression", "vae", "gan")


@dataclass
class PainterConfig:
    """Everything needed to rebuild a painter and to know what it imitates.

    ``preset`` fixes the brush and the action ranges (actions outside them were never seen in
    training); ``arch``/``arch_args`` select the network; ``training`` records the recipe (including
    the one command that reproduces it) and ``metrics`` the measured fidelity.
    """

    name: str
    preset: Preset
    arch: str = "dabs"
    arch_args: dict[str, Any] = field(default_factory=dict)
    method: str = "regression"
    canvas: int = 64
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    hub_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["preset"] = self.preset.to_dict()
        return {"format": FORMAT, "version": CONFIG_VERSION, **doc}

    def save(self, path: Path) -> None:
        from brushcli.files import write_json

        write_json(path, self.to_dict())

    @classmethod
    def from_dict(cls, doc: Any, source: str = "config.json") -> "PainterConfig":
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise PainterError(f"{source}: not a brush painter config ('format' must be {FORMAT!r})")
        version = doc.get("version")
        if not isinstance(version, int) or version > CONFIG_VERSION:
            raise PainterError(
                f"{source}: painter config version {version!r} is newer than this brush understands "
                f"(version {CONFIG_VERSION}); upgrade brush"
            )
        try:
            preset = Preset.from_dict(doc["preset"], source=f"{source}: preset")
            config = cls(
                name=str(doc["name"]),
                preset=preset,
                arch=str(doc.get("arch", "dabs")),
                arch_args=dict(doc.get("arch_args") or {}),
                method=str(doc.get("method", "regression")),
                canvas=int(doc.get("canvas", 64)),
                training=dict(doc.get("training") or {}),
                metrics=dict(doc.get("metrics") or {}),
                hub_id=doc.get("hub_id"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PainterError(f"{source}: malformed painter config ({exc!r})") from exc
        if config.method not in METHODS:
            raise PainterError(f"{source}: unknown training method {config.method!r}")
        return config

    @classmethod
    def load(cls, path: Path) -> "PainterConfig":
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise PainterError(f"{path}: no such file (a painter folder needs config.json)") from None
        except (OSError, ValueError) as exc:
            raise PainterError(f"{path}: cannot read painter config ({exc})") from exc
        return cls.from_dict(doc, source=str(path))
