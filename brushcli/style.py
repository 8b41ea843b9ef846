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
from dataclasses import dataclass, field

import numpy as np
import torch

from brushcli.canvas.grid import STRIDE, TILE, Level, stitch
from brushcli.canvas.layered import LayeredCanvas
from brushcli.canvas.composite import over_stack
from brushcli.canvas.palette import Palette
from brushcli.errors import InvalidArgument
from brushcli.images import fit_long_side, resize
from brushcli.optimize import optimize
from brushcli.paint.planner import TILE_MAX_SIZE, TILE_POSITION, init_strokes
from brushcli.painters.painter import Painter
from brushcli.strokes import StrokeList

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


@dataclass
class StyleResult:
    strokes: StrokeList
    neural: np.ndarray
    target: np.ndarray
    losses: list[float] = field(default_factory=list)
    seam: float = float("nan")
    seconds: float = 0.0
    steps: int = 0


FeatureFn = Callable[[torch.Tensor], list[torch.Tensor]]


def render_window(canvas: LayeredCanvas, group: int, ix0: int, iy0: int, nx: int, ny: int,
                  base: torch.Tensor) -> torch.Tensor:
    """Exact render of the image cells of tiles ``ix0..ix0+nx-1`` x ``iy0..iy0+ny-1``.

    Tiles of the surrounding ring are rendered too, because their strokes reach 16 px into these
    cells. ``base`` is the full background image ``(3, h, w)``; returns ``(3, 32*ny, 32*nx)``
    (clipped at the image border).
    """
    spec_level = canvas.level(canvas.specs[group].level)
    tx, ty = spec_level.tiles
    gx0, gy0 = max(0, ix0 - 1), max(0, iy0 - 1)
    gx1, gy1 = min(tx, ix0 + nx + 1), min(ty, iy0 + ny + 1)
    grp = canvas.groups[group]
    n = grp.shape[1]
    index = torch.arange(tx * ty, device=base.device).view(ty, tx)[gy0:gy1, gx0:gx1].reshape(-1)
    actions = grp.actions()[index]
    colors = grp.colors()[index]
    alphas = canvas.painter(actions.reshape(-1, 9)).view(len(index), n, TILE, TILE)
    premult, keep = over_stack(alphas, colors)
    bh, bw = gy1 - gy0, gx1 - gx0
    p_all, m_all = stitch(premult.view(bh, bw, 3, TILE, TILE), keep.view(bh, bw, 1, TILE, TILE), gx0, gy0)
    # block canvas (0, 0) is the top-left corner of tile (gx0, gy0), i.e. image pixel 32*gx0 - 16
    w, h = spec_level.size
    x0, y0 = STRIDE * ix0, STRIDE * iy0
    x1, y1 = min(w, STRIDE * (ix0 + nx)), min(h, STRIDE * (iy0 + ny))
    ox, oy = x0 - (STRIDE * gx0 - 16), y0 - (STRIDE * gy0 - 16)
    p = p_all[:, oy : oy + (y1 - y0), ox : ox + (x1 - x0)]
    m = m_all[:, oy : oy + (y1 - y0), ox : ox + (x1 - x0)]
    return base[:, y0:y1, x0:x1] * m + p


def seam_ratio(image: np.ndarray, period: int = STRIDE, phase: int = 16) -> float:
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


def style(
    image: np.ndarray,
    painter: Painter,
    features: FeatureFn,
    settings: StyleSettings | None = None,
    palette: Palette | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    source: str | None = None,
) -> StyleResult:
    """Paint ``image`` so that ``features(painting)`` matches ``features(image)``.

    ``features`` maps ``(B, 3, H, W)`` images in 0..1 to a list of feature maps (see
    :func:`brushcli.vision.nets.feature_extractor`).
    """
    settings = settings or StyleSettings()
    settings.validate()
    palette = palette or Palette()
    started = time.perf_counter()
    torch.manual_seed(settings.seed)
    generator = torch.Generator().manual_seed(settings.seed)
    device = torch.device(settings.device)
    height, width = image.shape[:2]
    aspect = width / height
    out_w, out_h = fit_long_side(width, height, settings.size)
    level_index = max(1, math.ceil(math.log2(settings.size / TILE) - 1e-9))
    level = Level(level_index, aspect)
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
    lo, hi = painter.preset.size
    radius_px = max(2.0, min(8.0, math.sqrt(STRIDE * STRIDE / settings.density / 4.0)))
    size_action = float(np.clip((radius_px / TILE - lo) / (hi - lo), 0.0, TILE_MAX_SIZE))
    actions, colors = init_strokes(target, base.cpu(), level, settings.density, radius_px, size_action,
                                   generator, TILE_POSITION)
    canvas.add_group(level_index, actions.to(device), colors.to(device), TILE_POSITION, (0.0, TILE_MAX_SIZE),
                     palette=palette.tensor(), gray=palette.gray)
    group = canvas.groups[0]
    target = target.to(device)
    tx, ty = level.tiles
    win = settings.window // STRIDE
    cache: dict[tuple[int, int], list[torch.Tensor]] = {}
    steps = settings.steps if settings.steps is not None else default_steps(level.size, settings.window)
    warmup = int(steps * settings.underpaint)

    def window_at(step: int) -> tuple[int, int, int, int]:
        nx, ny = min(win, tx), min(win, ty)
        g = torch.Generator().manual_seed(settings.seed * 7919 + step)
        ix0 = int(torch.randint(0, tx - nx + 1, (), generator=g))
        iy0 = int(torch.randint(0, ty - ny + 1, (), generator=g))
        return ix0, iy0, nx, ny

    def target_features(ix0: int, iy0: int, nx: int, ny: int) -> list[torch.Tensor]:
        key = (ix0, iy0)
        if key not in cache:
            crop = target[:, STRIDE * iy0 : STRIDE * (iy0 + ny), STRIDE * ix0 : STRIDE * (ix0 + nx)]
            with torch.no_grad():
                cache[key] = [f.detach() for f in features(crop[None])]
            if len(cache) > 64:
                cache.pop(next(iter(cache)))
        return cache[key]

    def loss_fn(step: int) -> torch.Tensor:
        if group.palette is not None:
            frac = step / max(1, steps - 1)
            group.temperature = max(0.05, 1.0 - frac)
            group.hard = frac >= 0.8
        ix0, iy0, nx, ny = window_at(step)
        painted = render_window(canvas, 0, ix0, iy0, nx, ny, base)
        if step < warmup:  # underpainting: place strokes by pixels first, then content only
            crop = target[:, STRIDE * iy0 : STRIDE * iy0 + painted.shape[1], STRIDE * ix0 : STRIDE * ix0 + painted.shape[2]]
            return ((painted - crop) ** 2).mean() * 100.0
        want = target_features(ix0, iy0, nx, ny)
        got = features(painted[None])
        return sum(((g - w) ** 2).mean() / (w**2).mean().clamp(min=1e-8) for g, w in zip(got, want))

    log = optimize(list(group.parameters()), loss_fn, steps, lr=settings.lr,
                   callback=(lambda s, loss: progress(s + 1, steps, loss)) if progress else None)
    group.hard = True
    with torch.no_grad():
        full = _render_blocks(canvas, level, base, win)
        neural = resize(full.permute(1, 2, 0).cpu().numpy(), out_w, out_h)
        seam = seam_ratio(full.permute(1, 2, 0).cpu().numpy())
    strokes = canvas.to_stroke_list(out_w, out_h, meta={"source": source, "seed": settings.seed,
                                                       "mode": "style", "steps": steps})
    return StyleResult(strokes=strokes, neural=neural, target=resize(image, out_w, out_h), losses=log.losses,
                       seam=seam, seconds=time.perf_counter() - started, steps=steps)


def _render_blocks(canvas: LayeredCanvas, level: Level, base: torch.Tensor, block: int) -> torch.Tensor:
    """The whole level, one window at a time (bounded memory); exact thanks to the ring of tiles."""
    tx, ty = level.tiles
    w, h = level.size
    out = torch.empty(3, h, w)
    for iy0 in range(0, ty, block):
        for ix0 in range(0, tx, block):
            nx, ny = min(block, tx - ix0), min(block, ty - iy0)
            part = render_window(canvas, 0, ix0, iy0, nx, ny, base)
            out[:, STRIDE * iy0 : STRIDE * iy0 + part.shape[1], STRIDE * ix0 : STRIDE * ix0 + part.shape[2]] = part.cpu()
    return out.clamp(0, 1)


class _Enough(Exception):
    """Raised by a forward hook once every requested feature is computed (skips the rest of the net)."""


def feature_extractor(classifier: torch.nn.Module, layers: list[str]) -> FeatureFn:
    """Features of ``layers`` at the image's own resolution (no resize to the classifier's input).

    Content losses compare feature maps position by position, so the painting is fed at full
    resolution; the forward pass stops after the deepest requested layer.
    """
    modules = [classifier._module(layer) for layer in layers]  # noqa: SLF001 - same package family

    def run(images: torch.Tensor) -> list[torch.Tensor]:
        x = classifier.normalise(images)
        found: dict[int, torch.Tensor] = {}

        def hook(index: int) -> Callable:
            def save(_module: torch.nn.Module, _inputs: object, output: torch.Tensor) -> None:
                found[index] = output
                if len(found) == len(modules):
                    raise _Enough

            return save

        handles = [m.register_forward_hook(hook(i)) for i, m in enumerate(modules)]
        try:
            classifier.net(x)
        except _Enough:
            pass
        finally:
            for handle in handles:
                handle.remove()
        return [found[i] for i in range(len(modules))]

    return run
