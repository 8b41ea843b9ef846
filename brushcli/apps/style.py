"""Intrinsic style transfer: strokes that minimise only a content loss, stitched from many canvases.

Neural Painters, section 5.2: with nothing but a content loss on pretrained features, the medium
(the brush) alone dictates the style. Strokes live on one grid level of overlapping 64-px painter
canvases (tiles every 32 px, composited as four non-overlapping layers, see
:mod:`brushcli.canvas.grid`), so the painting can have any resolution. Each optimisation step renders
one window of tiles (plus a ring of neighbours, so the window's pixels are exact) and computes the
content loss there: memory stays bounded by the window, not the canvas.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch

from brushcli.canvas.grid import STRIDE, Level
from brushcli.canvas.layered import LayeredCanvas
from brushcli.canvas.palette import Palette
from brushcli.canvas.placement import bounds, init_strokes
from brushcli.canvas.window import render_blocks, render_window
from brushcli.errors import InvalidArgument
from brushcli.images import fit_long_side, resize
from brushcli.objectives import Objective, content_objective, evaluate, pixel_loss
from brushcli.optimize import optimize
from brushcli.outputs.result import Painting
from brushcli.painters.painter import Painter
from brushcli.vision.nets import NetEnsemble

#: Largest output side of ``brush style`` (a 4096-px level has 16k tiles; see docs/style.md).
MAX_STYLE_SIDE = 4096
MIN_STYLE_SIDE = 128
#: Default content layers per net (VGG conv4_2 as in Gatys et al. and the paper).
DEFAULT_LAYERS = {"vgg16": ["conv4_2"], "vgg19": ["conv4_2"], "resnet50": ["layer2"],
                  "efficientnet-lite0": ["_blocks.5"]}


@dataclass
class StyleSettings:
    """Knobs of :func:`style` (CLI options map one to one).

    ``underpaint`` is the fraction of steps spent first placing strokes by pixel error (a quick
    underpainting, so the content loss starts from a recognisable picture); the rest minimise the
    content loss only.
    """

    size: int = 1024
    density: int = 8
    steps: int | None = None
    window: int = 512
    seed: int = 0
    lr: float = 0.03
    underpaint: float = 0.25
    device: str = "cpu"

    def validate(self) -> None:
        if not MIN_STYLE_SIDE <= self.size <= MAX_STYLE_SIDE:
            raise InvalidArgument(f"--size must be {MIN_STYLE_SIDE}..{MAX_STYLE_SIDE} px for style, got {self.size}")
        if not 1 <= self.density <= 64:
            raise InvalidArgument(f"--density (strokes per 32-px cell) must be 1..64, got {self.density}")
        if self.steps is not None and self.steps < 0:
            raise InvalidArgument(f"--steps must be 0 or more, got {self.steps}")
        if not 128 <= self.window <= 2048 or self.window % STRIDE:
            raise InvalidArgument(f"--window must be a multiple of 32 in 128..2048, got {self.window}")


def default_steps(level_size: tuple[int, int], window: int) -> int:
    """Steps when none are given: 200 if one window covers the whole painting, up to 300 as it covers less.

    Each step moves only the strokes of its window, so quality follows the updates each stroke gets:
    200 whole-painting steps (512 px) give every stroke more of them than 300 windowed steps give a
    1024-px painting, at two thirds of the time (the feature net at full resolution dominates).
    """
    w, h = level_size
    covered = (min(window, w) * min(window, h)) / (w * h)
    return int(min(300, max(200, round(200 / covered))))


def seam_ratio(image: np.ndarray, period: int = STRIDE, phase: int = STRIDE // 2) -> float:
    """Gradient energy across tile borders divided by gradient energy elsewhere (1.0 = invisible).

    Tile edges of a level lie every ``period`` px at offset ``phase``; a seam shows up as extra
    contrast between the two pixels straddling such an edge.
    """
    img = np.asarray(image, dtype=np.float64)
    dx = ((img[:, 1:] - img[:, :-1]) ** 2).sum(-1)  # between column x-1 and x, x = 1..W-1
    dy = ((img[1:] - img[:-1]) ** 2).sum(-1)
    cols = np.arange(1, img.shape[1]) % period == phase
    rows = np.arange(1, img.shape[0]) % period == phase
    on = np.concatenate([dx[:, cols].ravel(), dy[rows, :].ravel()])
    off = np.concatenate([dx[:, ~cols].ravel(), dy[~rows, :].ravel()])
    return float(on.mean() / max(off.mean(), 1e-12))


def default_objective(net: str, layers: list[str] | None = None) -> Objective:
    """The content loss at ``net``'s default layers (or ``layers``): what the paper's style transfer minimises."""
    chosen = layers or DEFAULT_LAYERS.get(net)
    if not chosen:
        raise InvalidArgument(f"no default content layer for {net}; give --layers (see its module names)")
    return content_objective(net, chosen)


class _Recent(dict):
    """A dict keeping only the ``limit`` most recently added entries (target features per window)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: object, value: object) -> None:
        super().__setitem__(key, value)
        if len(self) > self.limit:
            self.pop(next(iter(self)))


def style(
    image: np.ndarray,
    painter: Painter,
    nets: NetEnsemble,
    settings: StyleSettings | None = None,
    palette: Palette | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    source: str | None = None,
    objective: Objective | None = None,
) -> Painting:
    """Paint ``image`` so that the content features of the painting match the image's.

    ``objective`` defaults to :func:`default_objective` of the first net in ``nets``; it is computed
    on one window of the painting per step, at the window's own resolution. Nothing is written.
    """
    settings = settings or StyleSettings()
    settings.validate()
    palette = palette or Palette()
    if objective is None:
        objective = default_objective(nets.names[0]) if len(nets) else None
    if objective is None:
        raise InvalidArgument("style needs an objective or at least one feature net")
    started = time.perf_counter()
    torch.manual_seed(settings.seed)
    generator = torch.Generator().manual_seed(settings.seed)
    device = torch.device(settings.device)
    height, width = image.shape[:2]
    aspect = width / height
    out_w, out_h = fit_long_side(width, height, settings.size)
    tile = painter.canvas
    level_index = max(1, math.ceil(math.log2(settings.size / tile) - 1e-9))
    level = Level(level_index, aspect, tile)
    stride = level.stride
    lw, lh = level.size
    target = torch.from_numpy(resize(image, lw, lh)).permute(2, 0, 1).contiguous()
    background = target.mean(dim=(1, 2))
    if palette.gray:
        background = background.mean().expand(3).clone()
    elif palette.colors is not None:
        pal = palette.tensor()
        background = pal[torch.cdist(background[None], pal).argmin()]
    canvas = LayeredCanvas(painter, aspect, background).to(device)
    canvas.raw_background.requires_grad_(False)  # the paper's canvas is fixed; strokes do the work
    base = background[:, None, None].expand(3, lh, lw).to(device)
    position, size_range = bounds(level)
    radius_px = max(2.0, min(8.0, math.sqrt(stride * stride / settings.density / 4.0)))
    size_action = float(np.clip(painter.preset.size_action(radius_px, tile), *size_range))
    actions, colors = init_strokes(target, base.cpu(), level, settings.density, radius_px, size_action,
                                   generator, position)
    canvas.add_group(level_index, actions.to(device), colors.to(device), position, size_range,
                     palette=palette.tensor(), gray=palette.gray)
    group = canvas.groups[0]
    target = target.to(device)
    tx, ty = level.tiles
    win = settings.window // stride
    cache = _Recent(64)
    steps = settings.steps if settings.steps is not None else default_steps(level.size, settings.window)
    warmup = int(steps * settings.underpaint)
    underpaint = pixel_loss() * 100.0

    def window_at(step: int) -> tuple[int, int, int, int]:
        nx, ny = min(win, tx), min(win, ty)
        g = torch.Generator().manual_seed(settings.seed * 7919 + step)
        ix0 = int(torch.randint(0, tx - nx + 1, (), generator=g))
        iy0 = int(torch.randint(0, ty - ny + 1, (), generator=g))
        return ix0, iy0, nx, ny

    def loss_fn(step: int) -> torch.Tensor:
        if group.palette is not None:
            frac = step / max(1, steps - 1)
            group.temperature = max(0.05, 1.0 - frac)
            group.hard = frac >= 0.8
        ix0, iy0, nx, ny = window_at(step)
        painted = render_window(canvas, 0, ix0, iy0, nx, ny, base)
        crop = target[:, stride * iy0 : stride * (iy0 + ny), stride * ix0 : stride * (ix0 + nx)]
        # underpainting: place strokes by pixels first, then the objective only
        current = underpaint if step < warmup else objective
        return evaluate(current, painted[None], crop[None], nets, resize=False, target_cache=cache,
                        target_key=(ix0, iy0))

    log = optimize(list(group.parameters()), loss_fn, steps, lr=settings.lr,
                   callback=(lambda s, loss: progress(s + 1, steps, loss)) if progress else None)
    group.hard = True
    with torch.no_grad():
        full = render_blocks(canvas, level, base, win)
        neural = resize(full.permute(1, 2, 0).cpu().numpy(), out_w, out_h)
        seam = seam_ratio(full.permute(1, 2, 0).cpu().numpy(), stride, -level.origin)
    strokes = canvas.to_stroke_list(out_w, out_h, meta={"source": source, "seed": settings.seed,
                                                       "mode": "style", "steps": steps})
    seconds = time.perf_counter() - started
    return Painting(
        strokes=strokes, neural=neural, target=resize(image, out_w, out_h), losses=log.losses, steps=steps,
        seconds=seconds, painter=painter.name, device=str(device),
        info={"command": "style", "content_loss": log.losses[-1] if log.losses else None, "seam_ratio": seam,
              "objective": str(objective), "nets": nets.names, "painter": painter.name, "steps": steps,
              "optimise_seconds": seconds, "device": str(device), "seed": settings.seed, "source": source},
    )


def record(settings: StyleSettings, painter: str, source: str | None, objective: str, palette: str | None) -> dict:
    """What makes two style runs "the same painting" (recorded in the output folder's marker)."""
    doc = asdict(settings)
    doc.pop("device")
    return {"command": "style", "painter": painter, "source": source, "objective": objective,
            "palette": palette or "free", **doc}
