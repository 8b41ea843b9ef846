"""Writers keyed by file suffix: ``export(painting, "x.png")`` writes what ``.png`` means.

Every writer takes a :class:`~brushcli.outputs.result.Painting`, a path and the
:class:`~brushcli.outputs.options.ExportOptions`, and writes atomically. A new format is one function
plus one line in :data:`WRITERS`; an unknown suffix is refused with one clear error before anything
is written, never answered with bytes of another format.

| suffix | content |
|---|---|
| ``.png`` ``.webp`` | the MyPaint replay (transparent: strokes only, with alpha) |
| ``.jpg`` ``.jpeg`` | the MyPaint replay (no transparency) |
| ``.ora`` | OpenRaster: background + stroke layers, each a MyPaint render (:mod:`~brushcli.outputs.ora`) |
| ``.svg`` | strokes as vector paths (:mod:`~brushcli.outputs.svg`) |
| ``.gif`` ``.mp4`` ``.webm`` | time-lapse of the replay (:mod:`~brushcli.outputs.video`) |
| ``.json`` | the stroke file |
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from brushcli.errors import OutputError
from brushcli.files import atomic_path, check_output_file, to_uint8, write_json, write_png
from brushcli.outputs.options import ExportOptions
from brushcli.outputs.ora import write_ora
from brushcli.outputs.result import Painting, straight_rgba
from brushcli.outputs.svg import write_svg
from brushcli.outputs.video import write_gif_timelapse, write_video_timelapse

Writer = Callable[[Painting, Path, ExportOptions], None]


def write_image(path: Path, image: np.ndarray, format: str = "PNG", alpha: np.ndarray | None = None) -> Path:
    """Save a float RGB image in 0..1 as ``format`` (PNG, JPEG, WEBP), atomically.

    With ``alpha`` (H, W), ``image`` is taken as premultiplied (as MyPaint paints it) and written as
    RGBA with straight color, which is what PNG and WebP store.
    """
    if format == "PNG" and alpha is None:
        return write_png(path, image)
    from PIL import Image

    if alpha is not None:
        pixels = Image.fromarray(straight_rgba(image, alpha), "RGBA")
    else:
        pixels = Image.fromarray(to_uint8(image))
    options = {"quality": 95} if format in ("JPEG", "WEBP") else {"compress_level": 3} if format == "PNG" else {}
    if format == "WEBP" and alpha is not None:
        options = {"lossless": True, "exact": True}  # lossy WebP alpha bleeds at stroke edges; exact: RGB kept
    with atomic_path(Path(path)) as tmp:
        pixels.save(tmp, format=format, **options)
    return Path(path)


def _raster(format: str) -> Writer:
    def write(painting: Painting, path: Path, options: ExportOptions) -> None:
        if options.transparent:
            clear = painting.transparent()
            write_image(path, clear.image, format, alpha=clear.alpha)
        else:
            write_image(path, painting.mypaint().image, format)

    return write


def _strokes(painting: Painting, path: Path, options: ExportOptions) -> None:
    write_json(path, painting.strokes.to_json())


#: Suffix -> writer. Flat formats hold the real MyPaint replay; ``.gif``/``.mp4``/``.webm`` its time-lapse.
WRITERS: dict[str, Writer] = {
    ".png": _raster("PNG"),
    ".jpg": _raster("JPEG"),
    ".jpeg": _raster("JPEG"),
    ".webp": _raster("WEBP"),
    ".ora": write_ora,
    ".svg": write_svg,
    ".gif": write_gif_timelapse,
    ".mp4": write_video_timelapse,
    ".webm": write_video_timelapse,
    ".json": _strokes,
}
#: Formats that can hold a transparent background (time-lapses always show the paper; JPEG refuses).
TRANSPARENT = (".png", ".webp", ".ora", ".svg")
#: Formats made from the replay's time-lapse (the replay must record one).
TIMELAPSE = (".gif", ".mp4", ".webm")


def writer_for(path: Path) -> Writer:
    """The writer for ``path``'s suffix, or :class:`OutputError` naming the suffixes that exist."""
    suffix = Path(path).suffix.lower()
    if suffix not in WRITERS:
        known = ", ".join(sorted(WRITERS))
        shown = suffix or "no suffix"
        raise OutputError(f"cannot write {path}: unknown output format ({shown}); use one of {known}")
    return WRITERS[suffix]


def check_export(path: Path, options: ExportOptions | None = None) -> None:
    """Fail before any work if ``path`` has an unknown suffix, cannot hold ``options`` or cannot be written."""
    writer_for(path)
    if options is not None:
        options.validate()
        suffix = Path(path).suffix.lower()
        if options.transparent and suffix not in (*TRANSPARENT, *TIMELAPSE, ".json"):
            raise OutputError(f"cannot write {path} with a transparent background: {suffix} has no transparency; "
                              f"use one of {', '.join(TRANSPARENT)}")
    check_output_file(Path(path))


def export(painting: Painting, path: Path, options: ExportOptions | None = None) -> Path:
    """Write ``painting`` to ``path`` in the format its suffix names."""
    writer_for(path)(painting, Path(path), options or ExportOptions())
    return Path(path)
