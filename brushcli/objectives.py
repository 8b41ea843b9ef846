"""Objectives: losses that add, subtract and scale (as in Lucid/lucent), shared by every application.

An :class:`Objective` is a scalar to *minimise*, computed from a :class:`Seen`: the painted images,
the target image (if the application has one) and the network activations of both. Each objective
declares what it reads (``needs`` on the painting, ``target_needs`` on the target), so objectives
combine without knowing about each other and the union of what they read is what the nets compute:

>>> obj = pixel_loss() + 0.1 * content_loss("vgg16", "conv4_2")               # doctest: +SKIP
>>> obj = class_objective(["vgg16", "resnet50"], 388)                          # doctest: +SKIP
>>> str(obj)                                                                    # doctest: +SKIP
'mean(vgg16:class 388 (log-softmax), resnet50:class 388 (log-softmax))'
>>> loss = evaluate(obj, images, nets=ensemble)                                 # doctest: +SKIP

``paint`` minimises :func:`pixel_loss` by default, ``style`` :func:`content_objective`, ``dream``
:func:`class_objective`; each accepts any other objective. A new kind of objective (say a
text-image similarity) is one function here returning an :class:`Objective`.

Why log-softmax for the class objective: a raw logit can be raised by making the whole image more
"activating" for every class at once, and logit scales differ between nets (VGG's are several times
EfficientNet's), so in a mean of logits one net dominates. The log-probability is scale-free, rises
only by beating the other 999 classes (which is what top-1 means), and saturates once a net is sure,
so the ensemble's gradient then comes from the nets that are not yet convinced. ``mode="logit"`` is
there for comparison (docs/dream.md reports both).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Hashable

import torch

from brushcli.errors import InvalidArgument
from brushcli.runtime import autocast

if TYPE_CHECKING:
    from brushcli.vision.nets import NetEnsemble

Needs = frozenset[tuple[str, str]]
CLASS_MODES = ("log_softmax", "logit", "margin")
#: ``margin`` mode: log-odds of the class at which a view counts as won (p = 0.9) and stops pulling.
MARGIN = 2.2


@dataclass
class Seen:
    """What an objective reads: ``images`` ``(B, 3, H, W)`` in 0..1, the ``target`` (broadcast against
    them) and the activations ``(net, layer) -> tensor`` of both."""

    images: torch.Tensor
    values: dict[tuple[str, str], torch.Tensor] = field(default_factory=dict)
    target: torch.Tensor | None = None
    target_values: dict[tuple[str, str], torch.Tensor] = field(default_factory=dict)

    def __call__(self, net: str, layer: str = "logits") -> torch.Tensor:
        """The painting's activations: ``seen("resnet50")`` are logits, ``seen("vgg16", "conv4_2")`` features."""
        try:
            return self.values[(net, layer)]
        except KeyError:
            raise InvalidArgument(f"no activations recorded for {net}:{layer} (no objective asked for them)") from None

    def of_target(self, net: str, layer: str) -> torch.Tensor:
        """The target's activations (computed without gradients)."""
        try:
            return self.target_values[(net, layer)]
        except KeyError:
            raise InvalidArgument(f"no target activations recorded for {net}:{layer}") from None

    def rows(self, index: torch.Tensor) -> "Seen":
        """The same observation restricted to some images (one candidate's views, say)."""
        return Seen(self.images[index], {k: v[index] for k, v in self.values.items()}, self.target,
                    self.target_values)


class Objective:
    """A scalar loss of a :class:`Seen`; ``+``, ``-``, ``*``/``/`` by numbers make new objectives."""

    def __init__(self, fn: Callable[[Seen], torch.Tensor], description: str,
                 needs: Iterable[tuple[str, str]] = (), target_needs: Iterable[tuple[str, str]] = (),
                 uses_target: bool = False) -> None:
        self.fn = fn
        self.description = description
        self.needs: Needs = frozenset(needs)
        self.target_needs: Needs = frozenset(target_needs)
        self.uses_target = uses_target or bool(self.target_needs)

    def __call__(self, seen: Seen) -> torch.Tensor:
        return self.fn(seen)

    def __repr__(self) -> str:
        return f"Objective({self.description!r})"

    def __str__(self) -> str:
        return self.description

    def _join(self, fn: Callable[[Seen], torch.Tensor], description: str, other: "Objective | None" = None
              ) -> "Objective":
        if other is None:
            return Objective(fn, description, self.needs, self.target_needs, self.uses_target)
        return Objective(fn, description, self.needs | other.needs, self.target_needs | other.target_needs,
                         self.uses_target or other.uses_target)

    def __add__(self, other: "Objective | float") -> "Objective":
        if isinstance(other, (int, float)):
            return self._join(lambda s: self(s) + other, f"{self} + {other:g}")
        if not isinstance(other, Objective):
            return NotImplemented
        return self._join(lambda s: self(s) + other(s), f"{self} + {other}", other)

    def __radd__(self, other: float) -> "Objective":
        if isinstance(other, (int, float)) and other == 0:  # sum([...]) starts at 0
            return self
        return self + other

    def __neg__(self) -> "Objective":
        return self._join(lambda s: -self(s), f"-({self})")

    def __sub__(self, other: "Objective | float") -> "Objective":
        if isinstance(other, (int, float)):
            return self + (-other)
        if not isinstance(other, Objective):
            return NotImplemented
        return self._join(lambda s: self(s) - other(s), f"{self} - ({other})", other)

    def __rsub__(self, other: float) -> "Objective":
        return (-self) + other

    def __mul__(self, scale: float) -> "Objective":
        if not isinstance(scale, (int, float)):
            return NotImplemented
        return self._join(lambda s: scale * self(s), f"{scale:g} * {self}")

    __rmul__ = __mul__

    def __truediv__(self, scale: float) -> "Objective":
        if not isinstance(scale, (int, float)):
            return NotImplemented
        return self._join(lambda s: self(s) / scale, f"{self} / {scale:g}")

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
        return total._join(lambda s: total(s) / len(objectives), f"mean({', '.join(map(str, objectives))})")


# -- the objectives ---------------------------------------------------------------------------------

def pixel_loss() -> Objective:
    """Mean squared error between the painting and the target, pixel by pixel (``paint``'s objective)."""

    def fn(seen: Seen) -> torch.Tensor:
        if seen.target is None:
            raise InvalidArgument("the pixel loss needs a target image")
        return ((seen.images - seen.target) ** 2).mean()

    return Objective(fn, "mse(pixels)", uses_target=True)


def content_loss(net: str, layer: str) -> Objective:
    """Feature distance of the painting from the target at ``net``'s ``layer``, relative to the target's energy.

    Dividing by the target features' mean square makes layers (and nets) of different scales
    comparable, so a sum over layers is not dominated by the loudest one.
    """

    def fn(seen: Seen) -> torch.Tensor:
        got, want = seen(net, layer), seen.of_target(net, layer)
        return ((got - want) ** 2).mean() / (want**2).mean().clamp(min=1e-8)

    return Objective(fn, f"content({net}:{layer})", {(net, layer)}, {(net, layer)})


def content_objective(net: str, layers: Sequence[str]) -> Objective:
    """The sum of :func:`content_loss` over ``layers`` of one net (``style``'s objective)."""
    if not layers:
        raise InvalidArgument(f"no content layers given for {net}")
    return sum((content_loss(net, layer) for layer in layers), 0)  # type: ignore[return-value]


def class_logit(net: str, index: int, mode: str = "log_softmax") -> Objective:
    """Raise class ``index`` for ``net`` (mean over the batch of views): minimises ``-score``.

    ``mode`` is ``log_softmax`` (the log-probability; default, see the module docstring), ``logit``,
    or ``margin``: the class's log-odds against all other classes, capped at :data:`MARGIN`, so a
    view the net already calls the class (p >= 0.9) adds no gradient and the rest of the ensemble's
    views and nets get it all (no single net can dominate by becoming surer).
    """
    if mode not in CLASS_MODES:
        raise InvalidArgument(f"unknown class objective mode {mode!r}; use {' or '.join(CLASS_MODES)}")

    def fn(seen: Seen) -> torch.Tensor:
        logits = seen(net)
        if mode == "logit":
            score = logits[:, index]
        elif mode == "log_softmax":
            score = torch.log_softmax(logits, dim=-1)[:, index]
        else:
            others = torch.cat([logits[:, :index], logits[:, index + 1 :]], dim=1)
            score = (logits[:, index] - torch.logsumexp(others, dim=1)).clamp(max=MARGIN)
        return -score.mean()

    return Objective(fn, f"{net}:class {index} ({mode.replace('_', '-')})", {(net, "logits")})


def class_objective(nets: Sequence[str], index: int, mode: str = "log_softmax") -> Objective:
    """Class ``index`` for every net of an ensemble at once: the mean of the per-net objectives."""
    return Objective.mean([class_logit(n, index, mode) for n in nets])


# -- evaluation -------------------------------------------------------------------------------------

def observe(
    objective: Objective,
    images: torch.Tensor,
    target: torch.Tensor | None = None,
    nets: "NetEnsemble | None" = None,
    resize: bool = True,
    target_cache: MutableMapping[Hashable, dict[tuple[str, str], torch.Tensor]] | None = None,
    target_key: Hashable = None,
) -> Seen:
    """Run what ``objective`` needs: ``nets`` on ``images`` (and, without gradients, on ``target``).

    ``resize`` feeds the nets at their input size (class scores) or, if False, at the images' own
    resolution (feature maps compared position by position). Target activations are kept in
    ``target_cache[target_key]`` when a cache is given (style's windows repeat).
    """
    if objective.uses_target and target is None:
        raise InvalidArgument(f"objective {objective} needs a target image")
    if (objective.needs or objective.target_needs) and nets is None:
        raise InvalidArgument(f"objective {objective} reads network activations; give the nets to run")
    values: dict[tuple[str, str], torch.Tensor] = {}
    if objective.needs:
        with autocast(images.device):  # the nets in reduced precision where the device has it; losses in float32
            values = {k: v.float() for k, v in nets.run(images, objective.needs, resize=resize).values.items()}
    target_values: dict[tuple[str, str], torch.Tensor] = {}
    if objective.target_needs:
        cached = target_cache.get(target_key) if target_cache is not None else None
        if cached is None:
            with torch.no_grad(), autocast(target.device):  # type: ignore[union-attr]
                cached = {k: v.detach().float() for k, v in nets.run(target, objective.target_needs,  # type: ignore[union-attr]
                                                                      resize=resize).values.items()}
            if target_cache is not None:
                target_cache[target_key] = cached
        target_values = cached
    return Seen(images, values, target, target_values)


def evaluate(objective: Objective, images: torch.Tensor, target: torch.Tensor | None = None,
             nets: "NetEnsemble | None" = None, resize: bool = True,
             target_cache: MutableMapping[Hashable, dict[tuple[str, str], torch.Tensor]] | None = None,
             target_key: Hashable = None) -> torch.Tensor:
    """``objective`` of ``images`` (see :func:`observe`)."""
    return objective(observe(objective, images, target, nets, resize, target_cache, target_key))
