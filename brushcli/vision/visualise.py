"""Feature visualisation in pixel space: the image a set of classifiers wants to see, with no strokes.

``brush dream`` starts from it (``--start prototype``): strokes optimised for the offline
EfficientNet-Lite nets directly converge on fields of texture that the nets read and a person does
not, while the same nets, asked for a free image with Lucid's tricks, paint the class's parts where a
person sees them (a bus's windscreen, a volcano's plume, a lighthouse's lantern; docs/dream.md).
:func:`class_image` is that optimisation: Fourier coefficients whose amplitudes fall as
1/f^``decay`` (a larger decay gives a smoother, more paintable image), colours decorrelated with
ImageNet's colour covariance, a sigmoid to 0..1, and random views every step
(:mod:`brushcli.vision.transforms`), as in Lucid's ``param.image`` and Olah et al., "Feature
Visualization" (Distill, 2017). By default the image also has an opacity channel and is seen over
random backgrounds, with opacity priced (Lucid's transparency trick, Mordvintsev et al.,
"Differentiable Image Parameterizations", Distill 2018): without it the nets fill the frame with
scenery and close-ups of parts (fur, grass, a bus's side); with it they draw the object alone, whole
and in the middle, on the canvas colour (a ladybug, a grand piano, a koala's face; docs/dream.md).
Half the views are blurred (:data:`BLURRED`), so the class must read from the object's outline and
colours too, not only from a patch of texture; and every view has a grey square hidden
(:data:`CUTOUT`), so no one patch can carry the class and the nets draw more of the object.

>>> image = class_image(class_objective(nets.names, 388), nets)        # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from brushcli.canvas.composite import apply_over
from brushcli.errors import InvalidArgument
from brushcli.objectives import Objective, observe
from brushcli.vision import transforms as T
from brushcli.vision.nets import NetEnsemble

#: Lucid's colour correlation matrix (the square root of ImageNet's colour covariance), columns scaled
#: so the largest has norm 1: uncorrelated parameters become colours with natural statistics.
COLOR_CORRELATION = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
COLOR_CORRELATION = COLOR_CORRELATION / COLOR_CORRELATION.norm(dim=0).max()
#: Opacity's price grows from the centre out as 1 + CENTRE r^2 (:func:`centre_weight`).
CENTRE = 3.0
#: The first quarter of the steps is opaque (no opacity, no backgrounds): the nets settle the
#: class's colours on a full frame first; with opacity from the start a shape alone says the class
#: and its hue drifts (blue bananas and goldfish, a purple koala; docs/benchmarks.md).
OPAQUE_START = 0.25
#: How many of the four views a step blurs, and the sides (fractions of the view's) they are blurred
#: to: about what a few hundred strokes can paint of the image. Without them the nets settle for a
#: patch of fur or a close-up; with them they draw the object's outline (a grand piano on its legs,
#: a bunch of bananas, a flamingo's neck; docs/benchmarks.md).
BLURRED = 2
BLUR_SIDES = (0.11, 0.14, 0.21)
#: Side (a fraction of the view's) of the grey square that hides part of every view of a step
#: (:func:`~brushcli.vision.transforms.cutout`), so the class cannot rest on one patch.
CUTOUT = 0.4


def spectrum_scale(size: int, decay: float) -> torch.Tensor:
    """Amplitude of each rfft2 frequency of a ``size``-px image: 1/f^``decay``, ``size`` at the lowest frequency."""
    fy, fx = torch.fft.fftfreq(size)[:, None], torch.fft.rfftfreq(size)[None, :]
    scale = torch.clamp(torch.sqrt(fx * fx + fy * fy), min=1.0 / size) ** -decay
    return scale / scale.max() * size


def views(size: int, scale: tuple[float, float] = (0.5, 1.2), rotate: float = 30.0,
          crop: tuple[float, float] = (0.65, 1.0), fill: T.Fill = 0.0, blurred: int = BLURRED) -> T.Transform:
    """The class image's default views: four per step, zoomed by ``scale`` and turned by up to ``rotate``
    degrees, stronger than ``dream``'s stroke views, which is what makes the nets draw whole parts
    rather than texture (docs/benchmarks.md); the first ``blurred`` of them lose their fine detail
    (:func:`~brushcli.vision.transforms.low_pass` to :data:`BLUR_SIDES`), so the class must also read
    from the object's outline and colours. ``fill`` is revealed around a zoomed-out view: 0 in every
    channel of :func:`class_image`'s premultiplied RGBA is transparent, so the random background shows."""
    return T.compose(T.standard(4, size, fill=fill, scale=scale, rotate=rotate, crop=crop),
                     T.low_pass(blurred, BLUR_SIDES))


def backdrop(count: int, size: int, step: int, generator: torch.Generator) -> torch.Tensor:
    """``count`` random backgrounds for a step's views: on even steps smooth colour noise, on odd steps
    one flat colour each, so the class cannot lean on any background and must be drawn as the object."""
    if step % 2:
        return torch.rand(count, 3, 1, 1, generator=generator).expand(count, 3, size, size)
    coarse = torch.rand(count, 3, max(2, size // 16), max(2, size // 16), generator=generator)
    return F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False).clamp(0, 1)


def centre_weight(size: int) -> torch.Tensor:
    """Per-pixel price of opacity, 1 + ``CENTRE`` r^2 (r = 1 at the edges' middles), normalised to mean 1:
    opacity is cheapest in the middle, so the object sits there whole instead of spilling off the edges."""
    axis = torch.linspace(-1, 1, size)
    weight = 1 + CENTRE * (axis[:, None] ** 2 + axis[None, :] ** 2)
    return weight / weight.mean()


def class_image(objective: Objective, nets: NetEnsemble, size: int = 224, steps: int = 256,
                decay: float = 2.0, view: T.Transform | None = None, seed: int = 0, lr: float = 0.05,
                progress: Callable[[int, float], None] | None = None, device: str | torch.device = "cpu",
                opacity: float = 3.0, background: Sequence[float] = (1.0, 1.0, 1.0),
                stop: int | None = None, cutout: float = CUTOUT) -> np.ndarray:
    """A ``(size, size, 3)`` float image in 0..1 that minimises ``objective`` over random ``views``.

    With ``opacity`` > 0 the image has an opacity channel: after an opaque start
    (:data:`OPAQUE_START` of the steps, seen on grey) its views (premultiplied RGBA) are laid over
    random backgrounds every step (:func:`backdrop`), and the mean opacity, priced by
    :func:`centre_weight`, costs ``opacity`` times its value in the objective's units. The nets must
    then find the class in the object alone, with no scenery, and the result is the object on
    ``background`` (the canvas colour: paint then spends its strokes on the object). ``opacity=0`` is
    the plain Lucid image. Every view, as the nets see it, has a grey square of ``cutout`` of its side
    hidden (:data:`CUTOUT`; 0 hides nothing). ``view`` (the random views of each step) defaults to :func:`views`; with
    opacity it sees premultiplied RGBA, so its fill should be 0 (transparent). ``progress(step,
    loss)`` follows every step. ``device`` is the nets' (the random start and backgrounds are drawn
    on the CPU, so they are the same on every device). ``stop`` ends the run after that many of the
    ``steps`` (the schedule is still that of ``steps``): the same image the full run has at that
    step, opaque if its opaque start is not over (what ``brush dream --sketch`` shows).
    """
    if not 16 <= size <= 1024:
        raise InvalidArgument(f"class image side must be 16..1024 px, got {size}")
    if steps < 1 or decay < 0 or opacity < 0:
        raise InvalidArgument(f"class image needs steps >= 1, decay >= 0 and opacity >= 0, "
                              f"got {steps}, {decay} and {opacity}")
    if stop is not None and not 1 <= stop <= steps:
        raise InvalidArgument(f"stop must be 1..{steps} (the steps), got {stop}")
    if len(background) != 3 or not all(0 <= v <= 1 for v in background):
        raise InvalidArgument(f"background must be three values in 0..1, got {tuple(background)}")
    if not 0 <= cutout < 1:
        raise InvalidArgument(f"cutout must be a fraction of a view's side in 0..1, got {cutout}")
    transparent = opacity > 0
    view = view or views(size, fill=0.0 if transparent else 0.5)
    opaque_steps = round(OPAQUE_START * steps)
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    scale = spectrum_scale(size, decay).to(device)
    hide = T.cutout(cutout)
    mix = COLOR_CORRELATION.to(device)
    weight = centre_weight(size).to(device)
    paper = torch.tensor(list(background), dtype=torch.float32, device=device).reshape(3, 1, 1)
    grey = torch.full((3, 1, 1), 0.5, device=device)  # what the opaque start is seen on
    channels = 4 if transparent else 3
    spectrum = (0.01 * torch.randn(channels, size, size // 2 + 1, 2, generator=generator)).to(device)
    spectrum.requires_grad_()

    def image() -> tuple[torch.Tensor, torch.Tensor]:
        """Colour (3, H, W) and opacity (1, H, W); opacity starts near 0.73 (sigmoid of 1)."""
        pixels = torch.fft.irfft2(torch.view_as_complex(spectrum) * scale, s=(size, size), norm="ortho") * 4
        colour = torch.sigmoid(torch.einsum("ij,jhw->ihw", mix, pixels[:3]))
        return colour, torch.sigmoid(pixels[3:] + 1) if transparent else torch.ones_like(colour[:1])

    optimiser = torch.optim.Adam([spectrum], lr=lr)
    for step in range(steps if stop is None else stop):
        colour, alpha = image()
        if not transparent:
            seen, price = view(colour[None], generator), 0.0
        elif step < opaque_steps:  # opaque on grey, as without opacity: the colours settle first
            seen = view(torch.cat([colour, torch.ones_like(alpha)])[None], generator)
            seen, price = apply_over(grey, seen[:, :3], 1 - seen[:, 3:]), 0.0
        else:
            seen = view(torch.cat([colour * alpha, alpha])[None], generator)
            ground = backdrop(len(seen), seen.shape[-1], step, generator).to(device)
            seen = apply_over(ground, seen[:, :3], 1 - seen[:, 3:])
            price = opacity * (alpha[0] * weight).mean()
        seen = hide(seen, generator)
        loss = objective(observe(objective, seen, nets=nets)) + price
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if progress:
            progress(step + 1, float(loss.detach()))
    with torch.no_grad():
        colour, alpha = image()
        if stop is not None and stop <= opaque_steps:
            alpha = torch.ones_like(alpha)
        return apply_over(paper, colour * alpha, 1 - alpha).permute(1, 2, 0).cpu().numpy().astype(np.float32)
