"""Real photos available offline (scikit-image and scikit-learn bundle them), shared by benchmarks."""

from __future__ import annotations

import numpy as np

NAMES = ["astronaut", "camera", "chelsea", "coffee", "rocket", "immunohistochemistry", "hubble_deep_field",
         "retina", "china", "flower"]


def load(name: str) -> np.ndarray:
    """Float RGB (H, W, 3) in 0..1."""
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        img = load_sample_image(f"{name}.jpg")
    else:
        import skimage.data

        img = getattr(skimage.data, name)()
    img = np.asarray(img, dtype=np.float32)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    img = img[..., :3]
    return img / 255.0 if img.max() > 1.5 else img


def all_photos() -> dict[str, np.ndarray]:
    return {name: load(name) for name in NAMES}
