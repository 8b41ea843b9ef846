"""Reading input images safely and resizing float images.

Inputs are identified by content, not extension, and their pixel count is checked from the header
before any pixel buffer is allocated. Every mode Pillow opens becomes float RGB in 0..1 with its own
scale (16-bit gray is divided by 65535, not clipped at 255; float images keep their values), alpha
composited over white. Images larger than the caller needs are reduced while still 8/16-bit
(``draft`` while decoding a JPEG, ``reduce`` otherwise), so memory follows the output size, not the
input's.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from brushcli import paths
from brushcli.errors import ImageError

#: Largest input image brush decodes (pixels). 100 MP is a 400 MB RGBA buffer.
MAX_INPUT_PIXELS = 100_000_000
#: No command works above this long side (``brush render``'s limit), so larger inputs are reduced.
DEFAULT_MAX_SIDE = 16384
#: Modes whose samples are 8-bit and that Pillow converts to RGBA itself (palette, CMYK, 1-bit, ...).
_EIGHT_BIT = {"1", "L", "LA", "La", "P", "PA", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "YCbCr"}


def is_image(path: Path) -> bool:
    """Whether ``path`` is a file Pillow recognises as an image, by its content."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as img:
                img.verify()
        return True
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False


def load_image(path: str | Path, max_side: int | None = DEFAULT_MAX_SIDE) -> np.ndarray:
    """Read an image file as float32 RGB (H, W, 3) in 0..1; alpha is composited over white.

    ``max_side``: the long side the caller will use at most; a larger image is reduced by a whole
    factor while decoding (the result keeps at least ``max_side`` px), so a 100 MP photo painted at
    512 px never exists as floats at full size. EXIF rotation is applied. Any problem is one
    :class:`~brushcli.errors.ImageError`.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not paths.exists(path):
        raise ImageError(f"{path}: no such file")
    if paths.is_dir(path):
        raise ImageError(f"{path}: is a directory, not an image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's bomb, palette and EXIF warnings: we check ourselves
            with Image.open(path) as img:
                width, height = img.size
                if width * height > MAX_INPUT_PIXELS:
                    raise ImageError(
                        f"{path}: {width}x{height} is more than the {MAX_INPUT_PIXELS // 1_000_000} MP limit"
                    )
                if max_side and img.format == "JPEG" and max(width, height) > max_side:
                    scale = max_side / max(width, height)
                    img.draft(img.mode, (math.ceil(width * scale), math.ceil(height * scale)))
                img.load()
                img = ImageOps.exif_transpose(img) or img
                if img.mode in ("P", "PA", "1"):  # indices and bits cannot be averaged
                    img = img.convert("RGBA")
                return _to_rgb(_normalised(_reduced(img, max_side), path), path)
    except ImageError:
        raise
    except (UnidentifiedImageError, SyntaxError) as exc:
        raise ImageError(f"{path}: not an image brush can read") from exc
    except Image.DecompressionBombError as exc:
        raise ImageError(f"{path}: the image is larger than the {MAX_INPUT_PIXELS // 1_000_000} MP limit") from exc
    except (OSError, ValueError, MemoryError) as exc:
        raise ImageError(f"{path}: cannot read image ({exc})") from exc


def _normalised(img: Any, path: Path) -> Any:
    """``img`` in one of the modes :func:`_to_rgb` knows: RGBA (8-bit), I;16, I or F (+ alpha as L)."""
    mode = img.mode
    if mode in ("L", "RGBA"):
        return img
    if mode in _EIGHT_BIT:
        return img.convert("RGBA")
    if mode.startswith("I;16"):
        return img if mode == "I;16" else img.convert("I")  # big-endian variants: via 32-bit ints
    if mode in ("I", "F"):
        return img
    try:
        return img.convert("RGBA")
    except ValueError as exc:
        raise ImageError(f"{path}: color mode {mode} is not supported; save it as RGB") from exc


def _reduced(img: Any, max_side: int | None) -> Any:
    """Shrink by a whole factor (box filter, in the image's own depth) while staying >= max_side."""
    if not max_side:
        return img
    factor = max(img.size) // max_side
    if factor < 2:
        return img
    if img.mode.startswith("I;16"):
        img = img.convert("I")  # Pillow reduces 32-bit ints and floats, not packed 16-bit
    try:
        return img.reduce(factor)
    except ValueError:  # a mode Pillow cannot reduce: convert first
        return _normalised(img, Path("")).reduce(factor)


def _to_rgb(img: Any, path: Path) -> np.ndarray:
    mode = img.mode
    if mode == "RGBA":
        rgba = np.asarray(img)
        rgb = rgba[..., :3].astype(np.float32)
        rgb /= 255.0
        if (rgba[..., 3] != 255).any():  # over white: rgb * a + (1 - a) = 1 - (1 - rgb) * a
            alpha = rgba[..., 3:4].astype(np.float32)
            alpha /= 255.0
            rgb -= 1.0
            rgb *= alpha
            rgb += 1.0
        return rgb
    if mode == "L":
        gray = np.asarray(img).astype(np.float32)
        gray /= 255.0
        return np.repeat(gray[..., None], 3, axis=2)
    gray = np.asarray(img).astype(np.float32)
    if mode == "F" and not np.isfinite(gray).all():
        raise ImageError(f"{path}: the image holds NaN or infinite values")
    gray = np.clip(_gray_scale(gray, mode), 0.0, 1.0, dtype=np.float32)
    return np.repeat(gray[..., None], 3, axis=2)


def _gray_scale(gray: np.ndarray, mode: str) -> np.ndarray:
    """Single-channel samples to 0..1: 16-bit by 65535, floats kept if already 0..1 (else 0..255 by
    255, else stretched), 32-bit ints as 16-bit when they fit."""
    low, high = (float(gray.min()), float(gray.max())) if gray.size else (0.0, 0.0)
    if mode in ("I;16", "I") and low >= 0 and high <= 65535:
        return gray / np.float32(65535.0)
    if mode == "F" and low >= 0 and high <= 1:
        return gray
    if mode == "F" and low >= 0 and high <= 255:
        return gray / np.float32(255.0)
    return (gray - np.float32(low)) / np.float32(high - low) if high > low else np.zeros_like(gray)


def resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize a float (H, W, C) or (H, W) image with area averaging when shrinking, bicubic otherwise."""
    from PIL import Image

    image = np.asarray(image, dtype=np.float32)
    if image.shape[1] == width and image.shape[0] == height:
        return image.copy()
    shrinking = width <= image.shape[1] and height <= image.shape[0]
    method = Image.Resampling.BOX if shrinking else Image.Resampling.BICUBIC
    channels = image[..., None] if image.ndim == 2 else image
    out = np.stack(
        [np.asarray(Image.fromarray(channels[..., c], mode="F").resize((width, height), method))
         for c in range(channels.shape[-1])],
        axis=-1,
    )
    out = np.clip(out, 0.0, 1.0)
    return out[..., 0] if image.ndim == 2 else out


def fit_long_side(width: int, height: int, long_side: int) -> tuple[int, int]:
    """(w, h) with ``long_side`` on the longer edge, keeping the aspect ratio."""
    if width >= height:
        return long_side, max(1, round(long_side * height / width))
    return max(1, round(long_side * width / height)), long_side
