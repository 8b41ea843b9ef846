"""Finding the images of a batch: files and folders, and which files of a folder are inputs.

The rule of a folder walk: a file is an input if its name ends in an image suffix
(:data:`IMAGE_SUFFIXES`) or Pillow recognises its header, whatever its name. So a truncated, empty
or mislabelled ``.jpg`` is an input, and the batch reports it as failed with the reason, while
``notes.txt``, ``README`` or ``data.bin`` beside the photos are not inputs and are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from brushcli.errors import ImageError
from brushcli.files import OUTPUT_MARKER
from brushcli.images import has_image_header

#: Folders are walked recursively, skipping hidden entries and these output-looking names.
SKIP_DIRS = {"__pycache__", ".git"}
#: A file named with one of these suffixes (any case) is an input of a folder walk, readable or not.
IMAGE_SUFFIXES = frozenset(
    ".png .apng .jpg .jpeg .jpe .jfif .gif .bmp .dib .tif .tiff .webp .ico .ppm .pgm .pbm .pnm .pfm .tga "
    ".psd .jp2 .j2k .jpx .avif .heic .heif .qoi .pcx .sgi .dds .icns .xbm .xpm".split())


def collect_images(inputs: Iterable[Path], exclude: Iterable[Path] = ()) -> list[Path]:
    """Expand files and folders into input paths, in a stable order (folders sorted, recursively).

    A file given explicitly is kept even if it is not an image, so the batch reports it as failed.
    In a folder, a file is an input if :func:`is_input` says so: broken image files are kept (to be
    reported), other files are ignored. Folders are walked without entering ``exclude`` (the output
    folder, say) or any folder brush wrote (it holds an output marker), so outputs are never painted
    again as inputs.
    """
    skip = {Path(p).resolve() for p in exclude}
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found.extend(child for child in _walk(path, skip) if is_input(child))
        elif path.exists():
            found.append(path)
        else:
            raise ImageError(f"{path}: no such file or directory")
    unique: list[Path] = []
    seen: set[Path] = set()
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def is_input(path: Path) -> bool:
    """Whether a file found in a folder is an input: named like an image, or an image by its header."""
    return path.suffix.lower() in IMAGE_SUFFIXES or has_image_header(path)


def output_name(image: Path, taken: set[str]) -> str:
    """The output folder name: the image's stem, made unique within one batch."""
    stem = image.stem or "image"
    name, n = stem, 2
    while name in taken:
        name = f"{stem}-{n}"
        n += 1
    taken.add(name)
    return name


def _walk(folder: Path, skip: set[Path]) -> list[Path]:
    """Files under ``folder``, sorted, skipping hidden entries, ``SKIP_DIRS``, ``skip`` and brush outputs."""
    files: list[Path] = []
    for child in sorted(folder.iterdir()):
        if child.name.startswith(".") or child.name in SKIP_DIRS:
            continue
        if child.is_dir() and not child.is_symlink():
            if child.resolve() in skip or (child / OUTPUT_MARKER).is_file():
                continue
            files.extend(_walk(child, skip))
        elif child.is_file():
            files.append(child)
    return files
