"""A painting's output folder: ``OUT/<name>/`` written whole, and never at a user's expense.

The folder holds ``strokes.json``, ``neural.png``, ``mypaint.png`` (real MyPaint replay at the
output size), ``compare.png`` (target | neural | MyPaint, labelled), ``timelapse.gif``, ``metrics.json`` and a
marker, ``.brush-output.json``, recording the command's settings and the files brush wrote.

Rules (the same for every command):
- a missing folder is written into a hidden temporary folder and renamed into place, so an error or
  Ctrl-C never leaves a half-written result that looks finished;
- an existing folder is only touched if its marker says brush wrote it: brush's files are replaced
  one by one (the marker last), anything else in it is left alone;
- a folder brush did not write, or a file or symlink in the way, is refused before any work starts;
- a finished folder whose recorded settings match is "done": skipped unless ``overwrite``; one with
  other settings is replaced only with ``overwrite``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from brushcli.errors import OutputError
from brushcli.files import OUTPUT_MARKER, check_can_create, ensure_dir, write_json
from brushcli.images import fit_long_side, resize
from brushcli.safejson import read_json
from brushcli.outputs.result import Painting
from brushcli.outputs.writers import export, write_image

MARKER = OUTPUT_MARKER
OUTPUT_FILES = ("strokes.json", "neural.png", "mypaint.png", "compare.png", "timelapse.gif", "metrics.json")


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of a folder brush wrote, or None (no marker, unreadable, or not brush's format)."""
    path = Path(folder) / MARKER
    if path.is_symlink() or not path.is_file():
        return None
    try:
        doc = read_json(path, 1 << 20, OutputError, "brush output marker")
    except OutputError:
        return None
    return doc if isinstance(doc, dict) and isinstance(doc.get("files"), list) else None


def _brush_wrote(folder: Path) -> bool:
    """A marker, or (folders of brush before markers existed) nothing but brush's own output files."""
    if read_marker(folder) is not None:
        return True
    names = {p.name for p in Path(folder).iterdir()}
    return bool(names) and names <= set(OUTPUT_FILES) and all(not (Path(folder) / n).is_symlink() for n in names)


def is_done(folder: Path, settings: dict[str, Any] | None = None) -> bool:
    """Whether ``folder`` holds a finished painting brush wrote with these ``settings`` (None: any)."""
    marker = read_marker(folder)
    if marker is None:
        return False
    if settings is not None and marker.get("settings") != _plain(settings):
        return False
    return all((Path(folder) / str(name)).is_file() for name in marker["files"])


def prepare_folder(folder: Path, settings: dict[str, Any], overwrite: bool = False) -> bool:
    """Check ``folder`` before the work starts: True to paint, False to skip (already done).

    Creates nothing. Raises :class:`OutputError` (one line) for a path that is a file or a symlink,
    a folder brush did not write, or a finished painting with other settings without ``overwrite``.
    """
    folder = Path(folder)
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise OutputError(f"output {folder} exists and is not a folder; choose another --out")
    if not folder.exists():
        check_can_create(folder)  # nothing is created before the work succeeds
        return True
    if any(folder.iterdir()) and not _brush_wrote(folder):
        raise OutputError(f"output folder {folder} exists and was not written by brush; choose another --out "
                          "or move it away (brush never deletes files it did not write)")
    if is_done(folder, settings):
        return overwrite
    if is_done(folder) and not overwrite:
        raise OutputError(f"{folder} holds a painting made with other settings; use --overwrite to replace it")
    return True


def side_by_side(*images: np.ndarray, gap: int = 4, labels: Sequence[str] | None = None) -> np.ndarray:
    """Images next to each other on white, top-aligned, ``gap`` px apart, each under its label if given."""
    if labels is not None:
        images = tuple(labelled(img, text) for img, text in zip(images, labels))
    h = max(i.shape[0] for i in images)
    parts = []
    for i, img in enumerate(images):
        pad = np.ones((h, img.shape[1], 3), np.float32)
        pad[: img.shape[0]] = img
        parts.append(pad)
        if i < len(images) - 1:
            parts.append(np.ones((h, gap, 3), np.float32))
    return np.concatenate(parts, axis=1)


def labelled(image: np.ndarray, text: str, size: int | None = None) -> np.ndarray:
    """``image`` under a white strip holding ``text`` (what a panel of compare.png shows), in letters
    ``size`` px high (default: a 24th of the width, 10..28)."""
    from PIL import Image, ImageDraw, ImageFont

    width = image.shape[1]
    size = size or max(10, min(28, width // 24))
    font = ImageFont.load_default(size=size)
    strip = Image.new("RGB", (width, int(size * 1.6)), "white")
    draw = ImageDraw.Draw(strip)
    while len(text) > 4 and draw.textlength(text, font=font) > width - 8:
        text = text[:-2].rstrip() + "…"
    draw.text((4, int(size * 0.25)), text, fill=(40, 40, 40), font=font)
    head = np.asarray(strip, np.float32) / 255.0
    return np.concatenate([head, np.asarray(image, np.float32)[..., :3]], axis=0)


def neural_label(painting: Painting) -> str:
    """compare.png's label of the neural panel: says when the painter drew at less than the output size."""
    width, height = painting.size
    if painting.neural_side and painting.neural_side < max(width, height):
        return f"neural ({painting.neural_side} px painter render, upscaled)"
    return "neural"


def write_painting(
    painting: Painting,
    folder: Path,
    settings: dict[str, Any],
    started: float | None = None,
) -> Painting:
    """Write every output of ``painting`` into ``folder`` (checked with :func:`prepare_folder` first).

    ``settings`` are recorded in the marker (what makes two runs "the same painting"); ``started``
    (a ``time.perf_counter()`` value) makes ``metrics["seconds"]`` the end-to-end time.
    """
    folder = Path(folder)
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise OutputError(f"output {folder} exists and is not a folder; choose another --out")
    ensure_dir(folder.parent)
    real = painting.mypaint()
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=folder.parent))
    try:
        export(painting, tmp / "strokes.json")
        neural = painting.neural if painting.neural is not None else real.image
        write_image(tmp / "neural.png", _at_painter_size(painting, neural))
        export(painting, tmp / "mypaint.png")
        panels = [neural, real.image]
        labels = [neural_label(painting), "MyPaint"]
        if painting.target is not None:
            panels, labels = [painting.target, *panels], ["target", *labels]
        write_image(tmp / "compare.png", side_by_side(*panels, labels=labels))
        export(painting, tmp / "timelapse.gif")
        metrics = painting.metrics
        if started is not None:  # end to end: load, optimise, replay, GIF
            metrics["seconds"] = time.perf_counter() - started
        write_json(tmp / "metrics.json", json.dumps(_round(metrics), indent=1))
        write_json(tmp / MARKER, {"settings": _plain(settings), "files": list(OUTPUT_FILES)})
        os.chmod(tmp, 0o777 & ~_umask())
        if not folder.exists():
            tmp.rename(folder)
        else:
            if any(folder.iterdir()) and not _brush_wrote(folder):
                raise OutputError(f"output folder {folder} was not written by brush; nothing was replaced")
            for name in (*OUTPUT_FILES, MARKER):  # brush's own files only, the marker last
                os.replace(tmp / name, folder / name)
            shutil.rmtree(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    painting.folder = folder
    painting.info["seconds"] = metrics.get("seconds", painting.seconds)
    return painting


def _at_painter_size(painting: Painting, neural: np.ndarray) -> np.ndarray:
    """The neural render at the size the painter drew it, when that is less than the output (no fake detail)."""
    width, height = painting.size
    if not painting.neural_side or painting.neural_side >= max(width, height):
        return neural
    return resize(neural, *fit_long_side(width, height, painting.neural_side))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _plain(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` as it reads back from JSON (tuples become lists), so recorded and current settings compare."""
    return json.loads(json.dumps(doc, default=str))


def _round(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in doc.items()}
