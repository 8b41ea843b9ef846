"""Locate the data folders that ship with brush (``presets/``, ``weights/``).

In a source checkout (and an editable install) they sit next to the ``brushcli`` package; a wheel
carries copies inside the package as ``brushcli/_data/<name>``. ``$BRUSH_DATA_DIR`` overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder holding shipped data ``name`` (``"presets"`` or ``"weights"``)."""
    override = os.environ.get("BRUSH_DATA_DIR")
    candidates = [Path(override) / name] if override else []
    candidates += [PACKAGE_DIR / "_data" / name, PACKAGE_DIR.parent / name]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[-1]
