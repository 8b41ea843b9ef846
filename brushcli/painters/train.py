"""Training painters: one loop, pluggable methods, checkpoints that resume to the identical state.

A *method* owns the networks being trained and the update rule (regression here; the paper's VAE
and GAN methods in :mod:`brushcli.painters.methods`). The loop owns batching, the learning-rate
schedule, checkpoints and progress. Batches are drawn from a generator seeded by (seed, step), so a
run interrupted at step k and resumed gives exactly the weights of an uninterrupted run.

Data-parallel (several processes under torchrun, :class:`~brushcli.distributed.ProcessGroup`):
each process holds its own shards of the strokes and draws ``batch / world`` of every step's
batch from them (its own random stream), gradients are averaged before every update, so all
processes take the same steps; they stop at the same step when one is interrupted, and rank 0
alone writes checkpoints.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from brushcli.checkpoint import WarmupCosine, has_checkpoint, load_checkpoint, save_checkpoint, step_generator
from brushcli.distributed import ProcessGroup
from brushcli.errors import InvalidArgument, PainterError
from brushcli.painters.data import StrokeDataset
from brushcli.painters.methods import Method, create_method
from brushcli.painters.painter import Painter



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
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise InvalidArgument(f"learning rate must be a positive number, got {self.lr}")


@dataclass
class TrainLog:
    """Losses per logged step, and how long the run took."""

    steps: list[int] = field(default_factory=list)
    losses: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    #: Whether the run stopped early (interrupted, in any of the training processes).
    stopped: bool = False


def lr_schedule(optimizers: list[torch.optim.Optimizer], settings: TrainSettings, start: int = 0) -> WarmupCosine:
    """Linear warm-up over ``settings.warmup`` of the steps, then cosine decay to 1% of ``settings.lr``."""
    return WarmupCosine([(opt, settings.lr) for opt in optimizers], settings.steps,
                        max(1, int(settings.warmup * settings.steps)), 0.01, start)


def batch_indices(n: int, batch: int, seed: int, step: int, stream: int = 0) -> torch.Tensor:
    return torch.randint(0, n, (batch,), generator=step_generator(seed, step, stream))


def train(
    painter: Painter,
    data: StrokeDataset,
    settings: TrainSettings,
    out: Path | None = None,
    progress: Callable[[int, dict[str, float]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    group: ProcessGroup | None = None,
) -> TrainLog:
    """Train ``painter`` in place (on its device) with its config's method; checkpoint into ``out/checkpoint``.

    If ``out/checkpoint`` holds a compatible checkpoint, training resumes from it. ``progress`` is
    called after every step with the step number and its losses. With a ``group`` of several
    processes, ``data`` is this process's part and ``settings.batch`` the batch of all of them.
    """
    settings.validate()
    group = group or ProcessGroup()
    local_batch = group.split_batch(settings.batch)
    if len(data) == 0:
        raise InvalidArgument("no training data")
    device = next(painter.parameters()).device
    method = create_method(painter.config.method, painter, settings)
    method.sync, method.stream = group.average_gradients, group.rank
    log, start = TrainLog(), 0
    if has_checkpoint(out):
        start, log = _resume(Path(out), method, painter, settings, group.world)
    group.broadcast(t for module in method.modules.values() for t in module.state_dict().values())
    schedule = lr_schedule(list(method.optimizers.values()), settings, start)
    actions = torch.from_numpy(np.ascontiguousarray(data.actions))
    alphas = torch.from_numpy(np.ascontiguousarray(data.alphas))
    radii = None if data.radii is None else torch.from_numpy(np.ascontiguousarray(data.radii, dtype=np.float32))
    painter.train()
    began = time.perf_counter() - log.seconds
    for step in range(start, settings.steps):
        idx = batch_indices(len(data), local_batch, settings.seed, step, group.rank)
        batch_a = actions[idx].to(device, non_blocking=True)
        batch_y = alphas[idx].to(device, non_blocking=True).float() / 255.0
        batch_r = None if radii is None else radii[idx].to(device, non_blocking=True)
        losses = method.step(batch_a, batch_y, step, batch_r)
        schedule.step()
        if step % 50 == 0 or step == settings.steps - 1:
            log.steps.append(step)
            log.losses.append(_mean_over(group, losses, device))
            if not all(math.isfinite(v) for v in log.losses[-1].values()):  # every process sees the same mean
                raise PainterError(f"training diverged at step {step} (the loss became NaN or infinite); the last "
                                   f"checkpoint is from before it; try a lower --lr and delete the checkpoint folder")
        if progress:
            progress(step + 1, losses)
        done = step + 1
        stop = group.any(should_stop()) if should_stop else False
        if out is not None and group.main and (done % settings.checkpoint_every == 0 or done == settings.steps or stop):
            log.seconds = time.perf_counter() - began
            _save(Path(out), method, painter, settings, done, log, group.world)
        if stop:
            log.stopped = True
            break
    log.seconds = time.perf_counter() - began
    painter.eval()
    group.barrier()  # rank 0's last checkpoint is on disk before anyone goes on
    return log


def _mean_over(group: ProcessGroup, losses: dict[str, float], device: torch.device) -> dict[str, float]:
    """Losses averaged over the training processes (each saw its own part of the batch)."""
    if not group.distributed:
        return losses
    import torch.distributed as dist

    keys = sorted(losses)
    values = torch.tensor([losses[k] for k in keys], dtype=torch.float64, device=group.comm_device)
    dist.all_reduce(values)
    return {k: float(v) / group.world for k, v in zip(keys, values.tolist())}


#: What must match for a checkpoint to be resumed into this painter.
CHECKPOINT_KEYS = ("arch", "arch_args", "method", "canvas", "preset")


def _save(out: Path, method: Method, painter: Painter, settings: TrainSettings, step: int, log: TrainLog,
          world: int = 1) -> None:
    """Model + method state (optimizers) as safetensors, the rest as JSON (see :mod:`brushcli.checkpoint`)."""
    tensors, meta = method.state()
    save_checkpoint(out, tensors, {"step": step, "settings": asdict(settings), "config": painter.config.to_dict(),
                                   "method": meta, "log": asdict(log), "world": world})


def _resume(out: Path, method: Method, painter: Painter, settings: TrainSettings, world: int = 1
            ) -> tuple[int, TrainLog]:
    from brushcli.painters.folder import MAX_WEIGHTS_BYTES

    doc, tensors = load_checkpoint(out, painter.config.to_dict(), CHECKPOINT_KEYS, settings.seed,
                                   4 * MAX_WEIGHTS_BYTES, PainterError)
    saved_world = doc.get("world", 1)
    if saved_world != world:
        raise PainterError(f"{out}/checkpoint was made by {saved_world} training process(es), this run has {world}: "
                           "resume with the same number (each process trains on its own part of the data)")
    method.load_state(tensors, doc.get("method", {}))  # load_state_dict moves tensors to the parameters' device
    log_doc = doc.get("log", {})
    log = TrainLog(steps=list(log_doc.get("steps", [])), losses=list(log_doc.get("losses", [])),
                   seconds=float(log_doc.get("seconds", 0.0)))  # a resumed run is not stopped
    return doc["step"], log


def settings_dict(settings: TrainSettings) -> dict[str, Any]:
    return asdict(settings)
