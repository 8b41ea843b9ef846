"""Palette constraints for stroke colors: grayscale, N colors taken from the image, or given colors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from brushcli.colors import parse_color
from brushcli.errors import InvalidArgument

MAX_COLORS = 64


@dataclass(frozen=True)
class Palette:
    """``gray`` (one gray level per stroke) or a fixed set of ``colors`` (K, 3); both empty = free."""

    gray: bool = False
    colors: np.ndarray | None = None

    @property
    def free(self) -> bool:
        return not self.gray and self.colors is None

    def tensor(self) -> torch.Tensor | None:
        return None if self.colors is None else torch.from_numpy(self.colors.astype(np.float32))


def parse_palette(spec: str | None, image: np.ndarray | None = None, seed: int = 0) -> Palette:
    """``None``/``free`` | ``gray`` | ``N`` (k-means colors of ``image``) | ``#hex,#hex,...``."""
    if spec is None or spec.strip().lower() in ("", "free", "none"):
        return Palette()
    text = spec.strip().lower()
    if text in ("gray", "grey", "grayscale", "greyscale"):
        return Palette(gray=True)
    if text.isdigit():
        k = int(text)
        if not 1 <= k <= MAX_COLORS:
            raise InvalidArgument(f"--palette {k}: the number of colors must be 1..{MAX_COLORS}")
        if image is None:
            raise InvalidArgument("--palette N needs the image to take colors from")
        return Palette(colors=kmeans_colors(image, k, seed))
    parts = [p for p in spec.split(",") if p.strip()]
    if not parts:
        raise InvalidArgument(f"cannot read --palette {spec!r}; use gray, a number, or #hex,#hex,...")
    if len(parts) > MAX_COLORS:
        raise InvalidArgument(f"--palette has {len(parts)} colors; at most {MAX_COLORS}")
    return Palette(colors=np.array([parse_color(p) for p in parts], dtype=np.float64))


def kmeans_colors(image: np.ndarray, k: int, seed: int = 0, iters: int = 20, sample: int = 20000) -> np.ndarray:
    """``k`` representative colors of ``image`` (k-means++ seeding, Lloyd iterations)."""
    rng = np.random.default_rng(seed)
    pixels = image.reshape(-1, 3).astype(np.float64)
    if len(pixels) > sample:
        pixels = pixels[rng.choice(len(pixels), sample, replace=False)]
    centres = [pixels[rng.integers(len(pixels))]]
    for _ in range(1, k):
        d2 = np.min(((pixels[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        total = d2.sum()
        centres.append(pixels[rng.choice(len(pixels), p=d2 / total)] if total > 0 else pixels[rng.integers(len(pixels))])
    c = np.array(centres)
    for _ in range(iters):
        label = ((pixels[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
        for j in range(k):
            members = pixels[label == j]
            if len(members):
                c[j] = members.mean(0)
    return np.clip(c, 0.0, 1.0)
