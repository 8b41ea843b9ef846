"""Writers keyed by file suffix: ``export(painting, "x.png")`` writes what ``.png`` means.

Every writer takes a :class:`~brushcli.outputs.result.Painting` and a path and writes atomically.
A new format is one function plus one line in :data:`WRITERS`; an unknown suffix is refused with
one clear error before anything is written, never answered with bytes of another format.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from brushcli.errors import OutputError
from brushcli.files import atomic_path, check_output_file, to_uint8, write_json, write_png
from brushcli.outputs.result import Painting

Writer = Callable[[Painting, Path], None]


def write_image(path: Path, image: np.ndarray, format: str = "PNG") -> Path:
    """Save a float RGB image in 0..1 as ``format`` (PNG, JPEG, WEBP), atomically."""
    if format == "PNG":
        return write_png(path, image)
    from PIL import Image

    options = {"quality": 95} if format in ("JPEG", "WEBP") else {}
    with atomic_path(Path(path)) as tmp:
        Image.fromarray(to_uint8(image)).save(tmp, format=format, **options)
    return Path(path)


def write_gif(path: Path, frames: Sequence[np.ndarray], seconds: float = 4.0, hold: float = 1.5) -> Path:
    """Save float RGB frames as a looping GIF lasting about ``seconds``, holding the last frame."""
    from PIL import Image

    if not frames:
        raise OutputError(f"no frames to write to {path}")
    images = [Image.fromarray(to_uint8(f)) for f in frames]
    # One palette from the finished painting (it holds every color), mapped without dithering: per-frame
    # adaptive palettes cost ~0.15 s a frame and make colors flicker between frames.
    palette = images[-1].quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    images = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
    step_ms = max(20, int(1000 * seconds / max(1, len(images) - 1)))
    durations = [step_ms] * (len(images) - 1) + [int(hold * 1000)]
    with atomic_path(Path(path)) as tmp:
        images[0].save(
            tmp, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0,
            optimize=False,
        )
    return Path(path)


def _raster(format: str) -> Writer:
    def write(painting: Painting, path: Path) -> None:
        write_image(path, painting.mypaint().image, format)

    return write


def _timelapse(painting: Painting, path: Path) -> None:
    write_gif(path, painting.mypaint().frames)


def _strokes(painting: Painting, path: Path) -> None:
    write_json(path, painting.strokes.to_json())


#: Suffix -> writer. Flat formats hold the real MyPaint replay; ``.gif`` its stroke-by-stroke time-lapse.
WRITERS: dict[str, Writer] = {
    ".png": _raster("PNG"),
    ".jpg": _raster("JPEG"),
    ".jpeg": _raster("JPEG"),
    ".webp": _raster("WEBP"),
    ".gif": _timelapse,
    ".json": _strokes,
}


def writer_for(path: Path) -> Writer:
    """The writer for ``path``'s suffix, or :class:`OutputError` naming the suffixes that exist."""
    suffix = Path(path).suffix.lower()
    if suffix not in WRITERS:
        known = ", ".join(sorted(WRITERS))
        shown = suffix or "no suffix"
        raise OutputError(f"cannot write {path}: unknown output format ({shown}); use one of {known}")
    return WRITERS[suffix]


def check_export(path: Path) -> None:
    """Fail before any work if ``path`` has an unknown suffix or cannot be written."""
    writer_for(path)
    check_output_file(Path(path))


def export(painting: Painting, path: Path) -> Path:
    """Write ``painting`` to ``path`` in the format its suffix names."""
    writer_for(path)(painting, Path(path))
    return Path(path)
