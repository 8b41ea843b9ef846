"""Feature visualisation in pixel space: the image a set of classifiers wants to see, with no strokes.

``brush dream`` starts from it (``--start prototype``): strokes optimised for the offline
EfficientNet-Lite nets directly converge on fields of texture that the nets read and a person does
not, while the same nets, asked for a free image with Lucid's tricks, paint the class's parts where a
person sees them (a bus's windscreen, a volcano's plume, a lighthouse's lantern; docs/dream.md).
:func:`class_image` is that optimisation: Fourier coefficients whose amplitudes fall as
1/f^``decay`` (a larger decay gives a smoother, more paintable image), colours decorrelated with
ImageNet's colour covariance, a sigmoid to 0..1, and random views every step
(:mod:`brushcli.vision.transforms`), as in Lucid's ``param.image`` and Olah et al., "Feature
Visualization" (Distill, 2017).

>>> image = class_image(class_objective(nets.names, 388), nets)        # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from brushcli.errors import InvalidArgument
from brushcli.objectives import Objective, observe
from brushcli.vision import transforms as T
from brushcli.vision.nets import NetEnsemble

#: Lucid's colour correlation matrix (the square root of ImageNet's colour covariance), columns scaled
#: so the largest has norm 1: uncorrelated parameters become colours with natural statistics.
COLOR_CORRELATION = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
COLOR_CORRELATION = COLOR_CORRELATION / COLOR_CORRELATION.norm(dim=0).max()


def spectrum_scale(size: int, decay: float) -> torch.Tensor:
    """Amplitude of each rfft2 frequency of a ``size``-px image: 1/f^``decay``, ``size`` at the lowest frequency."""
    fy, fx = torch.fft.fftfreq(size)[:, None], torch.fft.rfftfreq(size)[None, :]
    scale = torch.clamp(torch.sqrt(fx * fx + fy * fy), min=1.0 / size) ** -decay
    return scale / scale.max() * size


def views(size: int, scale: tuple[float, float] = (0.3, 1.2), rotate: float = 30.0,
          crop: tuple[float, float] = (0.65, 1.0)) -> T.Transform:
    """The class image's default views: four per step on a grey fill, zoomed by ``scale`` and turned by up
    to ``rotate`` degrees, stronger than ``dream``'s stroke views, which is what makes the nets draw
    whole parts rather than texture (docs/benchmarks.md)."""
    return T.standard(4, size, fill=0.5, scale=scale, rotate=rotate, crop=crop)


def class_image(objective: Objective, nets: NetEnsemble, size: int = 224, steps: int = 256, decay: float = 1.6,
                view: T.Transform | None = None, seed: int = 0, lr: float = 0.05,
                progress: Callable[[int, float], None] | None = None, device: str | torch.device = "cpu",
                ) -> np.ndarray:
    """A ``(size, size, 3)`` float image in 0..1 that minimises ``objective`` over random ``views``.

    ``view`` (the random views of each step) defaults to :func:`views`. ``progress(step, loss)``
    follows every step. ``device`` is the nets' (the random start is drawn on the CPU, so it is the
    same on every device).
    """
    if not 16 <= size <= 1024:
        raise InvalidArgument(f"class image side must be 16..1024 px, got {size}")
    if steps < 1 or decay < 0:
        raise InvalidArgument(f"class image needs steps >= 1 and decay >= 0, got {steps} and {decay}")
    view = view or views(size)
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    scale = spectrum_scale(size, decay).to(device)
    mix = COLOR_CORRELATION.to(device)
    spectrum = (0.01 * torch.randn(3, size, size // 2 + 1, 2, generator=generator)).to(device).requires_grad_()

    def image() -> torch.Tensor:
        pixels = torch.fft.irfft2(torch.view_as_complex(spectrum) * scale, s=(size, size), norm="ortho") * 4
        return torch.sigmoid(torch.einsum("ij,jhw->ihw", mix, pixels))[None]

    optimiser = torch.optim.Adam([spectrum], lr=lr)
    for step in range(steps):
        loss = objective(observe(objective, view(image(), generator), nets=nets))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if progress:
            progress(step + 1, float(loss.detach()))
    with torch.no_grad():
        return image()[0].permute(1, 2, 0).cpu().numpy().astype(np.float32)
