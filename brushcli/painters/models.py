"""Painter networks: actions (N, 9) in 0..1 -> stroke alpha (N, S, S) in 0..1.

``dabs`` (default) mirrors how MyPaint draws: a stroke is many round dabs along the Bezier. The
geometry (dab centres on the curve) is computed exactly; a small network predicts, at a few knots
along the stroke, each dab's spread, weight and a small offset (what pressure, speed and the brush's
own dynamics do), and per stroke the opacity and edge sharpness. Gaussian dabs are separable, so the
whole stroke is one batched matrix product ``(S x K) @ (K x S)`` instead of per-pixel work, which
makes it fast on a CPU and gives smooth, well-behaved gradients with respect to the stroke's position.

``conv`` is a Learning-to-Paint-style decoder (fully connected to 16x16 features, then convolutions
and pixel shuffles to 64x64); the paper's VAE and GAN methods train it.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from brushcli.errors import PainterError
from brushcli.mypaint.engine import FIRST_DAB
from brushcli.runtime import full_precision

ACTION_DIM = 9
#: Lowest exponent: exp of very negative numbers leaves the CPU's vectorised fast path, and exp(-40)
#: squared is still a normal float32 in the dab matmul.
EXP_FLOOR = -40.0


class DabNet(nn.Module):
    """Separable-Gaussian dab renderer with learned per-dab and per-stroke parameters.

    With ``events`` (the preset's number of engine events) the net also follows MyPaint's dab
    schedule: it predicts the engine's actual radius at each event (trained against the radius the
    engine reports), integrates ``distance * (a / actual_radius + b / base_radius) + c * dtime``
    (``spacing = (a, b, c)``: the brush's dabs per actual radius, per basic radius, per second) along
    the stroke as MyPaint counts dabs, and ends the stroke at its last whole dab. Without it, the end
    cap of a wide stroke, which MyPaint places in jumps of one dab spacing, can only be blurred.
    Dab offsets are then along the stroke's tangent and normal, in units of the radius (MyPaint's
    per-dab tracking makes dabs lag behind the pointer by a fraction of a spacing).

    With ``ellipse = (angle, ratio)`` (a brush's fixed ``elliptical_dab_angle`` in degrees and
    ``elliptical_dab_ratio``, e.g. a calligraphy nib) dabs are elliptical Gaussians whose long axis
    points at ``angle`` (x right, y down, as MyPaint draws them) and whose short axis is ``ratio``
    times narrower (a learnt per-dab factor corrects it for the engine's anti-aliasing). Rotated
    Gaussians are separable in the nib's own frame, so the density is built on a grid aligned with
    the nib (one matmul, as for round dabs) and its logarithm, which is smooth, is sampled bilinearly
    at the pixel centres before the sharp sigmoid edge is applied.
    """

    def __init__(
        self,
        size_range: tuple[float, float],
        canvas: int = 64,
        dabs: int = 96,
        knots: int = 32,
        hidden: int = 64,
        events: int = 0,
        spacing: tuple[float, float, float] | list[float] = (0.0, 0.0, 0.0),
        dtime: float = 0.1,
        first_dab: float = FIRST_DAB,
        ellipse: tuple[float, float] | list[float] | None = None,
    ) -> None:
        super().__init__()
        self.ellipse = None if ellipse is None else (float(ellipse[0]), float(ellipse[1]))
        self.events = int(events)
        if self.events:
            knots = self.events + 1  # knots sit on the engine events
            if len(spacing) != 3 or not any(float(v) > 0 for v in spacing):
                raise PainterError("dab schedule needs spacing = [per actual radius, per basic radius, per second]")
        self.spacing = tuple(float(v) for v in spacing)
        self.dtime, self.first_dab = float(dtime), float(first_dab)
        self.canvas, self.dabs, self.knots = canvas, dabs, knots
        self.size_lo, self.size_hi = float(size_range[0]), float(size_range[1])
        t, tk = torch.linspace(0, 1, dabs), torch.linspace(0, 1, knots)
        self.register_buffer("dab_t", t, persistent=False)
        self.register_buffer("bern", _bernstein(t), persistent=False)
        self.register_buffer("dab_dbern", _bernstein_derivative(t), persistent=False)
        self.register_buffer("knot_t", tk, persistent=False)
        self.register_buffer("knot_bern", _bernstein(tk), persistent=False)
        self.register_buffer("knot_dbern", _bernstein_derivative(tk), persistent=False)
        self.register_buffer("interp", _linear_interpolation(dabs, knots), persistent=False)
        self.register_buffer("grid_basis", _grid_basis(canvas), persistent=False)
        self.stroke_head = nn.Sequential(
            nn.Linear(ACTION_DIM, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, 3)
        )
        self.dab_action = nn.Linear(ACTION_DIM, hidden)
        self.dab_knot = nn.Linear(4, hidden, bias=False)
        channels = 4 + bool(self.events) + (self.ellipse is not None)  # ellipse: the short axis' spread, last
        self.dab_head = nn.Sequential(
            nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, channels)
        )

    def forward(self, actions: torch.Tensor, size: int | None = None) -> torch.Tensor:
        return self.forward_parts(actions, size)[0]

    def forward_parts(self, actions: torch.Tensor, size: int | None = None
                      ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Alpha ``(N, S, S)`` and, with a dab schedule, log(actual / base radius) at each event.

        ``size`` renders on an ``S = size`` px canvas instead of the trained one: dab centres and
        spreads are canvas-relative, so the same continuous stroke is sampled more finely (its edge
        keeps the softness learnt at the trained size). Always float32, also under autocast: the dab
        densities span e^-40..1 and alpha reads their log.
        """
        with full_precision(actions.device):
            return self._forward_parts(actions.float(), size)

    def _forward_parts(self, actions: torch.Tensor, size: int | None = None
                       ) -> tuple[torch.Tensor, torch.Tensor | None]:
        a = actions
        grid_basis = self.grid_basis if size is None or size == self.canvas else _grid_basis(size).to(a)
        n, kn = a.shape[0], self.knots
        px, py = a[:, [0, 2, 4]], a[:, [1, 3, 5]]
        x, y = px @ self.bern.T, py @ self.bern.T  # dab centres on the curve, (N, K)
        speed = torch.sqrt((px @ self.knot_dbern.T) ** 2 + (py @ self.knot_dbern.T) ** 2 + 1e-8)
        tk = self.knot_t.expand(n, kn)
        pressure = a[:, 6:7] * (1 - tk) + a[:, 7:8] * tk
        knot_features = torch.stack([tk, pressure, speed, tk * (1 - tk)], dim=-1)
        per_knot = self.dab_head(self.dab_action(a)[:, None, :] + self.dab_knot(knot_features))
        per_dab = torch.einsum("kj,njc->nkc", self.interp, per_knot)  # (N, K, C)
        radius = self.base_radius(a)
        log_radius = None
        if self.events:
            log_radius = per_knot[..., 4]
            dab_radius = radius * torch.exp(per_dab[..., 4])
            sigma = dab_radius * torch.exp(per_dab[..., 0])
            half_log_w = 0.5 * (per_dab[..., 1] + self._last_dab_mask(px, py, radius * torch.exp(log_radius), radius))
            dx, dy = px @ self.dab_dbern.T, py @ self.dab_dbern.T
            norm = torch.rsqrt(dx * dx + dy * dy + 1e-12)
            tx, ty = dx * norm, dy * norm
            along, across = dab_radius * per_dab[..., 2], dab_radius * per_dab[..., 3]
            cx = x + along * tx - across * ty
            cy = y + along * ty + across * tx
        else:
            sigma = radius * torch.exp(per_dab[..., 0])
            half_log_w = 0.5 * per_dab[..., 1]
            cx = x + 0.01 * per_dab[..., 2]
            cy = y + 0.01 * per_dab[..., 3]
        if self.ellipse is None:
            log_field = torch.log(_dab_field(cx, cy, sigma, sigma, half_log_w, grid_basis, grid_basis) + 1e-20)
        else:
            log_field = self._elliptical_log_field(cx, cy, sigma, per_dab[..., -1], half_log_w,
                                                   size or self.canvas)
        head = self.stroke_head(a)[:, :, None]
        opacity = torch.sigmoid(head[:, 0:1] + 3.0)
        sharpness = F.softplus(head[:, 1:2]) + 0.5
        return opacity * torch.sigmoid(sharpness * (log_field - head[:, 2:3])), log_radius

    def _elliptical_log_field(self, cx: torch.Tensor, cy: torch.Tensor, sigma: torch.Tensor,
                              log_short: torch.Tensor, half_log_w: torch.Tensor, size: int) -> torch.Tensor:
        """log density (N, S, S) of elliptical dabs: built on a grid turned to the nib, sampled at the pixels."""
        angle, ratio = self.ellipse  # type: ignore[misc]
        frame = _nib_frame(angle, size, cx.device, cx.dtype)
        cos, sin = frame.cos, frame.sin
        u = cos * (cx - 0.5) + sin * (cy - 0.5) + 0.5  # along the long axis, about the canvas centre
        v = -sin * (cx - 0.5) + cos * (cy - 0.5) + 0.5
        # the learnt short-axis factor is bounded (e^-2..e^2) and the spread kept above 0.3 px: a spread
        # far below a pixel makes the quadratic form of _dab_field cancel badly in float32 (NaN in training)
        sigma_v = (sigma / ratio * torch.exp(2.0 * torch.tanh(0.5 * log_short))).clamp(min=0.3 / size)
        field = _dab_field(u, v, sigma, sigma_v, half_log_w, frame.basis, frame.basis)  # (N, M[v], M[u])
        log_field = torch.log(field + 1e-20)[:, None]
        grid = frame.sample.expand(len(cx), -1, -1, -1)
        return F.grid_sample(log_field, grid, mode="bilinear", padding_mode="border", align_corners=True)[:, 0]

    def _last_dab_mask(self, px: torch.Tensor, py: torch.Tensor, event_radius: torch.Tensor,
                       radius: torch.Tensor) -> torch.Tensor:
        """Log weight (N, K) that switches dabs off past MyPaint's last whole dab.

        MyPaint counts dabs along the polyline of its events, each segment adding
        ``length * (a / radius at its start + b / base radius) + c * dtime``, and lays a dab at every
        whole count. The count at the end is a step function of the action (no gradient, as in the
        engine); where along the stroke it is reached moves smoothly with the stroke.
        """
        kx, ky = px @ self.knot_bern.T, py @ self.knot_bern.T
        seg = torch.sqrt(torch.diff(kx, dim=1) ** 2 + torch.diff(ky, dim=1) ** 2 + 1e-12)
        per_actual, per_basic, per_second = self.spacing
        step = seg * (per_actual / event_radius[:, :-1] + per_basic / radius) + per_second * self.dtime
        before = self.first_dab + torch.cumsum(step, dim=1) - step  # count at each segment's start
        last = torch.floor(before[:, -1:] + step[:, -1:]).detach().clamp(min=1.0)
        t_last = ((last - before) / (step + 1e-9)).clamp(0.0, 1.0).sum(1, keepdim=True) / self.events
        return F.logsigmoid((t_last - self.dab_t) * (3.0 * (self.dabs - 1)))

    def base_radius(self, actions: torch.Tensor) -> torch.Tensor:
        """The brush's base radius (N, 1) as a fraction of the canvas: the size action in the preset's range."""
        return self.size_lo + actions[:, 8:9] * (self.size_hi - self.size_lo)

    def log_radius_target(self, actions: torch.Tensor, radii: torch.Tensor) -> torch.Tensor:
        """log(engine radius / base radius) at each event: the target of the radius prediction."""
        return torch.log(radii.clamp(min=1e-6) / self.base_radius(actions))


class _FloorExp(torch.autograd.Function):
    """``exp(max(x, EXP_FLOOR))`` whose gradient is ``grad * output`` everywhere.

    Below the floor the true gradient is zero and the straight-through one is ``grad * e^-40``:
    equal for every purpose, and it saves the clamp's masked backward pass (a fifth of a step).
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        out = torch.exp(x.clamp(min=EXP_FLOOR))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        (out,) = ctx.saved_tensors
        return grad * out


def floor_exp(x: torch.Tensor) -> torch.Tensor:
    """Exponential with a floor (see :class:`_FloorExp`): avoids the CPU's slow path for exp(-large)."""
    return _FloorExp.apply(x)


def _dab_field(cx: torch.Tensor, cy: torch.Tensor, sigma_x: torch.Tensor, sigma_y: torch.Tensor,
               half_log_w: torch.Tensor, basis_x: torch.Tensor, basis_y: torch.Tensor) -> torch.Tensor:
    """Sum of axis-aligned Gaussian dabs (N, len(y), len(x)): one batched matmul of per-axis profiles."""
    inv_x, inv_y = 0.5 / (sigma_x * sigma_x), 0.5 / (sigma_y * sigma_y)
    # exp(-(g - c)^2 * inv + log(w)/2) written as a quadratic in g: one small matmul per axis.
    ex = floor_exp(torch.stack([-inv_x, 2 * cx * inv_x, half_log_w - cx * cx * inv_x], -1) @ basis_x)
    ey = floor_exp(torch.stack([-inv_y, 2 * cy * inv_y, half_log_w - cy * cy * inv_y], -1) @ basis_y)
    return torch.bmm(ey.transpose(1, 2), ex)


class _NibFrame:
    """A grid turned by ``angle`` around the canvas centre that covers the canvas at its pixel pitch:
    ``basis`` (3, M) as :func:`_grid_basis`, and where each pixel centre falls in it (``sample``, in
    grid_sample's -1..1 coordinates, (1, S, S, 2))."""

    def __init__(self, angle: float, size: int, device: torch.device, dtype: torch.dtype) -> None:
        import math

        rad = math.radians(angle)
        self.cos, self.sin = math.cos(rad), math.sin(rad)
        half = 0.5 * (abs(self.cos) + abs(self.sin))  # half extent of the turned canvas, in canvas units
        m = int(math.ceil(2 * half * size)) + 2
        coords = 0.5 + (torch.arange(m, dtype=dtype) - (m - 1) / 2) / size  # pixel pitch, centred on 0.5
        self.basis = torch.stack([coords * coords, coords, torch.ones_like(coords)]).to(device)
        g = (torch.arange(size, dtype=dtype) + 0.5) / size - 0.5
        y, x = torch.meshgrid(g, g, indexing="ij")
        u, v = self.cos * x + self.sin * y, -self.sin * x + self.cos * y
        scale = size * 2 / (m - 1)  # canvas units -> -1..1 over the grid's first..last sample
        self.sample = torch.stack([u * scale, v * scale], -1)[None].to(device)


_frames: dict[tuple, _NibFrame] = {}


def _nib_frame(angle: float, size: int, device: torch.device, dtype: torch.dtype) -> _NibFrame:
    key = (angle, size, str(device), dtype)
    if key not in _frames:
        if len(_frames) > 32:
            _frames.clear()
        _frames[key] = _NibFrame(angle, size, device, dtype)
    return _frames[key]


def _grid_basis(size: int) -> torch.Tensor:
    """(3, size): pixel centres g in 0..1 as ``g^2, g, 1`` (a Gaussian's exponent is a quadratic in g)."""
    grid = (torch.arange(size) + 0.5) / size
    return torch.stack([grid * grid, grid, torch.ones_like(grid)])


def _bernstein(t: torch.Tensor) -> torch.Tensor:
    return torch.stack([(1 - t) ** 2, 2 * (1 - t) * t, t**2], dim=1)


def _bernstein_derivative(t: torch.Tensor) -> torch.Tensor:
    return torch.stack([-2 * (1 - t), 2 - 4 * t, 2 * t], dim=1)


def _linear_interpolation(n_out: int, n_in: int) -> torch.Tensor:
    """(n_out, n_in) matrix interpolating values at ``n_in`` even knots to ``n_out`` even points."""
    pos = torch.linspace(0, 1, n_out) * (n_in - 1)
    lo = pos.floor().clamp(max=n_in - 2).long()
    frac = pos - lo
    m = torch.zeros(n_out, n_in)
    m[torch.arange(n_out), lo] = 1 - frac
    m[torch.arange(n_out), lo + 1] += frac
    return m


class ConvDecoder(nn.Module):
    """Vector -> 64x64 alpha: fully connected to 16x16 features, then conv + pixel shuffle twice."""

    def __init__(self, in_dim: int, width: int = 32, fc: int = 512) -> None:
        super().__init__()
        self.fc = nn.Sequential(
            nn.Linear(in_dim, fc), nn.ReLU(), nn.Linear(fc, fc), nn.ReLU(), nn.Linear(fc, 16 * 16 * 16), nn.ReLU()
        )
        self.conv = nn.Sequential(
            nn.Conv2d(16, width, 3, padding=1), nn.ReLU(),
            nn.Conv2d(width, 4 * (width // 2), 3, padding=1), nn.PixelShuffle(2), nn.ReLU(),  # 32x32
            nn.Conv2d(width // 2, 4 * 8, 3, padding=1), nn.PixelShuffle(2), nn.ReLU(),  # 64x64
            nn.Conv2d(8, 1, 3, padding=1),
        )

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        h = self.fc(v).view(-1, 16, 16, 16)
        return torch.sigmoid(self.conv(h))[:, 0]


class ConvNet(nn.Module):
    """Learning-to-Paint-style painter: action -> alpha through :class:`ConvDecoder`."""

    def __init__(self, canvas: int = 64, width: int = 32, fc: int = 512, **_: Any) -> None:
        super().__init__()
        if canvas != 64:
            raise PainterError("the conv painter draws 64x64 strokes only")
        self.decoder = ConvDecoder(ACTION_DIM, width, fc)

    def forward(self, actions: torch.Tensor) -> torch.Tensor:
        return self.decoder(actions)


class StrokeEncoder(nn.Module):
    """64x64 alpha -> (mean, log variance) of a latent (the VAE painter's encoder, training only)."""

    def __init__(self, latent: int, width: int = 32) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1), nn.ReLU(),  # 32
            nn.Conv2d(width, width, 4, 2, 1), nn.ReLU(),  # 16
            nn.Conv2d(width, 2 * width, 4, 2, 1), nn.ReLU(),  # 8
            nn.Conv2d(2 * width, 2 * width, 4, 2, 1), nn.ReLU(),  # 4
        )
        self.out = nn.Linear(2 * width * 16, 2 * latent)

    def forward(self, alpha: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.conv(alpha[:, None]).flatten(1)
        mean, logvar = self.out(h).chunk(2, dim=1)
        return mean, logvar


class VAENet(nn.Module):
    """The paper's VAE painter at inference: action -> latent (MLP) -> stroke (VAE decoder)."""

    def __init__(self, canvas: int = 64, latent: int = 32, width: int = 32, fc: int = 512, **_: Any) -> None:
        super().__init__()
        if canvas != 64:
            raise PainterError("the VAE painter draws 64x64 strokes only")
        self.to_latent = nn.Sequential(
            nn.Linear(ACTION_DIM, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, latent)
        )
        self.decoder = ConvDecoder(latent, width, fc)
        self.latent = latent

    def forward(self, actions: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.to_latent(actions))


ARCHITECTURES: dict[str, type[nn.Module]] = {"dabs": DabNet, "conv": ConvNet, "vae": VAENet}


def build_net(arch: str, size_range: tuple[float, float], canvas: int, args: dict[str, Any]) -> nn.Module:
    """Instantiate architecture ``arch``; errors list the known ones."""
    if arch not in ARCHITECTURES:
        raise PainterError(f"unknown painter architecture {arch!r}; known: {', '.join(ARCHITECTURES)}")
    try:
        if arch == "dabs":
            return DabNet(size_range=size_range, canvas=canvas, **args)
        return ARCHITECTURES[arch](canvas=canvas, **args)
    except TypeError as exc:
        raise PainterError(f"bad arguments for painter architecture {arch!r}: {exc}") from exc
