"""Finding painters by name: bundled ones, your own, folders, ``local-dir:PATH`` and ``hf-hub:ORG/REPO[@REV]``.

Like timm's ``create_model``, one factory takes every form; anything else is refused with an error
that says which forms exist. Bundled weights are verified against the sha256 recorded here.

The rule for ``--painter TEXT`` (:func:`resolve_painter_folder`), in order:

1. ``local-dir:PATH`` is the folder PATH; ``hf-hub:ORG/REPO[@REV]`` is downloaded from the Hub (cached).
2. Text that looks like a path (it contains ``/``, or starts with ``.`` or ``~``) is a painter folder.
3. A bare NAME is a bundled painter, else a folder NAME in your painters folder
   (:func:`brushcli.userdirs.painters_dir`), else a folder NAME in the current directory.

So a bundled name wins over a same-named folder here (``./pen`` loads the folder): a stray ``pen/``
folder can never silently replace the default painter.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

import torch

from brushcli import paths, userdirs
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

FORMS = ("a bundled name ({names}), a painter folder (PATH or local-dir:PATH), a NAME in {mine} "
         "or hf-hub:ORG/REPO[@REVISION]")
LOCAL_PREFIX, HUB_PREFIX = "local-dir:", "hf-hub:"


def register(entry: BundledPainter) -> None:
    BUNDLED[entry.name] = entry


def list_painters() -> list[str]:
    """The bundled painter names."""
    return sorted(BUNDLED)


def weights_dir() -> Path:
    return data_dir("weights")


def _forms() -> str:
    return FORMS.format(names=", ".join(list_painters()) or "none", mine=userdirs.painters_dir())


def looks_like_path(text: str) -> bool:
    """Whether ``--painter`` text names a folder rather than a painter: ``a/b``, ``./x``, ``~/x``, ``/x``."""
    return "/" in text or os.sep in text or text.startswith((".", "~"))


def resolve_painter_folder(name: str) -> tuple[Path, str | None]:
    """Where painter ``name`` lives on disk (downloading hub painters), and its expected sha256.

    The order is the module's rule: prefixes, then paths, then bundled names, your painters folder
    and the current directory.
    """
    if not isinstance(name, str) or not name.strip():
        raise PainterError(f"empty painter name; use {_forms()}")
    name = name.strip()
    if name.startswith(LOCAL_PREFIX):
        return _existing_folder(name[len(LOCAL_PREFIX):]), None
    if name.startswith(HUB_PREFIX):
        from brushcli.painters.hub import download_painter

        return download_painter(name[len(HUB_PREFIX):]), None
    if looks_like_path(name):
        return _existing_folder(name), None
    if name in BUNDLED:
        entry = BUNDLED[name]
        return weights_dir() / entry.folder, entry.sha256
    for folder in (userdirs.painters_dir() / name, Path(name)):
        if paths.is_dir(folder):
            return folder, None
    import difflib

    known = list_painters() + list_local_names()
    close = difflib.get_close_matches(name, known, n=2, cutoff=0.5)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    raise PainterError(f"unknown painter {name!r}{hint}; use {_forms()}")


def _existing_folder(text: str) -> Path:
    path = Path(text).expanduser()
    if paths.is_dir(path):
        return path
    hint = ""
    if not text.startswith((".", "~", "/")) and text.count("/") == 1 and not paths.exists(path):
        hint = f" (to download it from the Hugging Face Hub use hf-hub:{text})"
    what = "is not a folder" if paths.exists(path) else "does not exist"
    raise PainterError(f"painter folder {path} {what}{hint}")


def list_local_names() -> list[str]:
    """Names of the folders in your painters folder (whether or not they load)."""
    root = userdirs.painters_dir()
    try:
        return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []


def painter_reference(folder: Path, hub_id: str | None = None) -> str:
    """The shortest ``--painter`` text that loads the painter in ``folder`` (inverse of the rule).

    ``hf-hub:ID`` for a painter published as ``hub_id``; the bare name for a bundled folder or one in
    your painters folder (unless a bundled painter has that name); else the folder as a path, shell
    quoted, with ``./`` in front of a bare relative name so it is read as a folder.
    """
    if hub_id:
        return f"{HUB_PREFIX}{hub_id}"
    folder = Path(folder)
    resolved = folder.expanduser().resolve()
    if resolved.parent == weights_dir().resolve() and is_bare_name(resolved.name):
        return resolved.name
    if (resolved.parent == userdirs.painters_dir().expanduser().resolve() and is_bare_name(resolved.name)
            and resolved.name not in BUNDLED):
        return resolved.name
    text = str(folder)
    if not looks_like_path(text):
        text = f"./{text}"
    return shlex.quote(text)


def is_bare_name(name: str) -> bool:
    """Whether ``--painter NAME`` reads ``name`` as a name (not a path) that needs no shell quoting."""
    return bool(name) and not looks_like_path(name) and ":" not in name and shlex.quote(name) == name


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


#: The painters in ``weights/``: name (= folder), sha256 of model.safetensors, description.
_BUNDLED_TABLE = (
    ("pen", "3701e807e71060d412815d31e00c878bf8221da7e651b7e85c400baa28f4c322",
     "Clean-edged opaque pen (classic/pen), for photos."),
    ("dry-brush", "1ae4f912c2059e1eb91915a00c865e858640be6c7f51ecf80e03e64db3a3c535",
     "The Neural Painters paper's textured dry brush (classic/dry_brush)."),
    ("charcoal", "28fc0acbe2588d213936f6f9816e9d2bce8c4aff21b78c3139f3d602be361b37",
     "Grainy charcoal (classic/charcoal): soft specks scattered around the stroke."),
    ("calligraphy", "4cacf088f354eddc2bb97a5ea10978ce2775746c1283d9b27fa33e954c693e5e",
     "Calligraphy ink (classic/calligraphy): an opaque flat nib, thick or thin by direction."),
    ("glaze", "d25840be3153a60817fd509936e06e9a08fd48158025642876c43ad7f697f02d",
     "Translucent soft glaze (deevad/detail_brush_large_glazing), watercolour-like washes."),
)


def _register_bundled() -> None:
    for name, sha256, description in _BUNDLED_TABLE:
        register(BundledPainter(name=name, folder=name, sha256=sha256, description=description))


_register_bundled()
