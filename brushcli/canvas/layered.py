"""A painting as groups of strokes on grid levels, rendered differentiably and exported to MyPaint.

Groups are painted in the order they were added; each belongs to one :class:`~brushcli.canvas.grid.Level`.
The same order is used for the neural render and for the exported stroke list, so the MyPaint
replay paints exactly what the optimiser saw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from brushcli.canvas.composite import stack_weights
from brushcli.canvas.feedback import RealFeedback, resize_image
from brushcli.canvas.grid import Level
from brushcli.canvas.param import StrokeGroup, logit
from brushcli.canvas.placement import bounds
from brushcli.painters.painter import Painter
from brushcli.strokes import StrokeList


#: Most alpha values one level may hold when drawn above its native size (2**25 floats: 128 MiB;
#: compositing needs a few tensors that large).
SHARP_ELEMENTS = 1 << 25


@dataclass
class GroupSpec:
    """Where a group lives: its level index and strokes per tile."""

    level: int
    per_tile: int


class LayeredCanvas(nn.Module):
    """Stroke groups over a background color; renders at any grid level's resolution.

    Real-MyPaint feedback (:mod:`brushcli.canvas.feedback`): :meth:`refresh_real` renders every
    stroke's true alpha with libmypaint on the painter's own canvas and keeps the difference to the
    painter's output. While :attr:`use_real` is on, renders add that (detached) difference, so the
    forward pass shows what MyPaint will paint while gradients still come from the painter: the
    optimiser cannot profit from the painter's mistakes.
    """

    def __init__(self, painter: Painter, aspect: float, background: torch.Tensor) -> None:
        super().__init__()
        self.painter = painter
        self.aspect = aspect
        self.raw_background = nn.Parameter(logit(background.clone()))
        self.groups = nn.ModuleList()
        self.specs: list[GroupSpec] = []
        #: Per grid level, the tiles that hold strokes when not all do (:attr:`Level.active`).
        self.active: dict[int, tuple[int, ...]] = {}
        self._levels: dict[int, Level] = {}  # built once each: renders ask for them every step
        self.feedback = RealFeedback(painter)
        self.use_real = False

    @property
    def tile(self) -> int:
        """The painter's canvas size: every grid level is made of tiles this large."""
        return self.painter.canvas

    @torch.no_grad()
    def refresh_real(self, groups: list[int]) -> None:
        """Render the current strokes of ``groups`` with real MyPaint; keep real - neural per stroke."""
        for index in groups:
            self.feedback.refresh(index, self.groups[index].actions().reshape(-1, 9), self.tile)

    def level(self, index: int) -> Level:
        if index not in self._levels:
            self._levels[index] = Level(index, self.aspect, self.tile, self.active.get(index))
        return self._levels[index]

    def activate(self, level: int, tiles: list[int] | None) -> None:
        """Give the strokes of grid level ``level`` to ``tiles`` only (before any group is added there)."""
        if any(spec.level == level for spec in self.specs):
            raise ValueError(f"level {level} already holds strokes")
        chosen = Level(level, self.aspect, self.tile).with_active(tiles)
        self._levels[level] = chosen
        if chosen.active is None:
            self.active.pop(level, None)
        else:
            self.active[level] = chosen.active

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

    def join(self, indices: list[int]) -> int:
        """Make consecutive same-level groups ``indices`` one group (:meth:`StrokeGroup.joined`); returns its index.

        The painting, its stroke order and its export are unchanged. Real-MyPaint corrections of the
        joined groups and of every group after them are dropped (refresh them before rendering with
        :attr:`use_real`).
        """
        if len(indices) <= 1:
            return indices[0]
        start = indices[0]
        if list(indices) != list(range(start, start + len(indices))) or len({self.specs[i].level for i in indices}) != 1:
            raise ValueError("only consecutive groups of one level can be joined")
        joined = StrokeGroup.joined([self.groups[i] for i in indices])
        spec = GroupSpec(self.specs[start].level, sum(self.specs[i].per_tile for i in indices))
        kept = list(self.groups)
        self.groups = nn.ModuleList(kept[:start] + [joined] + kept[start + len(indices):])
        self.specs = self.specs[:start] + [spec] + self.specs[start + len(indices):]
        self.feedback.forget(lambda key: isinstance(key, int) and key >= start)
        return start

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

    def runs(self) -> list[tuple[int, list[int]]]:
        """The whole painting as runs of consecutive same-level groups, in painting order."""
        return self._runs(list(range(len(self.groups))))

    def level_stack(self, indices: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """Actions ``(tiles, n, 9)`` and colors ``(tiles, n, 3)`` of same-level groups, per tile in order.

        Groups of one level share each tile's stack: a later group's strokes go on top of the earlier
        groups' strokes in every tile. Rendering them as one stack is one painter call per level.
        """
        if len(indices) == 1:
            group = self.groups[indices[0]]
            return group.actions(), group.colors()
        actions = torch.cat([self.groups[i].actions() for i in indices], dim=1)
        colors = torch.cat([self.groups[i].colors() for i in indices], dim=1)
        return actions, colors

    def level_operator(self, level: int, indices: list[int], scale: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
        """(P, M) of same-level groups at ``scale`` times the level's native resolution.

        ``scale`` above 1 needs a :attr:`~brushcli.painters.painter.Painter.scalable` painter (and no
        real feedback, whose corrections are at the native size).
        """
        actions, colors = self.level_stack(indices)
        tiles, n = actions.shape[:2]
        if scale > 1:
            size = self.tile * scale
            alphas = self.painter.render_at(actions.reshape(-1, 9), size).view(tiles, n, size, size)
            return self.level(level).render(alphas, colors)
        alphas = self.painter(actions.reshape(-1, 9)).view(tiles, n, self.tile, self.tile)
        correction = self.feedback.stacked(list(indices), tiles) if self.use_real else None
        if correction is not None:
            alphas = (alphas + correction).clamp(0.0, 1.0)
        return self.level(level).render(alphas, colors)

    def render(self, width: int, height: int, groups: range | list[int] | None = None,
               base: torch.Tensor | None = None, sharp: bool = False) -> torch.Tensor:
        """Paint ``groups`` (default: all) over ``base`` (default: the background) at ``width`` x ``height``.

        Levels are drawn at their native resolution and resized. With ``sharp`` (for the final
        picture, not for optimising), a scalable painter draws each coarser level's tiles at up to
        the output resolution instead of having them upscaled (:meth:`sharp_scale`).
        """
        if base is None:
            base = self.background[:, None, None].expand(3, height, width)
        canvas = base
        selected = list(groups) if groups is not None else list(range(len(self.groups)))
        for level, indices in self._runs(selected):
            scale = self.sharp_scale(level, indices, width, height) if sharp else 1
            premult, keep = self.level_operator(level, indices, scale)
            canvas = canvas * resize_image(keep, width, height) + resize_image(premult, width, height)
        return canvas

    @torch.no_grad()
    def stroke_values(self, index: int, target: torch.Tensor) -> torch.Tensor:
        """How much the pixel loss (summed squared error) would rise if each stroke of level-0 group
        ``index`` were removed, ``(n,)``: near zero for strokes hidden or matching what lies below.

        Exact for one removal at a time: stroke ``i`` adds ``W_i * (color_i - below_i)`` to the painting
        (:func:`stack_weights`), ``below_i`` being the painting of the strokes under it.
        """
        group = self.groups[index]
        w, h = self.level(0).size
        actions, colors = group.actions()[0], group.colors()[0]
        n = actions.shape[0]
        alphas = self.painter(actions)
        correction = self.feedback.stacked([index], 1) if self.use_real else None
        if correction is not None:
            alphas = (alphas + correction[0]).clamp(0.0, 1.0)
        alphas = alphas[:, :h, :w]
        weight, _ = stack_weights(alphas)
        below = self.background[:, None, None].expand(3, h, w).clone()
        belows = torch.empty(n, 3, h, w, dtype=below.dtype, device=below.device)
        for i in range(n):
            belows[i] = below
            below = below * (1 - alphas[i]) + colors[i][:, None, None] * alphas[i]
        resid = below - target
        change = weight[:, None] * (colors[:, :, None, None] - belows)  # (n, 3, h, w)
        return ((resid[None] - change) ** 2 - resid[None] ** 2).flatten(1).sum(1)

    @torch.no_grad()
    def move_to_top(self, index: int, strokes: torch.Tensor, actions: torch.Tensor, colors: torch.Tensor) -> None:
        """Give strokes ``strokes`` of one-tile group ``index`` new ``actions``/``colors`` and paint them last."""
        group = self.groups[index]
        n = group.shape[1]
        chosen = torch.zeros(n, dtype=torch.bool)
        chosen[strokes] = True
        order = torch.cat([torch.nonzero(~chosen)[:, 0], torch.nonzero(chosen)[:, 0]])
        raw_a = group.raw_actions.data[:, order].clone()
        raw_c = group.raw_colors.data[:, order].clone()
        k = int(chosen.sum())
        raw_a[:, n - k:] = logit((actions.to(raw_a) - group.lo) / group.span)
        raw_c[:, n - k:] = logit(colors.to(raw_c))
        group.raw_actions.data.copy_(raw_a)
        group.raw_colors.data.copy_(raw_c)
        self.feedback.forget(lambda key: key == index)

    def sharp_scale(self, level: int, indices: list[int], width: int, height: int) -> int:
        """How many times its native size a level is drawn at for a ``width`` x ``height`` picture.

        Enough to reach the output size, bounded so one level's alphas stay under :data:`SHARP_ELEMENTS`
        values; 1 for painters that draw at their trained size only, or while real feedback is on.
        """
        if not self.painter.scalable or self.use_real:
            return 1
        lw, lh = self.level(level).size
        scale = max(1, math.ceil(max(width / lw, height / lh) - 0.05))  # not a whole step up for rounding
        strokes = self.level(level).count * sum(self.groups[i].shape[1] for i in indices)
        while scale > 1 and strokes * (self.tile * scale) ** 2 > SHARP_ELEMENTS:
            scale -= 1
        return scale

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
            for level_index, indices in self.runs():
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
        plan = [{"level": s.level, "per_tile": s.per_tile,
                 **({"tiles": list(self.active[s.level])} if s.level in self.active else {})} for s in self.specs]
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
            if "tiles" in entry:
                try:
                    canvas.activate(level_index, [int(t) for t in entry["tiles"]])
                except (ValueError, TypeError) as exc:
                    raise StrokeFileError(f"stroke file plan: bad tiles for level {level_index} ({exc})") from None
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
        position, size = bounds(level)
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
