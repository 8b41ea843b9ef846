"""``brush train-agent``: train a painting agent inside a neural painter."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

from brushcli.cli.app import app
from brushcli.cli.painters import PAINTER_HELP
from brushcli.cli.console import LazyBars, console, graceful_stop, progress_bar, training_finished
from brushcli.cli.options import command_threads, device_option, seed_option, threads_option


@app.command("train-agent")
def train_agent_command(
    data: str = typer.Option(..., "--data", "-d", help="digits (offline), mnist, kmnist, celeba (downloaded), or an image folder."),
    out: Path = typer.Option(..., "--out", "-o", help="Agent folder to write (resumes if it holds a checkpoint)."),
    strokes: int = typer.Option(15, "--strokes", "-n", help="Strokes per painting."),
    painter: str = typer.Option("pen", "--painter", help=PAINTER_HELP),
    steps: int = typer.Option(4000, "--steps", help="Training steps (preconditioning included)."),
    batch: int = typer.Option(32, "--batch", help="Targets per step."),
    lr: float = typer.Option(3e-4, "--lr", help="Agent learning rate (warm-up, then cosine decay to 10%)."),
    critic_lr: float = typer.Option(1e-4, "--critic-lr", help="Critic learning rate."),
    critic_steps: int = typer.Option(1, "--critic-steps", help="Critic updates per agent update."),
    adversarial: float = typer.Option(1.0, "--adversarial-weight", help="Weight of the WGAN-GP loss (0: pixels only)."),
    pixel: float = typer.Option(50.0, "--pixel-weight", help="Weight of the pixel MSE loss (0: adversarial only)."),
    precondition: str = typer.Option(None, "--precondition", help="Hand-made stroke examples: a bundled set (digits) or a JSON file."),
    precondition_steps: int = typer.Option(500, "--precondition-steps", help="Steps of action MSE on the examples before the adversarial phase."),
    keep_order: float = typer.Option(0.0, "--keep-order", help="Weight of the preconditioning loss kept during the adversarial phase (0: switch fully, as in the paper)."),
    canvas: bool = typer.Option(False, "--canvas/--no-canvas", help="Let the policy see the canvas painted so far at every step (about 2x slower on a CPU)."),
    channels: str = typer.Option("auto", "--color", help="auto, gray or rgb ink (auto: gray for digit datasets)."),
    limit: int = typer.Option(None, "--limit", help="Use at most this many images."),
    holdout: int = typer.Option(200, "--holdout", help="Images held out for validation MSE and sample grids."),
    width: int = typer.Option(16, "--width", help="Encoder width (channels of the first convolution)."),
    hidden: int = typer.Option(256, "--hidden", help="LSTM size."),
    seed: int = seed_option(0, help="Seed for init, batches and augmentation."),
    checkpoint_every: int = typer.Option(250, "--checkpoint-every", help="Steps between checkpoints."),
    sample_every: int = typer.Option(250, "--sample-every", help="Steps between sample grids and validation."),
    snapshot_every: int = typer.Option(0, "--snapshot-every", help="Also keep the agent's weights every N steps (0: off)."),
    device: str = device_option(),
    threads: str = threads_option(),
    overwrite: bool = typer.Option(False, "--overwrite", help="Train from scratch: replace the agent in OUT and "
                                                              "discard its checkpoint instead of resuming it."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Train an agent that paints a target in one forward pass, inside a frozen neural painter.

    An LSTM policy emits one stroke per step; strokes are composited through the painter, so the
    whole painting is differentiable and trained end to end with a conditional WGAN-GP critic plus
    an optional pixel loss. --precondition first teaches it hand-made stroke examples (human order).

    While training: OUT/log.csv, OUT/samples/ and checkpoints in OUT/checkpoint (Ctrl-C saves one; run
    the same command again to resume). When it finishes: OUT/config.json, OUT/model.safetensors,
    OUT/README.md and OUT/samples.png. An OUT holding this agent trained with the same settings is
    left as it is; --overwrite retrains it. Under torchrun it trains data-parallel (--batch split
    over the processes; rank 0 writes).

    Examples:
      brush train-agent --data digits --precondition digits --steps 3000 --out agents/digits
      torchrun --nproc_per_node 2 -m brushcli train-agent --data digits --steps 3000 --out agents/digits
    """
    from brushcli.agents.pipeline import train_agent_folder
    from brushcli.agents.train import AgentTrainSettings
    from brushcli.distributed import ProcessGroup
    from brushcli.errors import InvalidArgument
    from brushcli.runtime import resolve_device

    modes = {"auto": None, "gray": 1, "rgb": 3}
    if channels not in modes:
        raise InvalidArgument(f"--color must be auto, gray or rgb, got {channels!r}")
    if not 1 <= strokes <= 1000:
        raise InvalidArgument(f"--strokes must be 1..1000, got {strokes}")
    settings = AgentTrainSettings(
        steps=steps, batch=batch, lr=lr, critic_lr=critic_lr, critic_steps=critic_steps, adversarial=adversarial,
        pixel=pixel, precondition_steps=precondition_steps if precondition else 0, order=keep_order if precondition else 0.0,
        seed=seed,
        checkpoint_every=checkpoint_every, sample_every=sample_every, snapshot_every=snapshot_every,
    )
    settings.validate()
    command = shlex.join(["brush", *sys.argv[1:]]) if sys.argv and sys.argv[0].endswith("brush") else None
    group = ProcessGroup.from_env()
    device = resolve_device(device)
    try:
        device = group.start(device)
        with command_threads(threads), graceful_stop() as stopped, \
                progress_bar(disable=quiet or not group.main) as bar:
            bars = LazyBars(bar)
            report = train_agent_folder(
                data, out, settings, painter=painter, strokes=strokes, precondition=precondition,
                channels=modes[channels], limit=limit, holdout=holdout,
                arch={"width": width, "hidden": hidden, "feedback": canvas},
                command=command, should_stop=stopped, device=device, group=group, overwrite=overwrite,
                progress=lambda step, losses: bars.update(
                    "agent", f"{losses.get('phase')} (loss {losses.get('loss', 0):.4f})", step, steps),
            )
    finally:
        group.close()
    if not training_finished(report.log.stopped, group.main, report.done_before, out, "agent"):
        return
    val = f", held-out neural MSE {report.val_mse:.4f}" if report.val_mse is not None else ""
    console.print(f"wrote agent {report.folder} ({report.log.seconds:.0f} s{val}); "
                  f"try: brush paint IMAGE --agent {report.folder}", highlight=False)
