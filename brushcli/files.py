"""Atomic file writes (PNG, JSON, anything through :func:`atomic_path`) and output-path checks.

Every file is written to a temporary name in its destination folder and renamed into place, so an
error or Ctrl-C never leaves a half-written output behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from brushcli.errors import OutputError

#: The file brush writes into every output folder it makes (what it wrote, with which settings).
OUTPUT_MARKER = ".brush-output.json"


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Float image in 0..1 to uint8, rounding to nearest."""
    return np.round(np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0) * 255.0).astype(np.uint8)


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (and parents) or raise :class:`OutputError` saying why not."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output directory {path}: {exc.strerror or exc}") from exc
    check_output_file(path / ".probe")
    return path


def check_can_create(folder: Path) -> None:
    """Fail early, creating nothing, if ``folder`` could not be made: its nearest existing ancestor
    must be a writable directory."""
    folder = Path(folder)
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"cannot create output directory {folder}: {probe} is not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"cannot create output directory {folder}: {probe} is not writable")


def check_output_file(path: Path) -> None:
    """Fail early, before long work, if ``path`` cannot be written (probes with a real temp file)."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"output {path} is a directory; give a file name")
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(f"output directory {parent} does not exist")
    try:
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".brush-probe-"):
            pass
    except OSError as exc:
        raise OutputError(f"output directory {parent} is not writable ({exc.strerror or exc})") from exc


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only if the block succeeds."""
    path = Path(path)
    check_output_file(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part" + path.suffix, dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp makes 0600 (and some writers, safetensors' among them, recreate the file 0600):
        # outputs get the usual permissions
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_png(path: Path, image: np.ndarray) -> Path:
    """Save a float RGB (H, W, 3) or gray (H, W) image in 0..1 as PNG, atomically."""
    from PIL import Image

    with atomic_path(Path(path)) as tmp:
        Image.fromarray(to_uint8(image)).save(tmp, format="PNG", compress_level=3)
    return Path(path)


def write_json(path: Path, doc: Any) -> Path:
    """Write JSON (or an already serialised string) atomically."""
    text = doc if isinstance(doc, str) else json.dumps(doc, indent=1)
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
    return Path(path)
