"""Target images for painting agents: image folders, scikit-learn's digits, torchvision datasets.

Every dataset becomes one uint8 tensor ``(N, C, 64, 64)`` (C = 1 for gray, 3 for RGB) with dark ink
on light paper, because the agent paints on a white canvas with ``canvas * (1 - a) + color * a``.
Digit datasets are stored white-on-black and are inverted here. ``digits`` (scikit-learn's 1,797
8x8 digits, bundled with scikit-learn) works offline; ``mnist``, ``kmnist`` and ``celeba`` are
downloaded by torchvision on first use into ``$BRUSH_CACHE_DIR/datasets``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from brushcli.errors import BrushError

#: Side of the agent's canvas (one painter canvas).
SIDE = 64
#: Dataset names understood besides a folder path.
NAMED = ("digits", "mnist", "kmnist", "celeba")
#: Digits fill this many pixels of the 64-px canvas (a white margin around them leaves room for strokes).
DIGIT_BOX = 48


class DatasetError(BrushError):
    """A dataset could not be found, downloaded or read."""


@dataclass
class ImageSet:
    """Images ``(N, C, 64, 64)`` uint8, optional integer labels ``(N,)``, and where they came from."""

    images: torch.Tensor
    labels: torch.Tensor | None
    name: str

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def channels(self) -> int:
        return int(self.images.shape[1])

    def subset(self, index: torch.Tensor | np.ndarray) -> "ImageSet":
        index = torch.as_tensor(index, dtype=torch.long)
        labels = self.labels[index] if self.labels is not None else None
        return ImageSet(self.images[index], labels, self.name)

    def floats(self, index: torch.Tensor | None = None) -> torch.Tensor:
        """Images (all, or ``index``) as float32 in 0..1."""
        images = self.images if index is None else self.images[index]
        return images.float() / 255.0


def split(data: ImageSet, holdout: int, seed: int = 0) -> tuple[ImageSet, ImageSet]:
    """(train, held-out): a fixed permutation by ``seed``; the last ``holdout`` images are held out."""
    holdout = max(0, min(holdout, len(data) - 1))
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    return data.subset(order[: len(data) - holdout]), data.subset(order[len(data) - holdout:])


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    return (images.clamp(0, 1) * 255).round().to(torch.uint8)


def ink_on_paper(ink: torch.Tensor, box: int = SIDE) -> torch.Tensor:
    """White-on-black ``(N, 1, h, w)`` ink in 0..1 -> dark-on-white 64x64, the ink resized into ``box`` px."""
    small = F.interpolate(ink.float(), size=(box, box), mode="bicubic", align_corners=False).clamp(0, 1)
    pad = (SIDE - box) // 2
    small = F.pad(small, (pad, SIDE - box - pad, pad, SIDE - box - pad), value=0.0)
    return 1.0 - small


def load_digits_set() -> ImageSet:
    """scikit-learn's 1,797 handwritten digits (8x8, values 0..16), as dark ink on a 64-px page."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise DatasetError("the digits dataset needs scikit-learn: pip install scikit-learn") from exc
    bunch = load_digits()
    ink = torch.from_numpy(bunch.images.astype(np.float32) / 16.0)[:, None]
    return ImageSet(to_uint8(ink_on_paper(ink, DIGIT_BOX)), torch.from_numpy(bunch.target.astype(np.int64)),
                    "digits")


def dataset_root() -> Path:
    from brushcli.painters.data import cache_root

    return cache_root() / "datasets"


def load_torchvision_set(name: str, limit: int | None = None, root: Path | None = None) -> ImageSet:
    """MNIST / KMNIST (28x28 white on black) or CelebA (aligned faces, center-cropped), downloaded once."""
    import torchvision

    root = Path(root) if root is not None else dataset_root()
    try:
        if name in ("mnist", "kmnist"):
            cls = torchvision.datasets.MNIST if name == "mnist" else torchvision.datasets.KMNIST
            ds = cls(str(root), train=True, download=True)
            raw = ds.data[:limit] if limit else ds.data
            ink = raw.float()[:, None] / 255.0
            labels = ds.targets[: len(raw)].long()
            images = torch.cat([to_uint8(ink_on_paper(chunk, DIGIT_BOX)) for chunk in ink.split(4096)])
            return ImageSet(images, labels, name)
        ds = torchvision.datasets.CelebA(str(root), split="train", download=True)
    except Exception as exc:  # torchvision raises URLError, RuntimeError, OSError... when offline
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatasetError(
            f"cannot download {name} with torchvision ({reason}); offline, use --data digits or --data FOLDER"
        ) from None
    count = min(len(ds), limit or len(ds))
    images = torch.empty(count, 3, SIDE, SIDE, dtype=torch.uint8)
    for i in range(count):
        images[i] = _square_rgb(ds[i][0])
    return ImageSet(images, None, name)


def _square_rgb(img) -> torch.Tensor:
    """A PIL image -> center-cropped square, 64x64 RGB uint8 ``(3, 64, 64)``."""
    from PIL import Image

    img = img.convert("RGB")
    w, h = img.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    img = img.crop((left, top, left + side, top + side)).resize((SIDE, SIDE), Image.Resampling.LANCZOS)
    return torch.from_numpy(np.asarray(img, dtype=np.uint8).copy()).permute(2, 0, 1)


def load_folder_set(folder: Path, limit: int | None = None) -> ImageSet:
    """Every image under ``folder`` (found by content), center-cropped to a square, at 64x64 RGB."""
    from brushcli.images import load_image
    from brushcli.inputs import collect_images

    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder}: not a folder of images (or one of: {', '.join(NAMED)})")
    files = collect_images([folder])[: limit or None]
    if not files:
        raise DatasetError(f"{folder}: no images found")
    images = torch.empty(len(files), 3, SIDE, SIDE, dtype=torch.uint8)
    for i, path in enumerate(files):
        rgb = load_image(path, max_side=SIDE)  # float (H, W, 3), alpha over white
        images[i] = _square_rgb(_pil(rgb))
    return ImageSet(images, None, folder.name)


def _pil(rgb: np.ndarray):
    from PIL import Image

    from brushcli.files import to_uint8 as np_uint8

    return Image.fromarray(np_uint8(rgb))


def load_dataset(spec: str, limit: int | None = None, channels: int | None = None) -> ImageSet:
    """``digits``, ``mnist``, ``kmnist``, ``celeba`` or a folder path; ``channels`` forces gray (1) or RGB (3)."""
    name = str(spec).strip()
    if name == "digits":
        data = load_digits_set()
        if limit:
            data = data.subset(torch.arange(min(limit, len(data))))
    elif name in NAMED:
        data = load_torchvision_set(name, limit)
    else:
        data = load_folder_set(Path(name).expanduser(), limit)
    if channels is not None and channels != data.channels:
        data = ImageSet(convert_channels(data.images, channels), data.labels, data.name)
    return data


def convert_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    """uint8 or float images ``(N, C, H, W)`` to ``channels`` (1: luminance, 3: gray repeated)."""
    c = images.shape[1]
    if c == channels:
        return images
    if channels == 1:
        weights = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
        gray = (images.float() * weights).sum(dim=1, keepdim=True)
        return gray.round().to(images.dtype) if images.dtype == torch.uint8 else gray
    if channels == 3 and c == 1:
        return images.expand(-1, 3, -1, -1).contiguous()
    raise DatasetError(f"cannot convert {c}-channel images to {channels} channels")
