"""Model folders and resumable training state, shared by painters and agents.

A trained model on disk is a folder: ``config.json`` + ``model.safetensors`` (+ a ``README.md`` card);
training writes exactly what loading reads. Training state lives in ``<folder>/checkpoint/``:
``state.safetensors`` (networks and optimiser tensors) + ``state.json`` (step, settings, config,
log). Tensors are only ever read with safetensors, never unpickled, so a downloaded file cannot run
code; every file is written atomically (:func:`brushcli.files.atomic_path`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from brushcli.errors import BrushError
from brushcli.files import atomic_path, ensure_dir, write_json
from brushcli.safejson import read_json

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
CARD_FILE = "README.md"
CHECKPOINT_DIR = "checkpoint"
STATE_TENSORS = "state.safetensors"
STATE_JSON = "state.json"
#: A checkpoint's JSON holds settings, config and a loss log: a few MB at most.
MAX_STATE_JSON_BYTES = 64 << 20


def read_safetensors(path: Path, max_bytes: int, error: type[BrushError] = BrushError) -> dict[str, torch.Tensor]:
    """Read a safetensors file of at most ``max_bytes``; every failure becomes ``error``."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: no such file")
    size = path.stat().st_size
    if size > max_bytes:
        raise error(f"{path}: {size} bytes is too large (at most {max_bytes})")
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise error(f"{path}: not a valid safetensors file ({exc})") from exc


def write_safetensors(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> Path:
    """Write ``tensors`` (moved to CPU, contiguous) as safetensors, atomically."""
    from safetensors.torch import save_file

    path = Path(path)
    ensure_dir(path.parent)
    state = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    with atomic_path(path) as tmp:
        save_file(state, str(tmp), metadata=metadata)
    return path


def write_model_folder(folder: Path, state: dict[str, torch.Tensor], config: dict[str, Any], card: str | None,
                       kind: str) -> Path:
    """Write (or update) a model folder; each file replaced atomically, weights first.

    ``kind`` (``brush-painter``, ``brush-agent``) is recorded in the weights' metadata.
    """
    folder = ensure_dir(Path(folder))
    write_safetensors(folder / WEIGHTS_FILE, state, metadata={"format": kind})
    write_json(folder / CONFIG_FILE, config)
    if card is not None:
        with atomic_path(folder / CARD_FILE) as tmp:
            tmp.write_text(card, encoding="utf-8")
    return folder


def has_checkpoint(out: Path | None) -> bool:
    """Whether ``out/checkpoint`` holds a training state to resume from."""
    return out is not None and (Path(out) / CHECKPOINT_DIR / STATE_JSON).is_file()


def save_checkpoint(out: Path, tensors: dict[str, torch.Tensor], doc: dict[str, Any]) -> Path:
    """Write the training state into ``out/checkpoint`` (tensors first, then the JSON that names the step)."""
    folder = ensure_dir(Path(out) / CHECKPOINT_DIR)
    write_safetensors(folder / STATE_TENSORS, tensors)
    write_json(folder / STATE_JSON, doc)
    return folder


def load_checkpoint(
    out: Path,
    config: dict[str, Any],
    keys: Sequence[str],
    seed: int,
    max_bytes: int,
    error: type[BrushError] = BrushError,
) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Read ``out/checkpoint`` if it was made with the same ``config[keys]`` and ``seed``.

    Returns the JSON document (``step``, ``log``, the trainer's own entries) and the tensors. A
    checkpoint of another model or seed is refused rather than silently mixed into this run.
    """
    folder = Path(out) / CHECKPOINT_DIR
    doc = read_json(folder / STATE_JSON, MAX_STATE_JSON_BYTES, error, "checkpoint state (delete it to start over)")
    if not isinstance(doc, dict) or not isinstance(doc.get("step"), int) or not isinstance(doc.get("config", {}), dict):
        raise error(f"{folder}: malformed checkpoint (state.json); delete it to start over")
    saved = doc.get("config", {})
    for key in keys:
        if saved.get(key) != config.get(key):
            raise error(f"{folder}: checkpoint was made with a different {key}; use another --out or delete the "
                        "checkpoint")
    settings = doc.get("settings")
    if not isinstance(settings, dict) or settings.get("seed") != seed:
        raise error(f"{folder}: checkpoint was made with another --seed; use the same seed to resume")
    if not isinstance(doc.get("log", {}), dict):
        raise error(f"{folder}: malformed checkpoint log (state.json); delete it to start over")
    return doc, read_safetensors(folder / STATE_TENSORS, max_bytes, error)


def training_state(modules: dict[str, torch.nn.Module], optimizers: dict[str, torch.optim.Optimizer]
                   ) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Every tensor of a run (networks and optimiser state) flattened for safetensors, plus JSON metadata."""
    tensors: dict[str, torch.Tensor] = {}
    for name, module in modules.items():
        for key, value in module.state_dict().items():
            tensors[f"{name}.{key}"] = value
    meta: dict[str, Any] = {}
    for name, opt in optimizers.items():
        sd = opt.state_dict()
        for pid, pstate in sd["state"].items():
            for key, value in pstate.items():
                tensors[f"opt.{name}.{pid}.{key}"] = torch.as_tensor(value)
        meta[name] = {"param_groups": sd["param_groups"]}
    return tensors, meta


def restore_training_state(tensors: dict[str, torch.Tensor], meta: dict[str, Any],
                           modules: dict[str, torch.nn.Module], optimizers: dict[str, torch.optim.Optimizer]) -> None:
    """Inverse of :func:`training_state`: load networks and optimisers in place."""
    for name, module in modules.items():
        prefix = f"{name}."
        module.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
    for name, opt in optimizers.items():
        state: dict[int, dict[str, torch.Tensor]] = {}
        prefix = f"opt.{name}."
        for key, value in tensors.items():
            if key.startswith(prefix):
                pid, rest = key[len(prefix):].split(".", 1)
                state.setdefault(int(pid), {})[rest] = value
        opt.load_state_dict({"state": state, "param_groups": meta[name]["param_groups"]})


def step_generator(seed: int, step: int, stream: int = 0) -> torch.Generator:
    """The random generator of training step ``step``: a pure function of (seed, step), so a run
    resumed at step k draws exactly the batches of an uninterrupted one. ``stream`` (a training
    process's rank) gives each process its own draws; stream 0 is the one-process run's."""
    return torch.Generator().manual_seed(seed * 1_000_003 + step + stream * (1 << 40))


class WarmupCosine:
    """The learning-rate schedule of painter and agent training: a linear warm-up over ``warmup``
    steps to each optimizer's base rate, then cosine decay to ``floor`` times it at ``steps``.

    Built from :mod:`torch.optim.lr_scheduler` (``LinearLR`` then ``CosineAnnealingLR`` in a
    ``SequentialLR``), one per optimizer. A resumed run replays the first ``start`` steps of the
    schedule (scalar arithmetic only), so its rates are the same floats as an uninterrupted run's.
    """

    def __init__(self, optimizers: Sequence[tuple[torch.optim.Optimizer, float]], steps: int, warmup: int,
                 floor: float, start: int = 0) -> None:
        from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR

        warmup = max(1, min(warmup, steps))
        self.schedulers = []
        for optimizer, base in optimizers:
            for group in optimizer.param_groups:  # a restored optimizer holds the last rate, not the base
                group["lr"] = group["initial_lr"] = base
            ramp = LinearLR(optimizer, start_factor=1.0 / warmup, end_factor=1.0, total_iters=max(1, warmup - 1))
            decay = CosineAnnealingLR(optimizer, T_max=max(1, steps - warmup), eta_min=floor * base)
            self.schedulers.append(SequentialLR(optimizer, [ramp, decay], milestones=[warmup]))
        for _ in range(start):
            self.step()

    @property
    def lr(self) -> float:
        """The first optimizer's current rate (the one logged)."""
        return float(self.schedulers[0].optimizer.param_groups[0]["lr"])

    def step(self) -> None:
        """Advance every optimizer's rate by one training step (after its update).

        A schedule follows training steps, not optimizer updates: resuming replays it before any
        update, and an optimizer may sit a phase out (the agent's critic while preconditioning), which
        torch would warn about.
        """
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Detected call of `lr_scheduler.step\(\)` before")
            for scheduler in self.schedulers:
                scheduler.step()


def prepare_training_folder(out: Path, identity: dict[str, Any], training: dict[str, Any],
                            overwrite: bool = False) -> bool:
    """Check a training run's folder ``out`` before the work: True to train, False when it is done.

    ``--overwrite`` means what it means for painting folders. Done: ``out`` holds a finished model
    whose ``config.json`` records the same ``identity`` (top-level config entries) and ``training``
    settings; it is left as it is unless ``overwrite``. A checkpoint is resumed, or with ``overwrite``
    discarded so training starts over. A finished model with other settings and no checkpoint is only
    replaced with ``overwrite``, and a non-empty folder brush did not write never.
    """
    import json

    from brushcli.errors import OutputError

    identity, training = json.loads(json.dumps(identity)), json.loads(json.dumps(training))  # tuples as JSON has them
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"output {out} exists and is not a folder; choose another --out")
    if not out.is_dir():
        return True
    finished = (out / CONFIG_FILE).is_file() and (out / WEIGHTS_FILE).is_file()
    if any(out.iterdir()) and not finished and not has_checkpoint(out):
        raise OutputError(f"output folder {out} exists and was not written by brush; choose another --out "
                          "or move it away (brush never deletes files it did not write)")
    if overwrite:
        for name in (STATE_JSON, STATE_TENSORS):
            (out / CHECKPOINT_DIR / name).unlink(missing_ok=True)
        return True
    if finished:
        try:
            doc = read_json(out / CONFIG_FILE, MAX_STATE_JSON_BYTES, BrushError, "model config")
        except BrushError:
            doc = None
        recorded = doc.get("training") if isinstance(doc, dict) else None
        if isinstance(recorded, dict) and all(doc.get(k) == v for k, v in identity.items()) \
                and all(recorded.get(k) == v for k, v in training.items()):
            return False
        if not has_checkpoint(out):
            raise OutputError(f"{out} holds a model trained with other settings; use --overwrite to replace it")
    return True
