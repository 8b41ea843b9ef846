"""``train_painter``: any MyPaint brush to a painter folder in one call (data, training, report)."""

from __future__ import annotations

import json
import math
import re
import shlex
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch

from brushcli import userdirs
from brushcli.checkpoint import prepare_training_folder
from brushcli.distributed import ProcessGroup
from brushcli.errors import BrushNotFound, InvalidArgument, PainterError
from brushcli.mypaint.brushes import resolve_brush
from brushcli.mypaint.engine import check_brush
from brushcli.files import ensure_dir, write_png
from brushcli.painters.card import model_card
from brushcli.painters.config import METHODS, PainterConfig
from brushcli.painters.data import build_dataset, check_dataset_size
from brushcli.painters.evaluate import Fidelity, check_eval_samples, evaluate_painter, sample_grid
from brushcli.painters.folder import save_painter_folder
from brushcli.painters.painter import Painter
from brushcli.painters.registry import BUNDLED, is_bare_name, painter_reference
from brushcli.painters.train import CHECKPOINT_KEYS, TrainLog, TrainSettings, train
from brushcli.presets import Preset, list_presets, load_preset
from brushcli.runtime import usable_cores

#: Action ranges used for a brush that has no preset of its own.
GENERIC_RANGES = {"size": (0.02, 0.12), "pressure": (0.2, 1.0)}
DEFAULT_ARCH = {"regression": "dabs", "vae": "vae", "gan": "conv"}


@dataclass
class TrainReport:
    """What a training run produced."""

    folder: Path
    fidelity: Fidelity | None
    log: TrainLog
    stopped: bool = False
    #: OUT already held this painter, trained with the same settings (nothing was done).
    done_before: bool = False


def make_preset(brush: str | None, preset: str | None) -> Preset:
    """The preset to train with: a named/path preset, optionally with another brush, or generic ranges."""
    if preset:
        base = load_preset(preset)
        chosen = replace(base, brush=brush) if brush else base
    elif brush:
        spec = resolve_brush(brush)
        slug = re.sub(r"[^a-z0-9]+", "-", spec.name.lower().removesuffix(".myb").split("/")[-1])[:64].strip("-")
        chosen = Preset(name=slug or "brush", brush=brush, size=GENERIC_RANGES["size"],
                        pressure=GENERIC_RANGES["pressure"], description=f"MyPaint brush {spec.name}")
    else:
        raise InvalidArgument("give --brush NAME (e.g. classic/charcoal) or --preset NAME")
    spec = resolve_brush(chosen.brush)
    check_brush(spec)
    if spec.uses_canvas_color():
        raise BrushNotFound(
            f"brush {spec.name} smudges, erases or recolours what is under it; a painter predicts a stroke's "
            "alpha on an empty canvas, which cannot imitate that. Choose a normal brush"
        )
    return chosen


def default_folder(name: str) -> Path:
    """Where a painter goes without ``--out``: ``name`` in your painters folder, so that ``--painter
    NAME`` finds it from anywhere (:func:`brushcli.userdirs.painters_dir`); ``my-NAME`` when a
    bundled painter has that name, since the bundled one would win (``charcoal`` -> ``my-charcoal``)."""
    if not is_bare_name(name) or len(name) > 64:
        raise InvalidArgument(f"painter name {name!r} cannot be a folder name that --painter finds by name; give "
                              "--out DIR, or a --name of up to 64 letters, digits, '.', '_' and '-' (no leading '.')")
    return userdirs.painters_dir() / (f"my-{name}" if name in BUNDLED else name)


def train_painter(
    brush: str | None = None,
    preset: str | None = None,
    out: Path | None = None,
    method: str = "regression",
    samples: int = 100_000,
    settings: TrainSettings | None = None,
    arch: str | None = None,
    arch_args: dict | None = None,
    name: str | None = None,
    eval_samples: int = 2000,
    workers: int | None = None,
    command: str | None = None,
    data_progress: Callable[[int], None] | None = None,
    train_progress: Callable[[int, dict[str, float]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    device: str = "cpu",
    group: ProcessGroup | None = None,
    overwrite: bool = False,
) -> TrainReport:
    """Generate MyPaint strokes, train a painter on ``device``, measure it, write the painter folder ``out``
    (by default the painter's name in your painters folder: :func:`default_folder`).

    A folder holding this painter trained with the same settings is left as it is (``done_before``)
    unless ``overwrite``, which also starts over instead of resuming a checkpoint.

    With a ``group`` of several processes (torchrun), each renders and trains on its own shards of
    the strokes with gradients averaged; rank 0 writes checkpoints, measures and writes the folder.
    """
    if method not in METHODS:
        raise InvalidArgument(f"unknown --method {method!r}; choose one of {', '.join(METHODS)}")
    settings = settings or TrainSettings()
    settings.validate()
    if not isinstance(samples, int) or samples < 1:
        raise InvalidArgument(f"--samples must be a positive number of strokes, got {samples}")
    if eval_samples < 1:
        raise InvalidArgument(f"--eval-samples must be positive, got {eval_samples}")
    chosen = make_preset(brush, preset)
    group = group or ProcessGroup()
    group.split_batch(settings.batch)  # refuse a batch that does not split before any rendering
    if workers is None and group.distributed:  # the processes on one machine share its cores
        workers = max(1, usable_cores(threads_env=False) // group.local_world)
    arch = arch or DEFAULT_ARCH[method]
    config = PainterConfig(
        name=name or chosen.name, preset=chosen, arch=arch, method=method,
        arch_args=default_arch_args(arch, chosen, arch_args),
    )
    check_dataset_size(samples, config.canvas)
    check_eval_samples(eval_samples, config.canvas, option="--eval-samples")
    out = Path(out) if out is not None else default_folder(config.name)
    identity = {k: v for k, v in config.to_dict().items() if k in (*CHECKPOINT_KEYS, "name")}
    if not prepare_training_folder(out, identity, {"samples": samples, **asdict(settings)}, overwrite):
        return TrainReport(folder=out, fidelity=None, log=TrainLog(), done_before=True)
    out = ensure_dir(out)  # only now: a refused run leaves nothing behind
    torch.manual_seed(settings.seed)
    painter = Painter(config).to(device)
    data = build_dataset(chosen, samples, config.canvas, seed=settings.seed, workers=workers, progress=data_progress,
                         owns=group.owns if group.distributed else None)
    log = train(painter, data, settings, out=out, progress=train_progress, should_stop=should_stop, group=group)
    if log.stopped:  # interrupted (in any process): the checkpoint is saved, nothing is published
        return TrainReport(folder=out, fidelity=None, log=log, stopped=True)
    losses = [v for row in log.losses for v in row.values()]
    if not all(math.isfinite(v) for v in losses) or not all(
            torch.isfinite(p).all() for p in painter.parameters()):
        raise PainterError("training diverged (the loss became NaN or infinite); nothing was written; "
                           "try a lower --lr and delete the checkpoint folder")
    if not group.main:  # rank 0 measures and publishes
        group.barrier()
        return TrainReport(folder=out, fidelity=None, log=log)
    fid, _, target, pred = evaluate_painter(painter, eval_samples, workers=workers)
    config.training = {
        "samples": samples, **asdict(settings), "seconds": round(log.seconds, 1),
        "final_loss": log.losses[-1] if log.losses else None,
        "command": command or default_command(chosen, method, samples, settings, out, arch_args or {}),
    }
    config.metrics = {k: v for k, v in fid.to_dict().items() if k != "worst"}
    if group.distributed:
        config.training["processes"] = group.world
    write_png(out / "samples.png", np.repeat(sample_grid(target, pred, 8)[..., None], 3, axis=2))
    save_painter_folder(painter, out, card=model_card(config, "samples.png", painter_reference(out)))
    group.barrier()
    return TrainReport(folder=out, fidelity=fid, log=log)


#: libmypaint's defaults for the settings that decide where dabs fall.
_SPACING_DEFAULTS = {"dabs_per_actual_radius": 2.0, "dabs_per_basic_radius": 0.0, "dabs_per_second": 0.0}


def default_arch_args(arch: str, preset: Preset, given: dict | None = None) -> dict:
    """Architecture arguments a new painter is built with: derived ones (the dab schedule for
    ``dabs``) overridden by those ``given`` (``--arch-args``)."""
    derived = {**dab_schedule(preset), **dab_shape(preset)} if arch == "dabs" else {}
    return {**derived, **(given or {})}


def dab_shape(preset: Preset) -> dict:
    """``ellipse`` for a brush whose dabs are fixed ellipses (a calligraphy nib), read from the brush file.

    Only a fixed shape is taken: an angle or ratio driven by an input (say the stroke's direction)
    is left to the round-dab renderer.
    """
    settings = resolve_brush(preset.brush).settings
    ratio, angle = settings.get("elliptical_dab_ratio", {}), settings.get("elliptical_dab_angle", {})
    if float(ratio.get("base_value", 1.0)) < 1.5 or ratio.get("inputs") or angle.get("inputs"):
        return {}
    return {"ellipse": [float(angle.get("base_value", 90.0)), float(ratio["base_value"])]}


def dab_schedule(preset: Preset) -> dict:
    """Arguments that make a ``dabs`` painter lay its dabs on MyPaint's schedule (see ``DabNet``).

    Read from the brush file when training and stored in the painter's config, so loading a painter
    never needs the brush file. Input mappings on these settings are not followed.
    """
    settings = resolve_brush(preset.brush).settings
    spacing = [float(settings.get(key, {}).get("base_value", default)) for key, default in _SPACING_DEFAULTS.items()]
    if not any(v > 0 for v in spacing):
        return {}  # a brush with no distance- or time-based dabs: the plain dab renderer
    return {"events": preset.sampling.steps, "dtime": preset.sampling.dtime, "spacing": spacing}


def default_command(preset: Preset, method: str, samples: int, settings: TrainSettings, out: Path,
                    arch_args: dict | None = None) -> str:
    """The one ``brush train-painter`` command that reproduces this training."""
    parts = ["brush", "train-painter", "--brush", preset.brush]
    if preset.name in list_presets():
        parts += ["--preset", preset.name]
    parts += ["--method", method, "--samples", str(samples), "--steps", str(settings.steps),
              "--batch", str(settings.batch), "--lr", f"{settings.lr:g}", "--seed", str(settings.seed)]
    if arch_args:
        parts += ["--arch-args", json.dumps(arch_args, sort_keys=True)]
    return shlex.join(parts + ["--out", str(out)])
