"""Training methods: how a painter's networks are updated from (action, MyPaint alpha) batches.

``regression`` (default) fits alpha directly with L1 + L2 losses. ``vae`` and ``gan`` are the
Neural Painters paper's two methods. Each method exposes its full state as tensors plus JSON so the
training loop can checkpoint and resume it exactly.
"""

from __future__ import annotations

from typing import Any

import torch

from brushcli.errors import PainterError
from brushcli.painters.painter import Painter


class Method:
    """Base class: subclasses set up optimisers in ``__init__`` and implement :meth:`step`."""

    def __init__(self, painter: Painter, settings: Any) -> None:
        self.painter = painter
        self.settings = settings
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.modules: dict[str, torch.nn.Module] = {"net": painter.net}

    def step(self, actions: torch.Tensor, alphas: torch.Tensor, lr: float, step: int) -> dict[str, float]:
        raise NotImplementedError

    def state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """All trainable state as flat tensors, plus JSON-able metadata."""
        tensors: dict[str, torch.Tensor] = {}
        for name, module in self.modules.items():
            for key, value in module.state_dict().items():
                tensors[f"{name}.{key}"] = value
        meta: dict[str, Any] = {}
        for name, opt in self.optimizers.items():
            sd = opt.state_dict()
            for pid, pstate in sd["state"].items():
                for key, value in pstate.items():
                    tensors[f"opt.{name}.{pid}.{key}"] = torch.as_tensor(value)
            meta[name] = {"param_groups": sd["param_groups"]}
        return tensors, meta

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        for name, module in self.modules.items():
            prefix = f"{name}."
            module.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
        for name, opt in self.optimizers.items():
            state: dict[int, dict[str, torch.Tensor]] = {}
            prefix = f"opt.{name}."
            for key, value in tensors.items():
                if key.startswith(prefix):
                    pid, field = key[len(prefix):].split(".", 1)
                    state.setdefault(int(pid), {})[field] = value
            opt.load_state_dict({"state": state, "param_groups": meta[name]["param_groups"]})


def _set_lr(opt: torch.optim.Optimizer, lr: float) -> None:
    for group in opt.param_groups:
        group["lr"] = lr


def alpha_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 (sharp edges, robust to texture) plus L2 (penalises large misses)."""
    diff = pred - target
    return diff.abs().mean() + (diff * diff).mean()


class Regression(Method):
    """Direct regression of alpha from the action."""

    def __init__(self, painter: Painter, settings: Any) -> None:
        super().__init__(painter, settings)
        self.optimizers["net"] = torch.optim.Adam(painter.net.parameters(), lr=settings.lr)

    def step(self, actions: torch.Tensor, alphas: torch.Tensor, lr: float, step: int) -> dict[str, float]:
        opt = self.optimizers["net"]
        _set_lr(opt, lr)
        loss = alpha_loss(self.painter.net(actions), alphas)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return {"loss": float(loss.detach())}


METHODS: dict[str, type[Method]] = {"regression": Regression}


def create_method(name: str, painter: Painter, settings: Any) -> Method:
    if name not in METHODS:
        raise PainterError(f"unknown training method {name!r}; known: {', '.join(METHODS)}")
    return METHODS[name](painter, settings)
