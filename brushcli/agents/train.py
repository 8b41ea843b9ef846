"""Training painting agents inside a frozen neural painter: preconditioning, then WGAN-GP (+ pixels).

Two phases share one loop:

1. *Preconditioning* (Neural Painters, section 4), the first ``precondition_steps`` steps: targets are
   hand-made stroke examples (randomly jittered) rendered through the painter, and the agent learns to
   reproduce those strokes' *actions* by MSE with teacher forcing, so it adopts their order.
2. *Adversarial*: the agent paints dataset targets in free-running rollouts; a conditional WGAN-GP
   critic compares ``(target, painting)`` with ``(target, target)``; the agent minimises
   ``adversarial * -critic(target, painting) + pixel * MSE(painting, target)``. Gradients flow
   through every composited stroke into the policy (no reinforcement learning).

Batches, augmentations and the gradient penalty's mixing weights come from a generator seeded by
(seed, step), and model init from the seed, so a run stopped at step k and resumed from its
checkpoint reaches exactly the state of an uninterrupted run.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from brushcli.agents.config import MAX_WEIGHTS_BYTES, AgentError
from brushcli.checkpoint import (WarmupCosine, has_checkpoint, load_checkpoint, restore_training_state, save_checkpoint,
                                 step_generator, training_state, write_safetensors)
from brushcli.agents.critic import ConditionalCritic, gradient_penalty
from brushcli.agents.data import ImageSet
from brushcli.agents.examples import augment, render_examples
from brushcli.agents.policy import PaintingAgent
from brushcli.distributed import ProcessGroup
from brushcli.errors import InvalidArgument
from brushcli.painters.painter import Painter
from brushcli.runtime import autocast
from brushcli.vision import transforms as T

LOG_FILE = "log.csv"
SAMPLES_DIR = "samples"
SNAPSHOTS_DIR = "snapshots"
LOG_COLUMNS = ("step", "phase", "loss", "action_mse", "critic", "gp", "adversarial", "pixel", "val_mse", "lr",
               "seconds")


@dataclass
class AgentTrainSettings:
    """The training recipe (recorded in the agent's config.json)."""

    steps: int = 4000
    batch: int = 32
    lr: float = 3e-4
    critic_lr: float = 1e-4
    critic_steps: int = 1
    critic_width: int = 16
    gp: float = 10.0
    adversarial: float = 1.0
    pixel: float = 50.0
    precondition_steps: int = 0
    order: float = 0.0
    blur: float = 1.5
    seed: int = 0
    shift: int = 2
    checkpoint_every: int = 250
    sample_every: int = 250
    snapshot_every: int = 0
    log_every: int = 10

    def validate(self) -> None:
        if self.steps < 1:
            raise InvalidArgument(f"--steps must be at least 1, got {self.steps}")
        if self.batch < 1:
            raise InvalidArgument(f"--batch must be at least 1, got {self.batch}")
        if not (self.lr > 0 and self.critic_lr > 0):
            raise InvalidArgument("learning rates must be positive")
        if self.adversarial < 0 or self.pixel < 0 or self.adversarial + self.pixel == 0:
            raise InvalidArgument("--adversarial-weight and --pixel-weight must be >= 0 and not both 0")
        if self.precondition_steps < 0 or self.critic_steps < 1 or self.shift < 0 or self.order < 0 or self.blur < 0:
            raise InvalidArgument("--precondition-steps, --keep-order, blur and shift must be >= 0, critic steps >= 1")
        for name in ("checkpoint_every", "sample_every", "log_every"):
            if getattr(self, name) < 1:
                raise InvalidArgument(f"{name.replace('_', '-')} must be at least 1")


@dataclass
class AgentTrainLog:
    """Logged rows (also in log.csv) and the wall time of the run, including earlier resumed parts."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    #: Whether the run stopped early (interrupted, in any of the training processes).
    stopped: bool = False

    def last(self, key: str) -> float | None:
        for row in reversed(self.rows):
            if row.get(key) not in (None, ""):
                return float(row[key])
        return None


def lr_schedule(agent_opt: torch.optim.Optimizer, critic_opt: torch.optim.Optimizer, settings: AgentTrainSettings,
                start: int = 0) -> WarmupCosine:
    """Short linear warm-up (5% of the steps, at most 100), then cosine decay to 10% of each rate."""
    return WarmupCosine([(agent_opt, settings.lr), (critic_opt, settings.critic_lr)], settings.steps,
                        max(1, min(100, settings.steps // 20)), 0.1, start)


def shift_images(images: torch.Tensor, shift: int, generator: torch.Generator) -> torch.Tensor:
    """Translate each image by up to ``shift`` px in x and y, filling with white paper."""
    if shift <= 0:
        return images
    b, _, h, w = images.shape
    offsets = torch.randint(0, 2 * shift + 1, (b, 2), generator=generator)
    padded = F.pad(images, (shift, shift, shift, shift), value=1.0)
    return torch.stack([padded[i, :, oy:oy + h, ox:ox + w] for i, (ox, oy) in enumerate(offsets.tolist())])


class AgentTrainer:
    """Owns the agent, the critic, their optimisers and one training step of each phase."""

    def __init__(self, agent: PaintingAgent, critic: ConditionalCritic, painter: Painter,
                 settings: AgentTrainSettings, examples: tuple[torch.Tensor, torch.Tensor] | None = None,
                 group: ProcessGroup | None = None) -> None:
        self.agent, self.critic, self.painter, self.settings = agent, critic, painter, settings
        self.examples = examples
        self.group = group or ProcessGroup()
        #: This process's share of every step's batch.
        self.batch = self.group.split_batch(settings.batch)
        self.device = next(agent.parameters()).device
        self.optimizers = {
            "agent": torch.optim.Adam(agent.parameters(), lr=settings.lr, betas=(0.5, 0.9)),
            "critic": torch.optim.Adam(critic.parameters(), lr=settings.critic_lr, betas=(0.5, 0.9)),
        }

    def phase(self, step: int) -> str:
        if self.examples is not None and step < self.settings.precondition_steps:
            return "precondition"
        return "adversarial" if self.settings.adversarial > 0 else "pixel"

    def update(self, name: str) -> None:
        """Step optimizer ``name`` on gradients averaged over the training processes."""
        opt = self.optimizers[name]
        self.group.average_gradients([p for group in opt.param_groups for p in group["params"]])
        opt.step()

    def example_batch(self, generator: torch.Generator, batch: int | None = None
                      ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Jittered hand-made examples: (targets rendered through the painter and blurred, actions, colors)."""
        actions, colors = self.examples  # type: ignore[misc]
        pick = torch.randint(0, actions.shape[0], (batch or self.batch,), generator=generator)
        acts, inks = augment(actions[pick], colors[pick], generator)
        acts, inks = acts.to(self.device), inks.to(self.device)
        with torch.no_grad():
            targets = render_examples(acts, inks, self.painter)
            sigma = torch.rand(len(targets), generator=generator) * self.settings.blur
            targets = T.gaussian_blur(targets, sigma)
        return targets, acts, inks

    def order_loss(self, generator: torch.Generator, batch: int | None = None) -> torch.Tensor:
        """Action MSE of the agent, teacher-forced on jittered examples (the preconditioning loss)."""
        targets, acts, inks = self.example_batch(generator, batch)
        with autocast(self.device):
            pred_a, pred_c = self.agent.teacher_forced(targets, acts, inks, self.painter)
        return F.mse_loss(pred_a.float(), acts) + F.mse_loss(pred_c.float(), inks)

    def precondition_step(self, generator: torch.Generator) -> dict[str, float]:
        loss = self.order_loss(generator)
        opt = self.optimizers["agent"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        self.update("agent")
        value = float(loss.detach())
        return {"loss": value, "action_mse": value}

    def adversarial_step(self, targets: torch.Tensor, generator: torch.Generator) -> dict[str, float]:
        s = self.settings
        with autocast(self.device):
            painting = self.agent(targets, self.painter).canvas.float()
        losses: dict[str, float] = {}
        if s.adversarial > 0:
            self.critic.requires_grad_(True)
            opt_c = self.optimizers["critic"]
            fake = painting.detach()
            for _ in range(s.critic_steps):
                real_score = self.critic(targets, targets)
                fake_score = self.critic(targets, fake)
                gp = gradient_penalty(self.critic, targets, targets, fake, generator)
                loss_c = fake_score.mean() - real_score.mean() + s.gp * gp + 1e-3 * (real_score**2).mean()
                opt_c.zero_grad(set_to_none=True)
                loss_c.backward()
                self.update("critic")
            losses["critic"] = float((real_score - fake_score).mean().detach())  # Wasserstein estimate
            losses["gp"] = float(gp.detach())
            self.critic.requires_grad_(False)
        pixel = F.mse_loss(painting, targets)
        loss = s.pixel * pixel
        if s.adversarial > 0:
            with autocast(self.device):
                adversarial = -self.critic(targets, painting).float().mean()
            loss = loss + s.adversarial * adversarial
            losses["adversarial"] = float(adversarial.detach())
        if s.order > 0 and self.examples is not None:  # keep the human stroke order learnt in preconditioning
            order = self.order_loss(generator, max(1, self.batch // 2))
            loss = loss + s.order * order
            losses["action_mse"] = float(order.detach())
        opt = self.optimizers["agent"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        self.update("agent")
        losses["pixel"] = float(pixel.detach())
        losses["loss"] = float(loss.detach())
        return losses

    # -- state -------------------------------------------------------------------------------

    def state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """Every tensor of the run (networks and optimisers) plus JSON-able metadata."""
        return training_state({"agent": self.agent, "critic": self.critic}, self.optimizers)

    def load_state(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        restore_training_state(tensors, meta, {"agent": self.agent, "critic": self.critic}, self.optimizers)


def validation_mse(agent: PaintingAgent, painter: Painter, targets: torch.Tensor, batch: int = 64) -> float:
    """Mean pixel MSE of the agent's neural paintings of ``targets``."""
    total = 0.0
    device = next(agent.parameters()).device
    with torch.no_grad():
        for chunk in targets.split(batch):
            chunk = chunk.to(device)
            total += float(((agent(chunk, painter).canvas - chunk) ** 2).mean()) * len(chunk)
    return total / max(1, len(targets))


def train_agent(
    agent: PaintingAgent,
    critic: ConditionalCritic,
    painter: Painter,
    data: ImageSet,
    settings: AgentTrainSettings,
    out: Path | None = None,
    examples: tuple[torch.Tensor, torch.Tensor] | None = None,
    holdout: torch.Tensor | None = None,
    progress: Callable[[int, dict[str, float]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    group: ProcessGroup | None = None,
) -> AgentTrainLog:
    """Train ``agent`` (and ``critic``) in place on their device; checkpoint, log and sample into ``out``.

    ``examples`` are preconditioning actions ``(K, T, 9)`` and inks ``(K, T, C)``; ``holdout`` float
    targets ``(M, C, 64, 64)`` for validation MSE and sample grids. If ``out/checkpoint`` holds a
    compatible checkpoint, training resumes from it. With a ``group`` of several processes,
    ``settings.batch`` is the batch of all of them and rank 0 writes.
    """
    settings.validate()
    group = group or ProcessGroup()
    if len(data) == 0:
        raise InvalidArgument("no training images")
    if data.channels != agent.channels:
        raise AgentError(f"dataset has {data.channels} channels but the agent paints {agent.channels}")
    trainer = AgentTrainer(agent, critic, painter, settings, examples, group)
    log, start = AgentTrainLog(), 0
    out = Path(out) if out is not None else None
    if has_checkpoint(out):
        start, log = _resume(out, trainer)  # type: ignore[arg-type]
    group.broadcast(t for module in (agent, critic) for t in module.state_dict().values())
    writes = out is not None and group.main
    if writes:
        _rewrite_log(out / LOG_FILE, [r for r in log.rows if r["step"] <= start])
    images = data.images
    agent.train()
    began = time.perf_counter() - log.seconds
    window: dict[str, list[float]] = {}
    schedule = lr_schedule(trainer.optimizers["agent"], trainer.optimizers["critic"], settings, start)
    for step in range(start, settings.steps):
        generator = step_generator(settings.seed, step, group.rank)
        lr = schedule.lr
        phase = trainer.phase(step)
        if phase == "precondition":
            losses = trainer.precondition_step(generator)
        else:
            idx = torch.randint(0, len(images), (trainer.batch,), generator=generator)
            targets = shift_images(images[idx].float() / 255.0, settings.shift, generator).to(trainer.device)
            losses = trainer.adversarial_step(targets, generator)
        schedule.step()
        for key, value in losses.items():
            window.setdefault(key, []).append(value)
        done = step + 1
        if progress:
            progress(done, {**losses, "phase": phase})  # type: ignore[dict-item]
        sample = group.main and holdout is not None and (done % settings.sample_every == 0 or done == settings.steps)
        if done % settings.log_every == 0 or done == settings.steps or sample:
            row: dict[str, Any] = {"step": done, "phase": phase, "lr": lr,
                                   **{k: sum(v) / len(v) for k, v in window.items()}}
            window = {}
            if sample:
                row["val_mse"] = validation_mse(agent, painter, holdout)  # type: ignore[arg-type]
                if out is not None:
                    from brushcli.agents.figures import sample_grid
                    from brushcli.files import ensure_dir, write_png

                    ensure_dir(out / SAMPLES_DIR)
                    write_png(out / SAMPLES_DIR / f"step_{done:06d}.png",
                              sample_grid(agent, painter, holdout[:10]))  # type: ignore[index]
            row["seconds"] = time.perf_counter() - began
            log.rows.append(row)
            if writes:
                _append_log(out / LOG_FILE, row)
        stop = group.any(should_stop()) if should_stop else False
        if writes and settings.snapshot_every and done % settings.snapshot_every == 0:
            save_weights(agent, out / SNAPSHOTS_DIR / f"step_{done:06d}.safetensors")
        if writes and (done % settings.checkpoint_every == 0 or done == settings.steps or stop):
            log.seconds = time.perf_counter() - began
            _save(out, trainer, done, log)
        if stop:
            log.stopped = True
            break
    log.seconds = time.perf_counter() - began
    agent.eval()
    group.barrier()  # rank 0's last checkpoint is on disk before anyone goes on
    return log


def save_weights(agent: PaintingAgent, path: Path) -> Path:
    """The agent's weights alone, as safetensors (what an agent folder's model.safetensors holds)."""
    return write_safetensors(path, agent.state_dict(), metadata={"format": "brush-agent"})


#: What must match for a checkpoint to be resumed into this agent.
CHECKPOINT_KEYS = ("painter", "strokes", "channels", "arch")


def _save(out: Path, trainer: AgentTrainer, step: int, log: AgentTrainLog) -> None:
    """Networks + optimisers as safetensors, the rest as JSON (see :mod:`brushcli.checkpoint`)."""
    tensors, meta = trainer.state()
    save_checkpoint(out, tensors, {"step": step, "settings": asdict(trainer.settings),
                                   "config": trainer.agent.config.to_dict(), "optimizers": meta, "log": asdict(log),
                                   "world": trainer.group.world})


def _resume(out: Path, trainer: AgentTrainer) -> tuple[int, AgentTrainLog]:
    doc, tensors = load_checkpoint(out, trainer.agent.config.to_dict(), CHECKPOINT_KEYS, trainer.settings.seed,
                                   4 * MAX_WEIGHTS_BYTES, AgentError)
    if doc.get("world", 1) != trainer.group.world:
        raise AgentError(f"{out}/checkpoint was made by {doc.get('world', 1)} training process(es), this run has "
                         f"{trainer.group.world}: resume with the same number")
    trainer.load_state(tensors, doc.get("optimizers", {}))
    log_doc = doc.get("log", {})
    log = AgentTrainLog(rows=list(log_doc.get("rows", [])), seconds=float(log_doc.get("seconds", 0.0)))
    return doc["step"], log


def _rewrite_log(path: Path, rows: list[dict[str, Any]]) -> None:
    from brushcli.files import atomic_path, ensure_dir

    ensure_dir(path.parent)
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=LOG_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(_fmt(row))


def _append_log(path: Path, row: dict[str, Any]) -> None:
    with open(path, "a", newline="") as fh:
        csv.DictWriter(fh, fieldnames=LOG_COLUMNS, extrasaction="ignore").writerow(_fmt(row))


def _fmt(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()}
