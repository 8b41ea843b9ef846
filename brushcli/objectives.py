"""Objectives: losses over network activations that add, subtract and scale (as in Lucid/lucent).

An :class:`Objective` is a function of an :class:`~brushcli.vision.nets.Activations` lookup returning
a scalar to *minimise*, plus the ``(net, layer)`` pairs it reads and a description. Objectives
combine without knowing about each other; the union of what they read is what the nets compute:

>>> obj = class_objective(["vgg16", "resnet50"], 388) + 0.1 * layer_distance("vgg16", "conv4_2", target)
>>> str(obj)                                                       # doctest: +SKIP
'class 388 (log-softmax) over vgg16, resnet50 + 0.1 * distance(vgg16:conv4_2)'
>>> acts = ensemble.run(images, obj.needs); loss = obj(acts)       # doctest: +SKIP

Why log-softmax for the class objective: a raw logit can be raised by making the whole image more
"activating" for every class at once, and logit scales differ between nets (VGG's are several times
EfficientNet's), so in a mean of logits one net dominates. The log-probability is scale-free, rises
only by beating the other 999 classes (which is what top-1 means), and saturates once a net is sure,
so the ensemble's gradient then comes from the nets that are not yet convinced. ``mode="logit"`` is
there for comparison (docs/dream.md reports both).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import torch

from brushcli.errors import InvalidArgument
from brushcli.vision.nets import Activations

Needs = frozenset[tuple[str, str]]
CLASS_MODES = ("log_softmax", "logit")


class Objective:
    """A scalar loss of activations; ``+``, ``-``, ``*``/``/`` by numbers make new objectives."""

    def __init__(self, fn: Callable[[Activations], torch.Tensor], description: str,
                 needs: Iterable[tuple[str, str]] = ()) -> None:
        self.fn = fn
        self.description = description
        self.needs: Needs = frozenset(needs)

    def __call__(self, acts: Activations) -> torch.Tensor:
        return self.fn(acts)

    def __repr__(self) -> str:
        return f"Objective({self.description!r})"

    def __str__(self) -> str:
        return self.description

    def __add__(self, other: "Objective | float") -> "Objective":
        if isinstance(other, (int, float)):
            return Objective(lambda a: self(a) + other, f"{self} + {other:g}", self.needs)
        if not isinstance(other, Objective):
            return NotImplemented
        return Objective(lambda a: self(a) + other(a), f"{self} + {other}", self.needs | other.needs)

    def __radd__(self, other: float) -> "Objective":
        if isinstance(other, (int, float)) and other == 0:  # sum([...]) starts at 0
            return self
        return self + other

    def __neg__(self) -> "Objective":
        return Objective(lambda a: -self(a), f"-({self})", self.needs)

    def __sub__(self, other: "Objective | float") -> "Objective":
        if isinstance(other, (int, float)):
            return self + (-other)
        if not isinstance(other, Objective):
            return NotImplemented
        return Objective(lambda a: self(a) - other(a), f"{self} - ({other})", self.needs | other.needs)

    def __rsub__(self, other: float) -> "Objective":
        return (-self) + other

    def __mul__(self, scale: float) -> "Objective":
        if not isinstance(scale, (int, float)):
            return NotImplemented
        return Objective(lambda a: scale * self(a), f"{scale:g} * {self}", self.needs)

    __rmul__ = __mul__

    def __truediv__(self, scale: float) -> "Objective":
        if not isinstance(scale, (int, float)):
            return NotImplemented
        return Objective(lambda a: self(a) / scale, f"{self} / {scale:g}", self.needs)

    @staticmethod
    def mean(objectives: Sequence["Objective"]) -> "Objective":
        """The mean of several objectives (how an ensemble's per-net objectives are combined)."""
        if not objectives:
            raise InvalidArgument("no objectives to average")
        if len(objectives) == 1:
            return objectives[0]
        total = objectives[0]
        for obj in objectives[1:]:
            total = total + obj
        return Objective(lambda a: total(a) / len(objectives), f"mean({', '.join(map(str, objectives))})",
                         total.needs)


def class_logit(net: str, index: int, mode: str = "log_softmax") -> Objective:
    """Raise class ``index`` for ``net`` (mean over the batch of views): minimises ``-score``.

    ``mode`` is ``log_softmax`` (the log-probability; default, see the module docstring) or ``logit``.
    """
    if mode not in CLASS_MODES:
        raise InvalidArgument(f"unknown class objective mode {mode!r}; use {' or '.join(CLASS_MODES)}")

    def fn(acts: Activations) -> torch.Tensor:
        logits = acts(net)
        score = torch.log_softmax(logits, dim=-1)[:, index] if mode == "log_softmax" else logits[:, index]
        return -score.mean()

    return Objective(fn, f"{net}:class {index} ({mode.replace('_', '-')})", {(net, "logits")})


def class_objective(nets: Sequence[str], index: int, mode: str = "log_softmax") -> Objective:
    """Class ``index`` for every net of an ensemble at once: the mean of the per-net objectives."""
    return Objective.mean([class_logit(n, index, mode) for n in nets])


def layer_distance(net: str, layer: str, target: torch.Tensor, kind: str = "mse") -> Objective:
    """Distance of ``net``'s ``layer`` output from ``target`` (broadcast over views): a content loss.

    ``kind`` is ``mse`` or ``cosine`` (one minus cosine similarity per view, averaged).
    """
    if kind not in ("mse", "cosine"):
        raise InvalidArgument(f"unknown distance {kind!r}; use mse or cosine")

    def fn(acts: Activations) -> torch.Tensor:
        value = acts(net, layer)
        goal = target.to(value.device, value.dtype).expand_as(value)
        if kind == "mse":
            return torch.mean((value - goal) ** 2)
        return (1 - torch.cosine_similarity(value.flatten(1), goal.flatten(1), dim=1)).mean()

    return Objective(fn, f"{kind}({net}:{layer})", {(net, layer)})
