"""Where brush keeps per-user files, found through platformdirs (so XDG variables are honoured).

- the cache (rendered training strokes, agent datasets): ``$BRUSH_CACHE_DIR``, else platformdirs'
  user cache folder (``$XDG_CACHE_HOME/brush``, by default ``~/.cache/brush`` on Linux);
- your painters: platformdirs' user data folder + ``painters`` (``$XDG_DATA_HOME/brush/painters``, by
  default ``~/.local/share/brush/painters`` on Linux). A painter folder put there is found by its
  bare name (``--painter NAME``) and listed by ``brush painters list``.

Both are read from the environment on every call, so tests and long-lived processes that change the
variables get what they asked for. Nothing here creates a folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "brush"


def cache_dir() -> Path:
    """``$BRUSH_CACHE_DIR``, else the user cache folder (``$XDG_CACHE_HOME/brush`` on Linux)."""
    env = os.environ.get("BRUSH_CACHE_DIR")
    return Path(env).expanduser() if env else Path(platformdirs.user_cache_dir(APP, appauthor=False))


def painters_dir() -> Path:
    """The folder of your own painters (``$XDG_DATA_HOME/brush/painters`` on Linux)."""
    return Path(platformdirs.user_data_dir(APP, appauthor=False)) / "painters"
