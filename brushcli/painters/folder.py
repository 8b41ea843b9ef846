"""Saving and loading painter folders: ``config.json`` + ``model.safetensors`` (+ ``README.md``).

Weights are read only with safetensors, never unpickled, so a downloaded painter cannot run code.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch

from brushcli.checkpoint import CARD_FILE, CONFIG_FILE, WEIGHTS_FILE, read_safetensors, write_model_folder
from brushcli.errors import PainterError
from brushcli.painters.config import PainterConfig
from brushcli.painters.painter import Painter

#: A painter's weights are a few MB; refuse to read anything absurdly larger.
MAX_WEIGHTS_BYTES = 512 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_state(path: Path) -> dict[str, torch.Tensor]:
    """Read painter weights (safetensors only), turning every failure into :class:`PainterError`."""
    return read_safetensors(path, MAX_WEIGHTS_BYTES, PainterError)


def load_painter_folder(folder: Path, expected_sha256: str | None = None) -> Painter:
    """Build a :class:`Painter` from a folder; optionally verify the weights' sha256 first."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PainterError(f"painter folder {folder} does not exist")
    config = PainterConfig.load(folder / CONFIG_FILE)
    weights = folder / WEIGHTS_FILE
    if expected_sha256 is not None and weights.is_file():
        actual = sha256_file(weights)
        if actual != expected_sha256:
            raise PainterError(
                f"{weights}: sha256 {actual[:12]}... does not match the registry ({expected_sha256[:12]}...); "
                "the file is corrupt or was modified, reinstall brush"
            )
    state = load_state(weights)
    painter = Painter(config)
    try:
        painter.net.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
        detail = lines[1] if len(lines) > 1 else lines[0] if lines else "state dict mismatch"
        raise PainterError(f"{weights}: weights do not fit architecture {config.arch!r} ({detail})") from exc
    painter.eval()
    return painter


def save_painter_folder(painter: Painter, folder: Path, card: str | None = None) -> Path:
    """Write (or update) a painter folder; each file is replaced atomically, weights first."""
    return write_model_folder(folder, painter.net.state_dict(), painter.config.to_dict(), card, "brush-painter")
