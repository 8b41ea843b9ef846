"""``brush train-agent`` end to end: data, painter, examples, training, and the agent folder.

Writes ``OUT/config.json``, ``OUT/model.safetensors``, ``OUT/README.md`` (model card),
``OUT/samples.png``, ``OUT/log.csv``, ``OUT/samples/step_*.png`` and ``OUT/checkpoint/`` (resume by
running the same command again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from brushcli.agents.config import AgentConfig, AgentError
from brushcli.agents.critic import create_critic
from brushcli.agents.data import NAMED, ImageSet, load_dataset, split
from brushcli.agents.examples import load_examples
from brushcli.agents.figures import sample_grid
from brushcli.agents.inference import save_agent_folder
from brushcli.agents.policy import create_agent
from brushcli.agents.train import AgentTrainLog, AgentTrainSettings, train_agent
from brushcli.checkpoint import prepare_training_folder
from brushcli.distributed import ProcessGroup

#: Datasets that are gray ink on paper (agents for them paint gray strokes).
GRAY_DATASETS = ("digits", "mnist", "kmnist")


@dataclass
class AgentReport:
    folder: Path
    log: AgentTrainLog
    val_mse: float | None
    holdout: ImageSet | None
    #: OUT already held this agent, trained with the same settings (nothing was done).
    done_before: bool = False


def default_channels(data: str) -> int:
    return 1 if data in GRAY_DATASETS else 3


def train_agent_folder(
    data: str,
    out: Path,
    settings: AgentTrainSettings,
    painter: str = "pen",
    strokes: int = 15,
    precondition: str | None = None,
    channels: int | None = None,
    limit: int | None = None,
    holdout: int = 200,
    arch: dict[str, Any] | None = None,
    name: str | None = None,
    command: str | None = None,
    progress: Callable[[int, dict[str, float]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    device: str = "cpu",
    group: ProcessGroup | None = None,
    overwrite: bool = False,
) -> AgentReport:
    """Train (or resume) an agent on ``device`` on ``data`` and write its folder to ``out``.

    A folder holding this agent trained with the same settings is left as it is (``done_before``)
    unless ``overwrite``, which also starts over instead of resuming a checkpoint.

    With a ``group`` of several processes (torchrun) the batch is split over them and rank 0 writes.
    """
    from brushcli.painters.registry import create_painter

    settings.validate()
    group = group or ProcessGroup()
    group.split_batch(settings.batch)
    channels = channels or default_channels(data)
    painter_model = create_painter(painter, device=device)
    examples_set = load_examples(precondition) if precondition else None
    dataset = load_dataset(data, limit=limit, channels=channels)
    if len(dataset) < 2:
        raise AgentError(f"{data}: need at least 2 images, found {len(dataset)}")
    train_set, held = split(dataset, holdout, seed=0)
    config = AgentConfig(
        name=name or (Path(data).name if data not in NAMED else data), painter=painter, strokes=strokes,
        channels=channels, dataset=data, precondition=precondition,
    )
    if arch:
        config.arch.update(arch)
    config.validate()
    identity = {k: v for k, v in config.to_dict().items() if k not in ("training", "metrics")}
    if not prepare_training_folder(Path(out), identity, {"settings": asdict(settings), "steps_done": settings.steps},
                                   overwrite):
        return AgentReport(Path(out), AgentTrainLog(), None, None, done_before=True)
    agent = create_agent(config, seed=settings.seed).to(device)
    critic = create_critic(channels, settings.critic_width, seed=settings.seed).to(device)
    examples = examples_set.actions(painter_model.preset, strokes, channels) if examples_set else None
    holdout_targets = held.floats() if len(held) else None
    log = train_agent(agent, critic, painter_model, train_set, settings, out=out, examples=examples,
                      holdout=holdout_targets, progress=progress, should_stop=should_stop, group=group)
    if log.stopped or not group.main:  # interrupted: the checkpoint is saved, nothing is published; rank 0 writes
        group.barrier()
        return AgentReport(Path(out), log, log.last("val_mse"), held)
    val = log.last("val_mse")
    done = int(log.rows[-1]["step"]) if log.rows else 0
    config.training = {"command": command, "settings": asdict(settings), "steps_done": done,
                       "seconds": round(log.seconds, 1),
                       "train_images": len(train_set), "holdout_images": len(held),
                       "split": "torch.randperm(seed=0), last holdout_images held out",
                       **({"processes": group.world} if group.distributed else {})}
    config.metrics = {"holdout_mse_neural": val} if val is not None else {}
    save_agent_folder(agent, out, card=agent_card(config))
    if holdout_targets is not None:
        from brushcli.files import write_png

        write_png(Path(out) / "samples.png", sample_grid(agent, painter_model, holdout_targets[:10]))
    group.barrier()
    return AgentReport(Path(out), log, val, held)


def agent_card(config: AgentConfig, usage: str | None = None) -> str:
    """The agent folder's README.md."""
    t = config.training
    s = t.get("settings", {})
    pre = ""
    if config.precondition:
        keep = f", keeping it with weight {s.get('order')}" if s.get("order") else ""
        pre = (f"preconditioned for {s.get('precondition_steps')} steps on the hand-made stroke examples "
               f"`{config.precondition}`{keep}, then ")
    metrics = "\n".join(f"- {k}: {round(v, 5) if isinstance(v, float) else v}" for k, v in config.metrics.items())
    return f"""# brush painting agent: {config.name}

A recurrent (LSTM) policy that paints a 64x64 target with **{config.strokes} strokes** of the
`{config.painter}` neural painter in one forward pass ({'gray' if config.channels == 1 else 'RGB'} ink on
white paper). Trained inside the frozen painter on `{config.dataset}`: {pre}a conditional WGAN-GP critic
(adversarial weight {s.get('adversarial')}) plus pixel MSE (weight {s.get('pixel')});
{t.get('steps_done', s.get('steps'))} steps of batch {s.get('batch')}, {t.get('seconds')} s of training on a CPU.

## Held-out metrics ({t.get('holdout_images')} images)

{metrics or '- none recorded'}

## Use

    {usage or f'brush paint IMAGE --agent PATH/TO/{config.name}'}

## Reproduce

    {t.get('command') or 'brush train-agent ...'}

Files: `config.json` (the agent's config, read by brush), `model.safetensors` (weights, loaded with
safetensors only, never unpickled).
"""
