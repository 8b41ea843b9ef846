"""Reading input images safely and resizing float images.

Inputs are identified by content, not extension, and their pixel count is checked from the header
before any pixel buffer is allocated.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from brushcli.errors import ImageError

#: Largest input image brush decodes (pixels). 100 MP is a 400 MB RGBA buffer.
MAX_INPUT_PIXELS = 100_000_000


def is_image(path: Path) -> bool:
    """Whether ``path`` is a file Pillow recognises as an image, by its content."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.verify()
        return True
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False


def load_image(path: str | Path) -> np.ndarray:
    """Read an image file as float32 RGB (H, W, 3) in 0..1; alpha is composited over white."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.exists():
        raise ImageError(f"{path}: no such file")
    if path.is_dir():
        raise ImageError(f"{path}: is a directory, not an image")
    try:
        with Image.open(path) as img:
            width, height = img.size
            if width * height > MAX_INPUT_PIXELS:
                raise ImageError(
                    f"{path}: {width}x{height} is more than the {MAX_INPUT_PIXELS // 1_000_000} MP limit"
                )
            img.load()
            rgba = img.convert("RGBA")
    except ImageError:
        raise
    except (UnidentifiedImageError, SyntaxError) as exc:
        raise ImageError(f"{path}: not an image brush can read") from exc
    except Image.DecompressionBombError as exc:
        raise ImageError(f"{path}: image is too large ({exc})") from exc
    except OSError as exc:
        raise ImageError(f"{path}: cannot read image ({exc})") from exc
    arr = np.asarray(rgba, dtype=np.float32) / 255.0
    alpha = arr[..., 3:4]
    return arr[..., :3] * alpha + (1.0 - alpha)


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
