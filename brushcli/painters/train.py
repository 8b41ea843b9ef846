"""Training painters: one loop, pluggable methods, checkpoints that resume to the identical state.

A *method* owns the networks being trained and the update rule (regression here; the paper's VAE
and GAN methods in :mod:`brushcli.painters.methods`). The loop owns batching, the learning-rate
schedule, checkpoints and progress. Batches are drawn from a generator seeded by (seed, step), so a
run interrupted at step k and resumed gives exactly the weights of an uninterrupted run.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from brushcli.errors import InvalidArgument, PainterError
from brushcli.painters.data import StrokeDataset
from brushcli.painters.methods import Method, create_method
from brushcli.painters.painter import Painter

CHECKPOINT_DIR = "checkpoint"


@dataclass
class TrainSettings:
    """The training recipe (recorded in the painter's config.json)."""

    steps: int = 20_000
    batch: int = 128
    lr: float = 3e-3
    warmup: float = 0.05
    seed: int = 0
    checkpoint_every: int = 500

    def validate(self) -> None:
        if self.steps < 1:
            raise InvalidArgument(f"--steps must be at least 1, got {self.steps}")
        if self.batch < 1:
            raise InvalidArgument(f"batch size must be at least 1, got {self.batch}")
        if not self.lr > 0:
            raise InvalidArgument(f"learning rate must be positive, got {self.lr}")


@dataclass
class TrainLog:
    """Losses per logged step, and how long the run took."""

    steps: list[int] = field(default_factory=list)
    losses: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0


def lr_at(step: int, settings: TrainSettings) -> float:
    """Linear warm-up then cosine decay to 1% (a pure function of the step, so resume needs no state)."""
    warm = max(1, int(settings.warmup * settings.steps))
    if step < warm:
        return settings.lr * (step + 1) / warm
    progress = (step - warm) / max(1, settings.steps - warm)
    return settings.lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def batch_indices(n: int, batch: int, seed: int, step: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed * 1_000_003 + step)
    return torch.randint(0, n, (batch,), generator=generator)


def train(
    painter: Painter,
    data: StrokeDataset,
    settings: TrainSettings,
    out: Path | None = None,
    progress: Callable[[int, dict[str, float]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainLog:
    """Train ``painter`` in place with its config's method; checkpoint into ``out/checkpoint``.

    If ``out/checkpoint`` holds a compatible checkpoint, training resumes from it. ``progress`` is
    called after every step with the step number and its losses.
    """
    settings.validate()
    if len(data) == 0:
        raise InvalidArgument("no training data")
    method = create_method(painter.config.method, painter, settings)
    log, start = TrainLog(), 0
    ckpt = Path(out) / CHECKPOINT_DIR if out is not None else None
    if ckpt is not None and (ckpt / "state.json").is_file():
        start, log = load_checkpoint(ckpt, method, painter, settings)
    actions = torch.from_numpy(np.ascontiguousarray(data.actions))
    alphas = torch.from_numpy(np.ascontiguousarray(data.alphas))
    radii = None if data.radii is None else torch.from_numpy(np.ascontiguousarray(data.radii, dtype=np.float32))
    painter.train()
    began = time.perf_counter() - log.seconds
    for step in range(start, settings.steps):
        idx = batch_indices(len(data), settings.batch, settings.seed, step)
        batch_a = actions[idx]
        batch_y = alphas[idx].float() / 255.0
        batch_r = None if radii is None else radii[idx]
        losses = method.step(batch_a, batch_y, lr_at(step, settings), step, batch_r)
        if step % 50 == 0 or step == settings.steps - 1:
            log.steps.append(step)
            log.losses.append(losses)
        if progress:
            progress(step + 1, losses)
        done = step + 1
        stop = should_stop() if should_stop else False
        if ckpt is not None and (done % settings.checkpoint_every == 0 or done == settings.steps or stop):
            log.seconds = time.perf_counter() - began
            save_checkpoint(ckpt, method, painter, settings, done, log)
        if stop:
            break
    log.seconds = time.perf_counter() - began
    painter.eval()
    return log


def save_checkpoint(folder: Path, method: Method, painter: Painter, settings: TrainSettings, step: int,
                    log: TrainLog) -> None:
    """Model + method state (optimizers) as safetensors, the rest as JSON; replaced atomically."""
    from safetensors.torch import save_file

    from brushcli.outputs import atomic_path, ensure_dir, write_json

    ensure_dir(folder)
    tensors, meta = method.state()
    with atomic_path(folder / "state.safetensors") as tmp:
        save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, str(tmp))
    write_json(folder / "state.json", {
        "step": step, "settings": asdict(settings), "config": painter.config.to_dict(), "method": meta,
        "log": asdict(log),
    })


def load_checkpoint(folder: Path, method: Method, painter: Painter, settings: TrainSettings) -> tuple[int, TrainLog]:
    from brushcli.painters.folder import load_state

    try:
        doc = json.loads((folder / "state.json").read_text())
    except (OSError, ValueError) as exc:
        raise PainterError(f"{folder}: unreadable checkpoint ({exc}); delete it to start over") from exc
    saved = doc.get("config", {})
    current = painter.config.to_dict()
    for key in ("arch", "arch_args", "method", "canvas", "preset"):
        if saved.get(key) != current.get(key):
            raise PainterError(
                f"{folder}: checkpoint was made with a different {key}; use another --out or delete the checkpoint"
            )
    if doc.get("settings", {}).get("seed") != settings.seed:
        raise PainterError(f"{folder}: checkpoint was made with another --seed; use the same seed to resume")
    method.load_state(load_state(folder / "state.safetensors"), doc.get("method", {}))
    log_doc = doc.get("log", {})
    log = TrainLog(steps=list(log_doc.get("steps", [])), losses=list(log_doc.get("losses", [])),
                   seconds=float(log_doc.get("seconds", 0.0)))
    return int(doc["step"]), log


def settings_dict(settings: TrainSettings) -> dict[str, Any]:
    return asdict(settings)
