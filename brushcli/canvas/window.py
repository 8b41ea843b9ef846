"""Rendering a window of a tiled grid level exactly, so memory follows the window, not the painting.

A stroke reaches half a tile beyond its cell, so the pixels of a window of tiles depend on the
ring of tiles around it too; rendering the window plus that ring (and cropping) is exact. ``style``
optimises one window per step this way and renders the finished painting block by block.
"""

from __future__ import annotations

import torch

from brushcli.canvas.composite import over_stack
from brushcli.canvas.grid import Level, stitch
from brushcli.canvas.layered import LayeredCanvas


def render_window(canvas: LayeredCanvas, group: int, ix0: int, iy0: int, nx: int, ny: int,
                  base: torch.Tensor) -> torch.Tensor:
    """Exact render of the image cells of tiles ``ix0..ix0+nx-1`` x ``iy0..iy0+ny-1``.

    Tiles of the surrounding ring are rendered too, because their strokes reach 16 px into these
    cells. ``base`` is the full background image ``(3, h, w)``; returns ``(3, stride*ny, stride*nx)``
    (clipped at the image border).
    """
    spec_level = canvas.level(canvas.specs[group].level)
    tile, stride = spec_level.tile, spec_level.stride
    tx, ty = spec_level.tiles
    gx0, gy0 = max(0, ix0 - 1), max(0, iy0 - 1)
    gx1, gy1 = min(tx, ix0 + nx + 1), min(ty, iy0 + ny + 1)
    grp = canvas.groups[group]
    n = grp.shape[1]
    index = torch.arange(tx * ty, device=base.device).view(ty, tx)[gy0:gy1, gx0:gx1].reshape(-1)
    actions = grp.actions()[index]
    colors = grp.colors()[index]
    alphas = canvas.painter(actions.reshape(-1, 9)).view(len(index), n, tile, tile)
    premult, keep = over_stack(alphas, colors)
    bh, bw = gy1 - gy0, gx1 - gx0
    p_all, m_all = stitch(premult.view(bh, bw, 3, tile, tile), keep.view(bh, bw, 1, tile, tile), gx0, gy0)
    # block canvas (0, 0) is the top-left corner of tile (gx0, gy0), i.e. image pixel stride*gx0 + origin
    w, h = spec_level.size
    x0, y0 = stride * ix0, stride * iy0
    x1, y1 = min(w, stride * (ix0 + nx)), min(h, stride * (iy0 + ny))
    ox, oy = x0 - (stride * gx0 + spec_level.origin), y0 - (stride * gy0 + spec_level.origin)
    p = p_all[:, oy : oy + (y1 - y0), ox : ox + (x1 - x0)]
    m = m_all[:, oy : oy + (y1 - y0), ox : ox + (x1 - x0)]
    return base[:, y0:y1, x0:x1] * m + p


def render_blocks(canvas: LayeredCanvas, level: Level, base: torch.Tensor, block: int) -> torch.Tensor:
    """The whole level, one window at a time (bounded memory); exact thanks to the ring of tiles."""
    tx, ty = level.tiles
    w, h = level.size
    stride = level.stride
    out = torch.empty(3, h, w)
    for iy0 in range(0, ty, block):
        for ix0 in range(0, tx, block):
            nx, ny = min(block, tx - ix0), min(block, ty - iy0)
            part = render_window(canvas, 0, ix0, iy0, nx, ny, base)
            out[:, stride * iy0 : stride * iy0 + part.shape[1], stride * ix0 : stride * ix0 + part.shape[2]] = part.cpu()
    return out.clamp(0, 1)
