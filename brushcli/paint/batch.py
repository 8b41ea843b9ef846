"""Finding the images of a batch: files and folders, images recognised by content."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from brushcli.errors import ImageError
from brushcli.images import is_image

#: Folders are walked recursively, skipping hidden entries and these output-looking names.
SKIP_DIRS = {"__pycache__", ".git"}


def collect_images(inputs: Iterable[Path]) -> list[Path]:
    """Expand files and folders into image paths (by content, not extension), in a stable order.

    A file given explicitly is kept even if it is not an image, so the batch reports it as failed.
    """
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                if any(part.startswith(".") or part in SKIP_DIRS for part in rel):
                    continue
                if child.is_file() and is_image(child):
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
