"""Grids of overlapping 64-px painter canvases that stitch into one large image.

Level 0 is a single painter canvas stretched over the whole image (long side = 64 native px).
Level ``L >= 1`` renders at ``64 * 2**L`` native px on the long side with 64-px tiles every 32 px;
each tile's strokes keep their centres in the tile's central 32x32 cell, so the cells partition the
image and a stroke never reaches the tile border (where the painter's canvas would clip it while
the real MyPaint replay would not). Tiles whose column and row parities match never overlap, so a
level is composited as four non-overlapping layers instead of tile by tile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch
import torch.nn.functional as F

from brushcli.canvas.composite import over_stack
from brushcli.presets import Preset

#: The painter canvas size most painters use (the default tile; a painter's own ``canvas`` wins).
TILE = 64
STRIDE = TILE // 2
#: Order in which the four non-overlapping layers of a tiled level are painted.
LAYERS = ((0, 0), (1, 0), (0, 1), (1, 1))


@dataclass(frozen=True)
class Level:
    """A tile layout for an image of aspect ``aspect`` (width / height) at grid level ``index``.

    ``tile`` is the painter's canvas size (tiles overlap by half: one every ``tile // 2`` px).
    ``active`` (row-major tile indices, ascending) are the tiles that hold strokes, when not all do:
    a level can give its strokes to the tiles where the painting below is most wrong. Strokes,
    offsets and :attr:`order` then refer to the active tiles only; the others paint nothing.
    """

    index: int
    aspect: float
    tile: int = TILE
    active: tuple[int, ...] | None = None

    @property
    def stride(self) -> int:
        return self.tile // 2

    @cached_property
    def size(self) -> tuple[int, int]:
        """Native (width, height) in pixels of the image at this level."""
        long = self.tile * 2**self.index
        if self.aspect >= 1:
            return long, max(1, round(long / self.aspect))
        return max(1, round(long * self.aspect)), long

    @cached_property
    def tiles(self) -> tuple[int, int]:
        """(nx, ny) tiles."""
        if self.index == 0:
            return 1, 1
        w, h = self.size
        return math.ceil(w / self.stride), math.ceil(h / self.stride)

    @property
    def grid_count(self) -> int:
        """Tiles of the whole grid."""
        return self.tiles[0] * self.tiles[1]

    @property
    def count(self) -> int:
        """Tiles that hold strokes (:attr:`active`, else the whole grid)."""
        return self.grid_count if self.active is None else len(self.active)

    @property
    def origin(self) -> int:
        """Native x/y of tile (0, 0)'s top-left corner (tiles start half a cell before the image)."""
        return 0 if self.index == 0 else -(self.tile - self.stride) // 2

    @cached_property
    def canvas(self) -> tuple[int, int]:
        """(width, height) of the padded compositing canvas that holds every tile."""
        nx, ny = self.tiles
        return self.stride * (nx - 1) + self.tile, self.stride * (ny - 1) + self.tile

    @cached_property
    def order(self) -> np.ndarray:
        """Tile indices (row-major ``iy * nx + ix``; with :attr:`active`, positions in it) in painting
        order: layer by layer."""
        nx, ny = self.tiles
        if self.index == 0:
            return np.array([0])
        out = []
        for px, py in LAYERS:
            out += [iy * nx + ix for iy in range(py, ny, 2) for ix in range(px, nx, 2)]
        if self.active is None:
            return np.array(out)
        position = {tile: i for i, tile in enumerate(self.active)}
        return np.array([position[t] for t in out if t in position], dtype=np.int64)

    def grid_offsets(self) -> np.ndarray:
        """Native pixel (x, y) of every grid tile's top-left corner, row-major, shape (grid_count, 2)."""
        nx, ny = self.tiles
        iy, ix = np.mgrid[0:ny, 0:nx]
        return np.stack([ix.ravel(), iy.ravel()], axis=1) * self.stride + self.origin

    def tile_offsets(self) -> np.ndarray:
        """Native pixel (x, y) of each stroke-holding tile's top-left corner, shape (count, 2)."""
        offsets = self.grid_offsets()
        return offsets if self.active is None else offsets[list(self.active)]

    @cached_property
    def _active_index(self) -> torch.Tensor:
        """:attr:`active` as an index tensor, built once (the tiled render runs every step)."""
        return torch.tensor(self.active or (), dtype=torch.long)

    def with_active(self, active: "list[int] | tuple[int, ...] | None") -> "Level":
        """This level with strokes in tiles ``active`` only (None or every tile: all)."""
        if active is not None and (not active or list(active) != sorted(set(active))
                                   or not 0 <= min(active) <= max(active) < self.grid_count):
            raise ValueError(f"active tiles must be distinct, ascending indices below {self.grid_count}")
        if active is not None and len(active) == self.grid_count:
            active = None
        return Level(self.index, self.aspect, self.tile, None if active is None else tuple(int(t) for t in active))

    def render(self, alphas: torch.Tensor, colors: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Stitch per-tile strokes into this level's over operator, cropped to the image.

        ``alphas`` is ``(count, n, tile, tile)`` and ``colors`` ``(count, n, 3)`` (row-major tiles, or the
        :attr:`active` ones, stroke 0 of each tile painted first). Returns ``(P, M)`` of shape
        ``(3, h, w)`` and ``(1, h, w)``.
        Alphas drawn at ``k`` times the tile size (``(count, n, k*tile, k*tile)``) give the level at
        ``k`` times its native size.
        """
        premult, keep = over_stack(alphas, colors)  # (T, 3, t, t), (T, 1, t, t)
        t = alphas.shape[-1]
        if self.active is not None:  # tiles without strokes paint nothing: premult 0, keep 1
            index = self._active_index.to(alphas.device)
            premult = premult.new_zeros(self.grid_count, *premult.shape[1:]).index_copy(0, index, premult)
            keep = keep.new_ones(self.grid_count, *keep.shape[1:]).index_copy(0, index, keep)
        scale = t // self.tile
        w, h = self.size[0] * scale, self.size[1] * scale
        if self.index == 0:
            return premult[0, :, :h, :w], keep[0, :, :h, :w]
        nx, ny = self.tiles
        p_all, m_all = stitch(premult.view(ny, nx, 3, t, t), keep.view(ny, nx, 1, t, t))
        off = -self.origin * scale
        return p_all[:, off : off + h, off : off + w], m_all[:, off : off + h, off : off + w]

    def to_image_coords(self, actions: np.ndarray, preset: Preset, tiles: list[int] | None = None) -> np.ndarray:
        """Tile-local actions ``(count, n, 9)`` -> stroke shape columns relative to the whole image.

        Returns ``(count, n, 9)`` stroke columns (see :mod:`brushcli.strokes`): points relative to
        the image's width and height, pressures mapped into the preset's range, radius as a fraction
        of the image's long side. ``tiles``: the stroke-holding tiles (positions in :meth:`tile_offsets`)
        the ``count`` rows belong to, when not all of them.
        """
        a = np.asarray(actions, dtype=np.float64)
        out = preset.actions_to_shapes(a.reshape(-1, 9)).reshape(a.shape)
        w, h = self.size
        offsets = self.tile_offsets()
        offsets = (offsets if tiles is None else offsets[tiles])[:, None, :]  # (T, 1, 2)
        for k in (0, 2, 4):
            out[..., k] = (offsets[..., 0] + a[..., k] * self.tile) / w
            out[..., k + 1] = (offsets[..., 1] + a[..., k + 1] * self.tile) / h
        out[..., 8] *= self.tile / max(w, h)  # tile-relative radius -> image-relative
        return out

    def from_image_coords(self, shapes: np.ndarray, preset: Preset) -> np.ndarray:
        """Inverse of :meth:`to_image_coords`: image-relative stroke columns -> tile-local actions."""
        s = np.asarray(shapes, dtype=np.float64)
        w, h = self.size
        offsets = self.tile_offsets()[:, None, :]
        local = s.copy()
        for k in (0, 2, 4):
            local[..., k] = (s[..., k] * w - offsets[..., 0]) / self.tile
            local[..., k + 1] = (s[..., k + 1] * h - offsets[..., 1]) / self.tile
        local[..., 8] = s[..., 8] * max(w, h) / self.tile
        return preset.shapes_to_actions(local.reshape(-1, 9)).reshape(s.shape)


def stitch(premult: torch.Tensor, keep: torch.Tensor, ix0: int = 0, iy0: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Compose a rectangular block of tile operators into one operator over the block's canvas.

    ``premult``/``keep`` are ``(ny, nx, C, T, T)`` for tiles ``ix0..ix0+nx-1`` by ``iy0..iy0+ny-1``
    of a level (tiles of ``T`` px every ``T / 2``); layers follow the level's global parity order, so a
    block composites exactly as the same tiles do inside the whole level. Returns ``(3, H, W)`` and
    ``(1, H, W)`` with ``W = T/2 * (nx - 1) + T`` (the block's top-left tile corner at (0, 0)).
    """
    ny, nx, _, tile = premult.shape[:4]
    stride = tile // 2
    cw, ch = stride * (nx - 1) + tile, stride * (ny - 1) + tile
    p_all = premult.new_zeros(3, ch, cw)
    m_all = keep.new_ones(1, ch, cw)
    p_classes, m_classes = _parity_classes(premult, 0.0), _parity_classes(keep, 1.0)
    for px, py in LAYERS:
        sx, sy = (px - ix0) % 2, (py - iy0) % 2  # local start of this global parity class
        if sx >= nx or sy >= ny:
            continue
        lp = _blocks(p_classes[sy][sx])
        lm = _blocks(m_classes[sy][sx])
        # a negative pad crops: the identity tiles _parity_classes added past the block's edge
        pad = (stride * sx, cw - stride * sx - lp.shape[-1], stride * sy, ch - stride * sy - lp.shape[-2])
        p_all = p_all * F.pad(lm, pad, value=1.0) + F.pad(lp, pad, value=0.0)
        m_all = m_all * F.pad(lm, pad, value=1.0)
    return p_all, m_all


def _parity_classes(grid: torch.Tensor, identity: float) -> list[list[torch.Tensor]]:
    """(ny, nx, C, T, T) -> ``[row parity][column parity]`` grids of every other tile.

    One reshape and unbind instead of strided slices: a strided slice's backward zero-fills the whole
    grid, once per class (a fifth of a 512-px step). Odd counts are padded with ``identity`` tiles
    (premult 0, keep 1: painting nothing).
    """
    ny, nx = grid.shape[:2]
    if nx % 2 or ny % 2:
        grid = F.pad(grid, (0, 0, 0, 0, 0, 0, 0, nx % 2, 0, ny % 2), value=identity)
    rows = grid.reshape((ny + 1) // 2, 2, (nx + 1) // 2, 2, *grid.shape[2:]).unbind(1)
    return [list(row.unbind(2)) for row in rows]


def _blocks(grid: torch.Tensor) -> torch.Tensor:
    """(ny, nx, C, T, T) -> (C, ny*T, nx*T)."""
    ny, nx, c, th, tw = grid.shape
    return grid.permute(2, 0, 3, 1, 4).reshape(c, ny * th, nx * tw)
