"""The painter config: the single source of truth for building, training and describing a painter.

A painter on disk is a folder with ``config.json`` (this dataclass), ``model.safetensors`` and a model
card ``README.md``. Training writes exactly what loading reads.

A config may come from anyone (``local-dir:``, ``hf-hub:``), so loading checks it before anything is
built from it: every number that sizes an allocation (canvas, hidden widths, dab and knot counts,
engine events) is bounded, the brush must be a brush *name* or a ``.myb`` file inside the painter's
own folder, and the file itself is read with byte and depth limits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from brushcli import paths
from brushcli.errors import BrushError, PainterError
from brushcli.mypaint.brushes import brush_in_folder, is_brush_name
from brushcli.presets import Preset
from brushcli.safejson import read_json
from brushcli.schema import NonEmptyText, Text, bounded, int_in, validate

FORMAT = "brush-painter"
CONFIG_VERSION = 1
METHODS = ("regression", "vae", "gan")
#: A config.json is a few KB; anything near this is not one.
MAX_CONFIG_BYTES = 1 << 20
#: Painter canvases brush can build (every shipped painter uses 64).
MIN_CANVAS, MAX_CANVAS = 8, 256


@dataclass
class PainterConfig:
    """Everything needed to rebuild a painter and to know what it imitates.

    ``preset`` fixes the brush and the action ranges (actions outside them were never seen in
    training); ``arch``/``arch_args`` select the network; ``training`` records the recipe (including
    the one command that reproduces it) and ``metrics`` the measured fidelity. Construction checks
    the architecture and its arguments (:func:`check_architecture`), whoever builds it.
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

    def __post_init__(self) -> None:
        check_architecture(self.arch, self.arch_args, self.canvas, source=f"painter {self.name!r}")
        if self.method not in METHODS:
            raise PainterError(f"painter {self.name!r}: unknown training method {self.method!r}; "
                               f"known: {', '.join(METHODS)}")

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["preset"] = self.preset.to_dict()
        return {"format": FORMAT, "version": CONFIG_VERSION, **doc}

    def save(self, path: Path) -> None:
        from brushcli.files import write_json

        write_json(path, self.to_dict())

    @classmethod
    def from_dict(cls, doc: Any, source: str = "config.json", folder: Path | None = None) -> "PainterConfig":
        """Check an untrusted document and build the config.

        ``folder`` is the painter folder the document came from: only there may the preset's brush be a
        ``.myb`` file (kept as its absolute path); otherwise it must be a brush name.
        """
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise PainterError(f"{source}: not a brush painter config ('format' must be {FORMAT!r})")
        version = doc.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise PainterError(f"{source}: 'version' must be a whole number such as {CONFIG_VERSION}, got {version!r}")
        if version > CONFIG_VERSION:
            raise PainterError(
                f"{source}: painter config version {version!r} is newer than this brush understands "
                f"(version {CONFIG_VERSION}); upgrade brush"
            )
        checked = validate(_ConfigDoc, doc, source, PainterError)
        try:
            preset = Preset.from_dict(doc["preset"], source=f"{source}: preset")
        except BrushError as exc:
            raise PainterError(str(exc)) from None
        preset = replace(preset, brush=_trusted_brush(preset.brush, folder, source))
        return cls(
            name=checked.name, preset=preset, arch=checked.arch, arch_args=dict(doc.get("arch_args") or {}),
            method=checked.method, canvas=checked.canvas, training=dict(checked.training or {}),
            metrics=dict(checked.metrics or {}), hub_id=checked.hub_id,
        )

    @classmethod
    def load(cls, path: Path) -> "PainterConfig":
        path = Path(path)
        if not paths.exists(path):
            raise PainterError(f"{path}: no such file (a painter folder needs config.json)")
        doc = read_json(path, MAX_CONFIG_BYTES, PainterError, "painter config")
        return cls.from_dict(doc, source=str(path), folder=path.parent)


def check_architecture(arch: str, args: Any, canvas: Any, source: str = "painter") -> None:
    """Refuse an architecture, arguments or canvas that brush cannot build within sane memory."""
    if not isinstance(canvas, int) or isinstance(canvas, bool) or not MIN_CANVAS <= canvas <= MAX_CANVAS:
        raise PainterError(f"{source}: canvas must be a whole number of pixels in {MIN_CANVAS}..{MAX_CANVAS}, "
                           f"got {canvas!r}")
    if arch not in _ARCH_ARGS:
        raise PainterError(f"{source}: unknown painter architecture {arch!r}; known: {', '.join(_ARCH_ARGS)}")
    validate(_ARCH_ARGS[arch], args if args is not None else {}, source, PainterError, at="arch_args")


def _trusted_brush(brush: str, folder: Path | None, source: str) -> str:
    """A painter config may name a brush, or a .myb inside its own folder: never any other file."""
    if is_brush_name(brush):
        return brush
    inside = brush_in_folder(brush, folder) if folder is not None else None
    if inside is not None:
        return str(inside)
    raise PainterError(f"{source}: preset brush {brush[:80]!r} must be a brush name such as classic/pen"
                       + (" or a .myb file inside the painter folder" if folder is not None else ""))


class _DabArgs(BaseModel):
    """Arguments of the ``dabs`` network (:class:`~brushcli.painters.models.DabNet`)."""

    model_config = ConfigDict(extra="forbid")
    dabs: int_in(2, 1024) = 96  # type: ignore[valid-type]
    knots: int_in(2, 1024) = 32  # type: ignore[valid-type]
    hidden: int_in(1, 4096) = 64  # type: ignore[valid-type]
    events: int_in(0, 1000) = 0  # type: ignore[valid-type]
    spacing: tuple[bounded(0, 200), bounded(0, 200), bounded(0, 200)] = (0.0, 0.0, 0.0)  # type: ignore[valid-type]
    dtime: bounded(1e-4, 5.0) = 0.1  # type: ignore[valid-type]
    first_dab: bounded(0.0, 0.9999) = 0.999  # type: ignore[valid-type]
    #: elliptical dabs: (angle in degrees, ratio of the long to the short axis)
    ellipse: tuple[bounded(-360, 360), bounded(1, 50)] | None = None  # type: ignore[valid-type]


class _ConvArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    width: int_in(2, 256) = 32  # type: ignore[valid-type]
    fc: int_in(1, 4096) = 512  # type: ignore[valid-type]


class _VAEArgs(_ConvArgs):
    latent: int_in(1, 1024) = 32  # type: ignore[valid-type]


_ARCH_ARGS: dict[str, type[BaseModel]] = {"dabs": _DabArgs, "conv": _ConvArgs, "vae": _VAEArgs}


class _ConfigDoc(BaseModel):
    """The top level of config.json; the preset is checked by :meth:`Preset.from_dict`."""

    model_config = ConfigDict(extra="ignore")
    name: NonEmptyText
    arch: Literal["dabs", "conv", "vae"] = "dabs"
    arch_args: dict[str, Any] | None = None
    method: Literal["regression", "vae", "gan"] = "regression"
    canvas: int_in(MIN_CANVAS, MAX_CANVAS) = 64  # type: ignore[valid-type]
    training: dict[str, Any] | None = None
    metrics: dict[str, Any] | None = None
    hub_id: Text | None = None
