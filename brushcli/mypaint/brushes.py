"""Find MyPaint brushes by name (``classic/dry_brush``) or path, and read them once.

Brush files (``.myb``) are JSON. A name is resolved in the system brush folders installed by the
Debian package ``mypaint-brushes`` (and in ``$BRUSH_MYPAINT_BRUSHES``, colon-separated, searched first).
Every file is read through :mod:`brushcli.safejson` and checked against libmypaint's limits
(:mod:`brushcli.mypaint.limits`) before libmypaint ever parses it.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brushcli import paths
from brushcli.errors import BrushNotFound
from brushcli.mypaint.limits import BRUSH_VERSION, DabGeometry, check_brush_doc
from brushcli.safejson import parse_json, read_bytes

SYSTEM_BRUSH_DIRS = (
    Path("/usr/share/mypaint-data/2.0/brushes"),
    Path("/usr/share/mypaint-data/1.0/brushes"),
    Path("/usr/local/share/mypaint-data/2.0/brushes"),
    Path("/usr/share/mypaint/brushes"),
)
MAX_BRUSH_BYTES = 1 << 20
#: A brush *name* as painter configs may give it: folders and a file stem, no ``..``, no suffix.
_PART = r"[A-Za-z0-9_+#%()-][A-Za-z0-9_+#%().-]{0,99}"  # as installed: Fan#1, 100%_Opaque, ink(0.7)
_NAME = re.compile(rf"{_PART}(/{_PART}){{0,4}}")


@dataclass(frozen=True, eq=False)
class BrushSpec:
    """A resolved brush: its user-facing name, its file, its text and its checked settings."""

    name: str
    path: Path
    text: str
    settings: dict[str, dict[str, Any]]

    @functools.cached_property
    def engine_bytes(self) -> bytes:
        """The checked brush as compact JSON for ``mypaint_brush_from_string``, parsed once per stroke.

        Settings with a zero base value and no input mappings are dropped: a new libmypaint brush
        already holds exactly that, and a shorter text parses faster (brush creation is a fixed cost
        of every stroke). Unknown inputs are already gone, so libmypaint has nothing to warn about.
        """
        settings = {k: v for k, v in self.settings.items() if v["base_value"] != 0.0 or v["inputs"]}
        return json.dumps({"version": BRUSH_VERSION, "settings": settings}, separators=(",", ":")).encode("utf-8")

    def geometry(self, max_speed: float) -> DabGeometry:
        """What decides a stroke's dab count and reach (for the dab budget), for pointer speeds up
        to ``max_speed`` px/s as libmypaint sees them; cached per power of two of the speed."""
        bucket = 2.0 ** math.ceil(math.log2(max(max_speed, 1.0)))
        return _geometry(self, bucket)

    def uses_canvas_color(self) -> bool:
        """Whether the brush reads or erases canvas color (smudge, eraser, lock alpha, colorize).

        Such brushes cannot be reproduced by compositing a transparent render, so painters refuse them.
        """
        settings = self.settings

        def active(key: str) -> bool:
            entry = settings.get(key, {})
            return bool(entry.get("base_value", 0.0)) or bool(entry.get("inputs"))

        return any(active(k) for k in ("smudge", "eraser", "lock_alpha", "colorize"))


@functools.lru_cache(maxsize=64)
def _geometry(brush: BrushSpec, max_speed: float) -> DabGeometry:
    return DabGeometry.of(brush.settings, max_speed)


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
    raw = read_bytes(path, MAX_BRUSH_BYTES, BrushNotFound, "MyPaint brush file")
    data = parse_json(raw, f"brush file {path}", BrushNotFound)
    settings = check_brush_doc(data, f"brush file {path}")
    # The text is kept as written: dataset caches are keyed by it.
    return BrushSpec(name=name, path=path, text=raw.decode("utf-8"), settings=settings)


def is_brush_name(text: str) -> bool:
    """Whether ``text`` is a brush name (``classic/pen``) rather than a path to a file."""
    return bool(_NAME.fullmatch(text)) and ".." not in text.split("/") and not text.endswith(".myb")


def brush_in_folder(text: str, folder: Path) -> Path | None:
    """``folder/text`` if ``text`` names a ``.myb`` file inside ``folder`` (no way out through ``..``
    or symlinks), else None: painter folders may carry their own brush file, and nothing else."""
    if not isinstance(text, str) or not text.endswith(".myb") or "\x00" in text or os.path.isabs(text):
        return None
    root = folder.resolve()
    path = (root / text).resolve()
    return path if path.is_relative_to(root) and paths.is_file(path) else None


@functools.lru_cache(maxsize=256)
def resolve_brush(name_or_path: str) -> BrushSpec:
    """Resolve ``classic/dry_brush``, ``dry_brush`` or a path to a ``.myb`` file.

    Raises :class:`BrushNotFound` naming close matches when the name is unknown, and
    :class:`~brushcli.errors.InvalidBrushFile` when the file is outside libmypaint's limits.
    """
    if not isinstance(name_or_path, str) or not name_or_path.strip() or "\x00" in name_or_path \
            or len(name_or_path) > 4096:
        raise BrushNotFound(f"{str(name_or_path)[:80]!r} is not a brush name or .myb path")
    candidate = Path(name_or_path).expanduser()
    if name_or_path.endswith(".myb") or os.sep in name_or_path and paths.exists(candidate):
        if paths.is_file(candidate) or name_or_path.endswith(".myb"):
            if not paths.exists(candidate):
                raise BrushNotFound(f"brush file {candidate} does not exist")
            return _read(candidate, str(candidate))
    key = name_or_path.strip().removesuffix(".myb")
    for folder in brush_dirs():
        path = folder / f"{key}.myb"
        if paths.is_file(path):
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
