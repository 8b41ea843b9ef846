"""Finding the images of a batch: files and folders, images recognised by content."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from brushcli.errors import ImageError
from brushcli.files import OUTPUT_MARKER
from brushcli.images import is_image

#: Folders are walked recursively, skipping hidden entries and these output-looking names.
SKIP_DIRS = {"__pycache__", ".git"}


def collect_images(inputs: Iterable[Path], exclude: Iterable[Path] = ()) -> list[Path]:
    """Expand files and folders into image paths (by content, not extension), in a stable order.

    A file given explicitly is kept even if it is not an image, so the batch reports it as failed.
    Folders are walked without entering ``exclude`` (the output folder, say) or any folder brush
    wrote (it holds an output marker), so outputs are never painted again as inputs.
    """
    skip = {Path(p).resolve() for p in exclude}
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for child in _walk(path, skip):
                if is_image(child):
                    found.append(child)
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
