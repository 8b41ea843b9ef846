"""An agent on disk: ``config.json`` (this dataclass) + ``model.safetensors`` (+ a ``README.md`` card).

Training writes exactly what loading reads; weights are read with safetensors only, never unpickled.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from brushcli.checkpoint import CONFIG_FILE
from brushcli.errors import BrushError
from brushcli.safejson import read_json

FORMAT = "brush-agent"
CONFIG_VERSION = 1
MAX_WEIGHTS_BYTES = 256 << 20
MAX_CONFIG_BYTES = 1 << 20


class AgentError(BrushError):
    """A painting agent could not be found, loaded or trained."""


@dataclass
class AgentConfig:
    """Everything needed to rebuild an agent and to know what it paints.

    ``painter`` names the neural painter the agent was trained inside (its strokes are that
    painter's actions, replayed with the painter's brush); ``strokes`` is the fixed number of strokes
    per painting; ``channels`` is 1 (gray ink) or 3 (RGB). ``arch`` holds the network sizes.
    """

    name: str = "agent"
    painter: str = "pen"
    strokes: int = 15
    channels: int = 1
    arch: dict[str, Any] = field(default_factory=lambda: {"width": 16, "features": 256, "hidden": 256,
                                                          "feedback": False})
    dataset: str = ""
    precondition: str | None = None
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    def validate(self, source: str = "agent config") -> "AgentConfig":
        if not 1 <= self.strokes <= 1000:
            raise AgentError(f"{source}: strokes must be 1..1000, got {self.strokes}")
        if self.channels not in (1, 3):
            raise AgentError(f"{source}: channels must be 1 (gray) or 3 (RGB), got {self.channels}")
        for key in ("width", "features", "hidden"):
            value = self.arch.get(key)
            if not isinstance(value, int) or not 1 <= value <= 4096:
                raise AgentError(f"{source}: arch.{key} must be an integer in 1..4096, got {value!r}")
        return self

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": CONFIG_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, doc: Any, source: str = CONFIG_FILE) -> "AgentConfig":
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise AgentError(f"{source}: not a brush agent config ('format' must be {FORMAT!r})")
        version = doc.get("version")
        if not isinstance(version, int) or version > CONFIG_VERSION:
            raise AgentError(f"{source}: agent config version {version!r} is newer than this brush understands "
                             f"(version {CONFIG_VERSION}); upgrade brush")
        try:
            config = cls(
                name=str(doc.get("name", "agent")), painter=str(doc["painter"]), strokes=int(doc["strokes"]),
                channels=int(doc.get("channels", 1)), arch=dict(doc.get("arch") or {}),
                dataset=str(doc.get("dataset", "")), precondition=doc.get("precondition"),
                training=dict(doc.get("training") or {}), metrics=dict(doc.get("metrics") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise AgentError(f"{source}: malformed agent config ({exc!r})") from exc
        config.arch = {"width": 16, "features": 256, "hidden": 256, "feedback": False, **config.arch}
        return config.validate(source)

    @classmethod
    def load(cls, path: Path) -> "AgentConfig":
        if not Path(path).exists():
            raise AgentError(f"{path}: no such file (an agent folder needs {CONFIG_FILE})")
        return cls.from_dict(read_json(path, MAX_CONFIG_BYTES, AgentError, "agent config"), source=str(path))
