"""A painting as groups of strokes on grid levels, rendered differentiably and exported to MyPaint.

Groups are painted in the order they were added; each belongs to one :class:`~brushcli.canvas.grid.Level`.
The same order is used for the neural render and for the exported stroke list, so the MyPaint
replay paints exactly what the optimiser saw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from brushcli.canvas.grid import TILE, Level
from brushcli.canvas.param import StrokeGroup, _logit
from brushcli.painters.painter import Painter
from brushcli.presets import Preset
from brushcli.strokes import StrokeList


@dataclass
class GroupSpec:
    """Where a group lives: its level index and strokes per tile."""

    level: int
    per_tile: int


def resize_image(image: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """Resize ``(C, H, W)`` bilinearly, antialiased when shrinking."""
    if image.shape[-1] == width and image.shape[-2] == height:
        return image
    shrink = width < image.shape[-1] or height < image.shape[-2]
    return F.interpolate(image[None], size=(height, width), mode="bilinear", align_corners=False,
                         antialias=shrink)[0]


@torch.no_grad()
def real_alphas(preset: Preset, actions: torch.Tensor, size: int) -> torch.Tensor:
    """libmypaint's alpha for each of ``(N, 9)`` canvas actions on a ``size``-px canvas, ``(N, size, size)`` in 0..1."""
    from brushcli.mypaint.render import render_alphas

    shapes = preset.actions_to_shapes(actions.detach().cpu().double().numpy())
    real = render_alphas(preset.brush, shapes, size, preset.sampling, workers=1)
    return torch.from_numpy(real.astype(np.float32) / 32768.0).to(actions.device)


class LayeredCanvas(nn.Module):
    """Stroke groups over a background color; renders at any grid level's resolution.

    Real-MyPaint feedback: :meth:`refresh_real` renders every stroke's true alpha with libmypaint
    (on the same 64-px canvas the painter imitates) and stores the difference to the painter's
    output. While :attr:`use_real` is on, renders add that (detached) difference, so the forward
    pass shows what MyPaint will paint while gradients still come from the painter: the optimiser
    cannot profit from the painter's mistakes.
    """

    def __init__(self, painter: Painter, aspect: float, background: torch.Tensor) -> None:
        super().__init__()
        self.painter = painter
        self.aspect = aspect
        self.raw_background = nn.Parameter(_logit(background.clone()))
        self.groups = nn.ModuleList()
        self.specs: list[GroupSpec] = []
        self.corrections: dict[int, torch.Tensor] = {}
        self.use_real = False

    @torch.no_grad()
    def refresh_real(self, groups: list[int]) -> None:
        """Render the current strokes of ``groups`` with real MyPaint; keep real - neural per stroke."""
        preset = self.painter.preset
        for index in groups:
            actions = self.groups[index].actions()
            tiles, n = actions.shape[:2]
            flat = actions.reshape(-1, 9)
            real_t = real_alphas(preset, flat, TILE)
            self.corrections[index] = (real_t - self.painter(flat)).view(tiles, n, TILE, TILE)

    def level(self, index: int) -> Level:
        return Level(index, self.aspect)

    @property
    def background(self) -> torch.Tensor:
        return torch.sigmoid(self.raw_background)

    def add_group(self, level: int, actions: torch.Tensor, colors: torch.Tensor,
                  position: tuple[float, float], size: tuple[float, float],
                  palette: torch.Tensor | None = None, gray: bool = False) -> StrokeGroup:
        group = StrokeGroup(actions, colors, position=position, size=size, palette=palette, gray=gray)
        self.groups.append(group)
        self.specs.append(GroupSpec(level, actions.shape[1]))
        return group

    def _runs(self, groups: list[int]) -> list[tuple[int, list[int]]]:
        """Consecutive groups of the same level, merged: ``[(level, [group, ...]), ...]``."""
        runs: list[tuple[int, list[int]]] = []
        for index in groups:
            level = self.specs[index].level
            if runs and runs[-1][0] == level:
                runs[-1][1].append(index)
            else:
                runs.append((level, [index]))
        return runs

    def level_stack(self, indices: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """Actions ``(tiles, n, 9)`` and colors ``(tiles, n, 3)`` of same-level groups, per tile in order.

        Groups of one level share each tile's stack: a later group's strokes go on top of the earlier
        groups' strokes in every tile. Rendering them as one stack is one painter call per level.
        """
        actions = torch.cat([self.groups[i].actions() for i in indices], dim=1)
        colors = torch.cat([self.groups[i].colors() for i in indices], dim=1)
        return actions, colors

    def level_operator(self, level: int, indices: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """(P, M) of same-level groups at the level's native resolution."""
        actions, colors = self.level_stack(indices)
        tiles, n = actions.shape[:2]
        alphas = self.painter(actions.reshape(-1, 9)).view(tiles, n, TILE, TILE)
        if self.use_real and all(i in self.corrections for i in indices):
            correction = torch.cat([self.corrections[i] for i in indices], dim=1)
            alphas = (alphas + correction).clamp(0.0, 1.0)
        return self.level(level).render(alphas, colors)

    def render(self, width: int, height: int, groups: range | list[int] | None = None,
               base: torch.Tensor | None = None) -> torch.Tensor:
        """Paint ``groups`` (default: all) over ``base`` (default: the background) at ``width`` x ``height``."""
        if base is None:
            base = self.background[:, None, None].expand(3, height, width)
        canvas = base
        selected = list(groups) if groups is not None else list(range(len(self.groups)))
        for level, indices in self._runs(selected):
            premult, keep = self.level_operator(level, indices)
            canvas = canvas * resize_image(keep, width, height) + resize_image(premult, width, height)
        return canvas

    def stroke_count(self) -> int:
        return sum(g.shape[0] * g.shape[1] for g in self.groups)

    def export(self) -> np.ndarray:
        """All strokes as ``(N, 12)`` stroke-file columns, in painting order.

        Per level: tiles in the level's layer order, each tile's stack bottom to top (its groups in
        the order they were added) — exactly the order :meth:`render` composites.
        """
        rows = []
        preset = self.painter.preset
        with torch.no_grad():
            for level_index, indices in self._runs(list(range(len(self.groups)))):
                level = self.level(level_index)
                actions, colors = self.level_stack(indices)
                shapes = level.to_image_coords(actions.cpu().numpy(), preset)
                colors = colors.cpu().numpy()
                for tile in level.order:
                    rows.append(np.concatenate([shapes[tile], colors[tile]], axis=1))
        return np.concatenate(rows) if rows else np.zeros((0, 12))

    def to_stroke_list(self, width: int, height: int, meta: dict) -> StrokeList:
        preset = self.painter.preset
        bg = tuple(float(v) for v in self.background.detach().cpu())
        plan = [{"level": s.level, "per_tile": s.per_tile} for s in self.specs]
        return StrokeList(
            params=self.export(), width=width, height=height, brush=preset.brush,
            sampling=preset.sampling, background=bg, painter=self.painter.name, preset=preset.name,
            meta={**meta, "plan": plan},
        )


def canvas_from_strokes(strokes: StrokeList, painter: Painter) -> LayeredCanvas:
    """Rebuild the groups of a painting from its stroke file (written by :meth:`to_stroke_list`).

    The file's ``meta.plan`` says which grid level each group used; stroke order is the export order.
    """
    from brushcli.errors import StrokeFileError
    from brushcli.paint.planner import TILE_MAX_SIZE, TILE_POSITION

    plan = strokes.meta.get("plan")
    if not isinstance(plan, list) or not plan:
        raise StrokeFileError("this stroke file has no painting plan (meta.plan); only files written by "
                              "`brush paint` can be resumed")
    if strokes.brush != painter.preset.brush:
        raise StrokeFileError(f"strokes were painted with {strokes.brush}, but painter {painter.name!r} imitates "
                              f"{painter.preset.brush}; pass the matching --painter")
    canvas = LayeredCanvas(painter, strokes.aspect, torch.tensor(strokes.background, dtype=torch.float32))
    row = 0
    runs: list[tuple[int, list[int]]] = []
    for entry in plan:
        level_index, per_tile = int(entry["level"]), int(entry["per_tile"])
        if runs and runs[-1][0] == level_index:
            runs[-1][1].append(per_tile)
        else:
            runs.append((level_index, [per_tile]))
    for level_index, sizes in runs:
        level = canvas.level(level_index)
        total = sum(sizes)
        count = level.count * total
        block = strokes.params[row : row + count]
        if len(block) != count:
            raise StrokeFileError("stroke file does not match its plan (too few strokes)")
        row += count
        ordered = np.empty((level.count, total, 12))
        ordered[level.order] = block.reshape(level.count, total, 12)
        actions = level.from_image_coords(ordered[..., :9], painter.preset)
        tiled = level.index > 0
        position = TILE_POSITION if tiled else (0.0, 1.0)
        size = (0.0, TILE_MAX_SIZE if tiled else 1.0)
        clipped = np.clip(actions, [position[0]] * 6 + [0, 0, size[0]], [position[1]] * 6 + [1, 1, size[1]])
        start = 0
        for per_tile in sizes:
            part = slice(start, start + per_tile)
            canvas.add_group(level.index, torch.tensor(clipped[:, part], dtype=torch.float32),
                             torch.tensor(ordered[:, part, 9:], dtype=torch.float32), position, size)
            start += per_tile
    if row != len(strokes):
        raise StrokeFileError("stroke file does not match its plan (extra strokes)")
    return canvas
