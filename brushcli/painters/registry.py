"""Finding painters by name: bundled ones, ``local-dir:PATH`` and ``hf-hub:ORG/REPO[@REV]``.

Like timm's ``create_model``, one factory takes every form; anything else is refused with an error
that says which forms exist. Bundled weights are verified against the sha256 recorded here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from brushcli import paths
from brushcli.errors import PainterError
from brushcli.painters.folder import load_painter_folder
from brushcli.painters.painter import Painter
from brushcli.resources import data_dir


@dataclass(frozen=True)
class BundledPainter:
    """A painter shipped in ``weights/<folder>`` with the sha256 of its ``model.safetensors``."""

    name: str
    folder: str
    sha256: str
    description: str
    hub_id: str | None = None


#: The painters that ship with brush. Retrain with the command in each folder's README.md, then
#: update the sha256 (``brush painters info NAME`` prints it).
BUNDLED: dict[str, BundledPainter] = {}

#: What ``brush paint`` and friends use when no --painter is given.
DEFAULT_PAINTER = "pen"

FORMS = "a bundled name ({names}), local-dir:PATH or hf-hub:ORG/REPO[@REVISION]"


def register(entry: BundledPainter) -> None:
    BUNDLED[entry.name] = entry


def list_painters() -> list[str]:
    return sorted(BUNDLED)


def weights_dir() -> Path:
    return data_dir("weights")


def _forms() -> str:
    return FORMS.format(names=", ".join(list_painters()) or "none")


def resolve_painter_folder(name: str) -> tuple[Path, str | None]:
    """Where painter ``name`` lives on disk (downloading hub painters), and its expected sha256."""
    if not isinstance(name, str) or not name.strip():
        raise PainterError(f"empty painter name; use {_forms()}")
    name = name.strip()
    if name.startswith("local-dir:"):
        path = Path(name[len("local-dir:"):]).expanduser()
        if not paths.is_dir(path):
            raise PainterError(f"painter folder {path} does not exist")
        return path, None
    if name.startswith("hf-hub:"):
        from brushcli.painters.hub import download_painter

        return download_painter(name[len("hf-hub:"):]), None
    if name in BUNDLED:
        entry = BUNDLED[name]
        return weights_dir() / entry.folder, entry.sha256
    if paths.is_dir(Path(name).expanduser()):
        raise PainterError(f"unknown painter {name!r}; to load that folder use local-dir:{name}")
    import difflib

    close = difflib.get_close_matches(name, list_painters(), n=2, cutoff=0.5)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    raise PainterError(f"unknown painter {name!r}{hint}; use {_forms()}")


def create_painter(name: str = DEFAULT_PAINTER, device: str | torch.device = "cpu") -> Painter:
    """Load a painter by name, on ``device``, in eval mode with gradients off for its weights.

    >>> painter = create_painter("pen")             # doctest: +SKIP
    >>> alpha = painter(torch.rand(8, 9))            # (8, 64, 64)
    """
    folder, sha = resolve_painter_folder(name)
    painter = load_painter_folder(folder, expected_sha256=sha)
    if not all(bool(torch.isfinite(p).all()) for p in painter.parameters()):
        # a diverged training run (say --lr inf) would paint NaN strokes that no replay can read
        raise PainterError(f"painter {name!r} has NaN or infinite weights; retrain it with a smaller --lr")
    painter.requires_grad_(False)
    return painter.to(device)


def _register_bundled() -> None:
    register(BundledPainter(
        name="pen", folder="pen", sha256="3701e807e71060d412815d31e00c878bf8221da7e651b7e85c400baa28f4c322", description="Clean-edged opaque pen (classic/pen), for photos.",
    ))
    register(BundledPainter(
        name="dry-brush", folder="dry-brush", sha256="1ae4f912c2059e1eb91915a00c865e858640be6c7f51ecf80e03e64db3a3c535",
        description="The Neural Painters paper's textured dry brush (classic/dry_brush).",
    ))


_register_bundled()
