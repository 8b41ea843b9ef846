"""Find MyPaint brushes by name (``classic/dry_brush``) or path, and read them once.

Brush files (``.myb``) are JSON. A name is resolved in the system brush folders installed by the
Debian package ``mypaint-brushes`` (and in ``$BRUSH_MYPAINT_BRUSHES``, colon-separated, searched first).
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

from brushcli.errors import BrushNotFound

SYSTEM_BRUSH_DIRS = (
    Path("/usr/share/mypaint-data/2.0/brushes"),
    Path("/usr/share/mypaint-data/1.0/brushes"),
    Path("/usr/local/share/mypaint-data/2.0/brushes"),
    Path("/usr/share/mypaint/brushes"),
)
MAX_BRUSH_BYTES = 1 << 20


@dataclass(frozen=True, eq=False)
class BrushSpec:
    """A resolved brush: its user-facing name, its file and the JSON text handed to libmypaint."""

    name: str
    path: Path
    text: str

    @functools.cached_property
    def engine_bytes(self) -> bytes:
        """The brush as compact JSON for ``mypaint_brush_from_string``, parsed once per stroke.

        Settings with a zero base value and no input mappings are dropped: a new libmypaint brush
        already holds exactly that, and a shorter text parses faster (brush creation is a fixed cost
        of every stroke).
        """
        data = json.loads(self.text)
        data["settings"] = {
            k: v
            for k, v in data["settings"].items()
            if not isinstance(v, dict) or v.get("base_value", 0.0) != 0.0 or v.get("inputs")
        }
        return json.dumps(data, separators=(",", ":")).encode("utf-8")

    @property
    def settings(self) -> dict[str, dict]:
        """The brush's settings as parsed from the .myb file."""
        return json.loads(self.text).get("settings", {})

    def uses_canvas_color(self) -> bool:
        """Whether the brush reads or erases canvas color (smudge, eraser, lock alpha, colorize).

        Such brushes cannot be reproduced by compositing a transparent render, so painters refuse them.
        """
        settings = self.settings

        def active(key: str) -> bool:
            entry = settings.get(key, {})
            return bool(entry.get("base_value", 0.0)) or bool(entry.get("inputs"))

        return any(active(k) for k in ("smudge", "eraser", "lock_alpha", "colorize"))


def brush_dirs() -> list[Path]:
    """Folders searched for brush names, most specific first."""
    extra = [Path(p) for p in os.environ.get("BRUSH_MYPAINT_BRUSHES", "").split(":") if p]
    return extra + [d for d in SYSTEM_BRUSH_DIRS if d.is_dir()]


def list_brushes() -> list[str]:
    """All brush names found in the brush folders, sorted (``classic/pen``, ...)."""
    names: set[str] = set()
    for folder in brush_dirs():
        for path in folder.rglob("*.myb"):
            names.add(path.relative_to(folder).with_suffix("").as_posix())
    return sorted(names)


def _read(path: Path, name: str) -> BrushSpec:
    try:
        size = path.stat().st_size
        if size > MAX_BRUSH_BYTES:
            raise BrushNotFound(f"brush file {path} is {size} bytes, more than a .myb can be (1 MiB)")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BrushNotFound(f"cannot read brush file {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BrushNotFound(f"brush file {path} is not a MyPaint brush (not JSON: {exc.msg})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("settings"), dict):
        raise BrushNotFound(f"brush file {path} is not a MyPaint brush (no 'settings' object)")
    return BrushSpec(name=name, path=path, text=text)


@functools.lru_cache(maxsize=256)
def resolve_brush(name_or_path: str) -> BrushSpec:
    """Resolve ``classic/dry_brush``, ``dry_brush`` or a path to a ``.myb`` file.

    Raises :class:`BrushNotFound` naming close matches when the name is unknown.
    """
    candidate = Path(name_or_path).expanduser()
    if name_or_path.endswith(".myb") or os.sep in name_or_path and candidate.exists():
        if candidate.is_file() or name_or_path.endswith(".myb"):
            if not candidate.exists():
                raise BrushNotFound(f"brush file {candidate} does not exist")
            return _read(candidate, str(candidate))
    key = name_or_path.strip().removesuffix(".myb")
    for folder in brush_dirs():
        path = folder / f"{key}.myb"
        if path.is_file():
            return _read(path, key)
    known = list_brushes()
    if not known:
        raise BrushNotFound(
            f"unknown brush {name_or_path!r}: no MyPaint brushes are installed; "
            "install them with: sudo apt-get install -y mypaint-brushes"
        )
    short = [n for n in known if n.split("/")[-1] == key]
    if len(short) >= 1:
        return resolve_brush(short[0])
    import difflib

    close = difflib.get_close_matches(key, known, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `brush brushes` lists them"
    raise BrushNotFound(f"unknown brush {name_or_path!r}{hint}")
