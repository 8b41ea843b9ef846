"""Training data from real MyPaint: random actions, each stroke rendered alone, cached in shards.

The original Neural Painters work found that predicting single strokes on a cleared canvas (not
whole canvases) is what makes a world model of a paint program learnable. A dataset is identified by
the brush file's content, the preset's ranges, the canvas size and the seed, so a cache can never
serve strokes of another brush. Shards are ``.npz`` files read with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brushcli import userdirs
from brushcli.errors import InvalidArgument
from brushcli.mypaint.brushes import resolve_brush
from brushcli.mypaint.render import render_alphas
from brushcli.presets import Preset

SHARD = 10_000
#: Bump when the stroke -> engine conversion changes, so cached datasets are not reused.
ENGINE_VERSION = 2
MAX_SAMPLES = 10_000_000
#: A dataset lives in memory while a painter trains (one byte per alpha pixel): at most 8 GiB.
MAX_DATASET_BYTES = 8 << 30


def cache_root() -> Path:
    """``$BRUSH_CACHE_DIR``, else the user cache folder (``$XDG_CACHE_HOME/brush``; see :mod:`brushcli.userdirs`)."""
    return userdirs.cache_dir()


@dataclass
class StrokeDataset:
    """Actions ``(N, 9)`` float32, alphas ``(N, S, S)`` uint8 (alpha * 255) and the engine's dab
    radius after each event ``(N, steps + 1)`` float32 (fraction of the canvas), which painters
    that lay dabs like MyPaint learn from."""

    actions: np.ndarray
    alphas: np.ndarray
    radii: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.actions)


def dataset_key(preset: Preset, canvas: int, seed: int) -> str:
    brush = resolve_brush(preset.brush)
    ident = json.dumps({"brush": brush.text, "preset": preset.to_dict() | {"name": "", "description": ""},
                        "canvas": canvas, "seed": seed, "v": ENGINE_VERSION}, sort_keys=True)
    return hashlib.sha256(ident.encode()).hexdigest()[:16]


def check_dataset_size(samples: int, canvas: int) -> None:
    """Refuse a dataset that could not be held in memory while training, before any work."""
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise InvalidArgument(f"--samples must be a positive number of strokes, got {samples}")
    if samples > MAX_SAMPLES:
        raise InvalidArgument(f"--samples {samples} is above the limit of {MAX_SAMPLES}")
    if samples * canvas * canvas > MAX_DATASET_BYTES:
        raise InvalidArgument(f"--samples {samples} at {canvas} px needs {samples * canvas * canvas >> 30} GiB of "
                              f"memory, more than the {MAX_DATASET_BYTES >> 30} GiB limit")


def dataset_folder(preset: Preset, canvas: int, seed: int, cache_dir: Path | None = None) -> Path:
    """Where a dataset's shards live: always a direct child of the cache folder, whatever the name."""
    root = cache_dir or cache_root() / "datasets"
    folder = root / f"{preset.name}-{canvas}px-{dataset_key(preset, canvas, seed)}"
    if folder.parent != root or not Preset.is_safe_name(preset.name):
        raise InvalidArgument(f"preset name {preset.name[:80]!r} cannot name a dataset folder")
    return folder


def shard_actions(preset: Preset, seed: int, index: int) -> np.ndarray:
    """The actions of shard ``index``: reproducible from (seed, index) alone."""
    rng = np.random.default_rng([seed, index])
    return preset.random_actions(SHARD, rng).astype(np.float32)


def render_actions(
    preset: Preset, actions: np.ndarray, canvas: int = 64, workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    radii_out: np.ndarray | None = None,
) -> np.ndarray:
    """Real-MyPaint alpha of each action as float32 in 0..1 (``radii_out``: see :class:`StrokeDataset`)."""
    fixed = render_alphas(preset.brush, preset.actions_to_shapes(actions), canvas, preset.sampling,
                          workers=workers, progress=progress, radii_out=radii_out)
    return fixed.astype(np.float32) / 32768.0


def build_dataset(
    preset: Preset,
    samples: int,
    canvas: int = 64,
    seed: int = 0,
    workers: int | None = None,
    cache_dir: Path | None = None,
    progress: Callable[[int], None] | None = None,
    owns: Callable[[int], bool] | None = None,
) -> StrokeDataset:
    """``samples`` strokes (rounded up to whole shards), rendering only the shards not cached yet.

    ``owns(index)`` keeps only some shards (a training process's part: each process renders and
    loads its own shards of the same dataset, in the same cache)."""
    check_dataset_size(samples, canvas)
    folder = dataset_folder(preset, canvas, seed, cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    n_shards = -(-samples // SHARD)
    mine = [index for index in range(n_shards) if owns is None or owns(index)]
    if not mine:
        raise InvalidArgument(f"--samples {samples} makes {n_shards} shard(s) of {SHARD:,} strokes, too few for every "
                              f"training process to get one; use more --samples")
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for index in mine:
        needed = min(SHARD, samples - index * SHARD)  # only the last shard may be partial
        path = folder / f"shard-{index:05d}.npz"
        shard = _read_shard(path)
        if shard is None or len(shard[0]) < needed:
            a = shard_actions(preset, seed, index)[:needed]
            radii = np.empty((len(a), preset.sampling.steps + 1), np.float32)
            alpha = render_actions(preset, a, canvas, workers, progress, radii_out=radii)
            shard = (a, np.round(alpha * 255).astype(np.uint8), radii)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, actions=shard[0], alphas=shard[1], radii=shard[2])
            os.replace(tmp, path)
        elif progress:
            progress(needed)
        parts.append(tuple(x[:needed] for x in shard))  # type: ignore[arg-type]
    actions, alphas, radii = (np.concatenate([p[i] for p in parts]) for i in range(3))
    return StrokeDataset(actions, alphas, radii)


def _read_shard(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """A cached shard, or None if missing, damaged or written before shards kept the dab radii."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if "radii" not in data.files:
                return None
            return data["actions"], data["alphas"], data["radii"]
    except (OSError, ValueError, KeyError):
        path.unlink(missing_ok=True)  # a damaged shard is simply rendered again
        return None


def heldout_actions(preset: Preset, n: int, seed: int = 12345) -> np.ndarray:
    """Evaluation actions from a seed stream disjoint from training shards."""
    rng = np.random.default_rng([seed, 999_999_937])
    return preset.random_actions(n, rng).astype(np.float32)
