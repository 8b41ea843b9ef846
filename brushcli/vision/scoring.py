"""How classifiers see a finished image: a class's probability and rank, and the top-1 class.

Used to score dream paintings (the neural render and the MyPaint replay) under the nets that were
optimised and under "judges" that were not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from brushcli.vision.classes import get_class
from brushcli.vision.nets import Classifier


def _as_batch(image: np.ndarray | torch.Tensor, device: torch.device | str) -> torch.Tensor:
    if isinstance(image, np.ndarray):
        image = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32)).permute(2, 0, 1)
    if image.ndim == 3:
        image = image[None]
    return image.to(device)


def _summary(probs: torch.Tensor, index: int) -> dict[str, Any]:
    p = float(probs[index])
    rank = int((probs > probs[index]).sum()) + 1
    top = int(torch.argmax(probs))
    return {"prob": round(p, 6), "rank": rank, "top1": get_class(top).name, "top1_prob": round(float(probs[top]), 6)}


@torch.no_grad()
def probabilities(image: np.ndarray | torch.Tensor, classifier: Classifier) -> torch.Tensor:
    """``classifier``'s 1,000 class probabilities for ``image`` (``(H, W, 3)`` in 0..1), on the CPU."""
    device = next(iter(classifier.buffers())).device
    return torch.softmax(classifier(_as_batch(image, device)).float(), dim=-1)[0].cpu()


def class_scores(image: np.ndarray | torch.Tensor, classifier: Classifier, index: int) -> dict[str, Any]:
    """How ``classifier`` sees ``image`` (``(H, W, 3)`` in 0..1): the class's probability and rank (1 = top),
    and the top-1 class with its probability."""
    return _summary(probabilities(image, classifier), index)


def ensemble_scores(image: np.ndarray | torch.Tensor, nets: Sequence[Classifier], index: int) -> dict[str, Any]:
    """:func:`class_scores` of the ensemble's mean class probabilities (how "the ensemble" sees ``image``).

    Why the mean of probabilities: it is top-1 only where the nets agree enough, and one very sure
    net cannot carry it alone the way it could a mean of logits.
    """
    return _summary(torch.stack([probabilities(image, c) for c in nets]).mean(dim=0), index)


def score_image(image: np.ndarray | torch.Tensor, nets: Sequence[Classifier], index: int) -> dict[str, dict[str, Any]]:
    """:func:`class_scores` for every net."""
    return {c.name: class_scores(image, c, index) for c in nets}
