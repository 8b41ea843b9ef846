"""Benchmark images, named, with a category and a split, loaded offline.

Sources: every colour image scikit-image and scikit-learn ship (plus ``camera``, grey, kept from the
first benchmark set), and the development photos in ``../shared/benchmark-photos/`` relative to the
repository root. Those are never committed here: they are loaded when the folder exists (or from
``$BRUSH_BENCHMARK_PHOTOS``) and skipped cleanly when it does not.

Categories: ``portrait`` (a face is the subject), ``graphic`` (flat colours, hard edges, drawn or
printed art), ``photo`` (everything else). Splits: ``dev`` may be looked at and tuned on;
``heldout`` must not be (docs/benchmarks.md, "Broad paint benchmark", says why these five):

- chosen before any run of the broad benchmark, from images no earlier brush benchmark used, so no
  past tuning has seen them;
- at least one image of every category, because brush is judged on unseen images of all kinds;
- one held-out image (``motorcycle``) comes with scikit-image, so the split is never empty even
  without ``../shared``;
- hard cases on purpose: fur texture (kitty), a night scene with small bright lights (lanterns), a
  cluttered close-up (motorcycle), woodblock art with fine lines (great-wave), a second portrait
  (portrait-hood: the only dev portrait, astronaut, has been tuned on since the first benchmark).

Skipped on purpose: ``skimage.data.cat`` (the same pixels as ``chelsea``) and the right view of
``stereo_motorcycle`` (the same scene as the left view, one camera shift away).

The old API stays: :data:`NAMES` (the first 10-image set), :func:`load`, :func:`all_photos`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CATEGORIES = ("portrait", "photo", "graphic")
SPLITS = ("dev", "heldout")
#: Environment variable that points at the shared photo folder instead of ``../shared``.
PHOTOS_ENV = "BRUSH_BENCHMARK_PHOTOS"


@dataclass(frozen=True)
class Photo:
    """One benchmark image: where it comes from and how it is counted."""

    name: str
    category: str
    split: str
    source: str  # "skimage", "sklearn" or "shared"
    key: str  # skimage function, sklearn file or shared file name
    kind: str = ""


CATALOGUE: tuple[Photo, ...] = (
    # the first benchmark set (docs/benchmarks.md "Quality at 64 px"), all dev
    Photo("astronaut", "portrait", "dev", "skimage", "astronaut", "portrait, flag, suit"),
    Photo("camera", "photo", "dev", "skimage", "camera", "grey photo (not colour; kept from the first set)"),
    Photo("chelsea", "photo", "dev", "skimage", "chelsea", "cat, fur"),
    Photo("coffee", "photo", "dev", "skimage", "coffee", "still life"),
    Photo("rocket", "photo", "dev", "skimage", "rocket", "rocket on the pad, sky"),
    Photo("immunohistochemistry", "photo", "dev", "skimage", "immunohistochemistry", "microscopy, texture"),
    Photo("hubble_deep_field", "photo", "dev", "skimage", "hubble_deep_field", "dark sky, small bright objects"),
    Photo("retina", "photo", "dev", "skimage", "retina", "fundus photo, thin vessels"),
    Photo("china", "photo", "dev", "sklearn", "china.jpg", "temple, sky, foliage"),
    Photo("flower", "photo", "dev", "sklearn", "flower.jpg", "flower close-up"),
    # added for issue 14
    Photo("colorwheel", "graphic", "dev", "skimage", "colorwheel", "saturated hue wheel"),
    Photo("logo", "graphic", "dev", "skimage", "logo", "scikit-image logo, flat colours"),
    Photo("motorcycle", "photo", "heldout", "skimage", "stereo_motorcycle", "cluttered close-up (left view)"),
    Photo("portrait-hood", "portrait", "heldout", "shared", "portrait-hood.jpg", "portrait"),
    Photo("great-wave", "graphic", "heldout", "shared", "great-wave.png", "woodblock print, fine lines"),
    Photo("kitty", "photo", "heldout", "shared", "kitty.jpg", "animal, fur texture"),
    Photo("lanterns", "photo", "heldout", "shared", "lanterns.jpg", "night scene, small bright objects"),
    Photo("gulls", "photo", "dev", "shared", "gulls.jpg", "animals, sky, sea"),
    Photo("kingfisher", "photo", "dev", "shared", "kingfisher.jpg", "animal, detail"),
    Photo("fallingwater", "photo", "dev", "shared", "fallingwater.jpg", "architecture, foliage"),
    Photo("crateva-flower", "photo", "dev", "shared", "crateva-flower.jpg", "flower, thin lines"),
)
BY_NAME = {p.name: p for p in CATALOGUE}
#: The first 10-photo set (other benchmarks use it; keep it stable).
NAMES = ["astronaut", "camera", "chelsea", "coffee", "rocket", "immunohistochemistry", "hubble_deep_field",
         "retina", "china", "flower"]


def shared_dir() -> Path | None:
    """The shared photo folder, or None when this checkout has none next to it."""
    env = os.environ.get(PHOTOS_ENV)
    folder = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "benchmark-photos"
    return folder if folder.is_dir() else None


def is_available(photo: Photo) -> bool:
    """Whether ``photo`` can be loaded here (shared images need the shared folder and the file)."""
    if photo.source != "shared":
        return True
    folder = shared_dir()
    return folder is not None and (folder / photo.key).is_file()


def select(split: str | None = None, category: str | None = None, names: list[str] | None = None) -> list[Photo]:
    """Available photos, in catalogue order, filtered by split, category and/or names."""
    if names is not None:
        unknown = [n for n in names if n not in BY_NAME]
        if unknown:
            raise KeyError(f"unknown benchmark photos {unknown}; known: {', '.join(BY_NAME)}")
    return [p for p in CATALOGUE
            if (split is None or p.split == split) and (category is None or p.category == category)
            and (names is None or p.name in names) and is_available(p)]


def _to_float_rgb(img: np.ndarray) -> np.ndarray:
    """uint8/float grey, RGB or RGBA -> float32 RGB in 0..1; alpha over white, as brush loads files."""
    img = np.asarray(img, dtype=np.float32)
    if img.max() > 1.5:
        img = img / 255.0
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    if img.shape[2] == 4:
        alpha = img[..., 3:4]
        img = img[..., :3] * alpha + (1.0 - alpha)
    return np.ascontiguousarray(img[..., :3])


def load(name: str) -> np.ndarray:
    """Float RGB (H, W, 3) in 0..1 at the image's own size (brush resizes it)."""
    if name not in BY_NAME:
        raise KeyError(f"unknown benchmark photo {name!r}; known: {', '.join(BY_NAME)}")
    photo = BY_NAME[name]
    if photo.source == "sklearn":
        from sklearn.datasets import load_sample_image

        return _to_float_rgb(load_sample_image(photo.key))
    if photo.source == "skimage":
        import skimage.data

        img = getattr(skimage.data, photo.key)()
        if isinstance(img, tuple):  # stereo_motorcycle: (left, right, disparity)
            img = img[0]
        return _to_float_rgb(img)
    folder = shared_dir()
    if folder is None or not (folder / photo.key).is_file():
        raise FileNotFoundError(f"{name}: {photo.key} needs ../shared/benchmark-photos (or ${PHOTOS_ENV})")
    from PIL import Image

    with Image.open(folder / photo.key) as img:
        return _to_float_rgb(np.asarray(img.convert("RGBA")))


def all_photos() -> dict[str, np.ndarray]:
    """The first 10-photo set, loaded (kept for older scripts)."""
    return {name: load(name) for name in NAMES}
