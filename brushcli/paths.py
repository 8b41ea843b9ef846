"""Asking what a user-given path is, without letting a bad path raise.

``Path.exists()`` raises for a name longer than the file system allows (ENAMETOOLONG) or one
holding a NUL byte; a loader that asks first would then fail with a traceback instead of its own
one-line error. These answer False instead, and the loader reports the path as missing.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def _mode(path: str | Path) -> int | None:
    try:
        return os.stat(path).st_mode
    except (OSError, ValueError):
        return None


def exists(path: str | Path) -> bool:
    """Whether ``path`` names something that can be stat'ed."""
    return _mode(path) is not None


def is_file(path: str | Path) -> bool:
    """Whether ``path`` is a regular file (following symlinks)."""
    mode = _mode(path)
    return mode is not None and stat.S_ISREG(mode)


def is_dir(path: str | Path) -> bool:
    """Whether ``path`` is a folder (following symlinks)."""
    mode = _mode(path)
    return mode is not None and stat.S_ISDIR(mode)
