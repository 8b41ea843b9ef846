"""Robustness transforms: shapes, ranges and seeded randomness."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from brushcli.vision import transforms as T


def test_color_jitter_changes_each_view_within_range():
    images = torch.full((4, 3, 8, 8), 0.5)
    out = T.color_jitter(0.2)(images, torch.Generator().manual_seed(0))
    assert out.shape == images.shape and out.min() >= 0 and out.max() <= 1
    per_view = out.mean(dim=(2, 3))
    assert not torch.allclose(per_view[0], per_view[1])  # each view its own gains and shifts
    assert (per_view - 0.5).abs().max() <= 0.5 * 0.2 + 0.1 * 0.5 + 1e-6
    assert torch.equal(T.color_jitter(0.0)(images, torch.Generator()), images)


def test_standard_views_are_seeded_and_take_the_wider_ranges():
    image = torch.rand(1, 3, 64, 64)
    t = T.standard(5, 64, scale=(0.6, 1.3), rotate=25, crop=(0.5, 1.0), color=0.1)
    a = t(image, torch.Generator().manual_seed(3))
    b = t(image, torch.Generator().manual_seed(3))
    assert a.shape[0] == 5 and torch.equal(a, b)
    assert not torch.allclose(a[0], a[1])


@pytest.mark.parametrize("shape", [(64, 64), (48, 80)])
def test_frame_is_the_chain_of_transforms_in_one_resampling(shape: tuple[int, int]):
    h, w = shape
    smooth = F.interpolate(torch.rand(1, 3, 5, 5, generator=torch.Generator().manual_seed(1)), size=shape,
                           mode="bicubic", align_corners=False).clamp(0, 1).repeat(6, 1, 1, 1)
    options = {"fill": 0.3, "crop": (0.5, 1.0), "scale": (0.5, 1.2), "rotate": 30.0}
    steps = T.chain(h, **options)(smooth, torch.Generator().manual_seed(4))
    assert steps.shape[-2:] == (h + 3, w + 3)  # padded 2 x 3 px, jittered 2 px and 1 px
    steps = F.interpolate(steps, size=shape, mode="bilinear", align_corners=False, antialias=True)
    once = T.frame(h, **options)(smooth, torch.Generator().manual_seed(4))
    other = T.frame(h, **options)(smooth, torch.Generator().manual_seed(5))
    assert once.shape == smooth.shape
    diff = (once - steps).abs().flatten()
    # the same views up to interpolation (which differs most on the image's edge against the fill)
    assert float(diff.mean()) < 0.01 and float(diff.quantile(0.95)) < 0.03
    assert float((other - steps).abs().mean()) > 0.1  # other random numbers: other views
    assert not torch.allclose(once[0], once[1])


def test_frame_blurs_its_views_as_much_as_the_chain():
    noise = torch.rand(1, 3, 96, 96, generator=torch.Generator().manual_seed(2)).repeat(16, 1, 1, 1)
    options = {"fill": 0.5, "crop": (0.65, 1.0), "scale": (0.5, 1.2), "rotate": 30.0}

    def detail(views: torch.Tensor) -> float:  # energy of neighbouring-pixel differences at the views' size
        views = F.interpolate(views, size=(96, 96), mode="bilinear", align_corners=False, antialias=True)
        return float((views[..., 1:] - views[..., :-1]).pow(2).mean())

    steps = detail(T.chain(96, **options)(noise, torch.Generator().manual_seed(1)))
    blurred = detail(T.frame(96, **options)(noise, torch.Generator().manual_seed(1)))
    sharp = detail(T.frame(96, **options, blur=0.0)(noise, torch.Generator().manual_seed(1)))
    assert 0.6 * steps < blurred < 1.6 * steps and sharp > 4 * steps


def test_gaussian_blur_per_image():
    x = torch.zeros(2, 1, 9, 9)
    x[:, :, 4, 4] = 1
    y = T.gaussian_blur(x, torch.tensor([0.0, 1.0]))
    assert torch.allclose(y[0], x[0], atol=1e-6)  # sigma 0: unchanged
    assert torch.allclose(y[1].sum(), torch.tensor(1.0)) and abs(float(y[1, 0, 4, 4]) - 0.159) < 0.01


def test_low_pass_blurs_only_the_first_views_and_is_seeded():
    image = torch.rand(1, 3, 64, 64).repeat(4, 1, 1, 1)  # the same noise in four views
    t = T.low_pass(2, [0.25, 0.5])
    a = t(image, torch.Generator().manual_seed(1))
    assert a.shape == image.shape and torch.equal(a, t(image, torch.Generator().manual_seed(1)))

    def detail(views: torch.Tensor) -> torch.Tensor:  # energy of neighbouring-pixel differences, per view
        return (views[..., 1:] - views[..., :-1]).pow(2).mean(dim=(1, 2, 3))

    d = detail(a)
    assert torch.equal(a[2:], image[2:])  # the rest stay sharp
    assert (d[:2] < 0.5 * d[2:].min()).all()  # the blurred views lost most of their fine detail
    assert torch.allclose(a[:2].mean(dim=(2, 3)), image[:2].mean(dim=(2, 3)), atol=0.02)  # colours kept
    assert torch.equal(T.low_pass(0, [0.25])(image, torch.Generator()), image)


def test_cutout_hides_one_square_per_view_inside_it():
    images = torch.rand(6, 3, 50, 40) * 0.4 + 0.6  # never the fill
    hidden = T.cutout(0.4)(images, torch.Generator().manual_seed(3))
    for view in hidden:
        grey = (view == 0.5).all(dim=0)
        rows, cols = grey.any(dim=1).nonzero().flatten(), grey.any(dim=0).nonzero().flatten()
        assert int(grey.sum()) == 20 * 20 and len(rows) == len(cols) == 20  # one 20-px square (0.4 of 50)
        assert int(rows[-1] - rows[0]) == int(cols[-1] - cols[0]) == 19 and int(cols[-1]) < 40
    assert not torch.equal(hidden[0] == 0.5, hidden[1] == 0.5)  # each view its own place
    again = T.cutout(0.4)(images, torch.Generator().manual_seed(3))
    assert torch.equal(again, hidden) and not (images == 0.5).any()  # the input is left as it was
    assert torch.equal(T.cutout(0.0)(images, torch.Generator()), images)
    with pytest.raises(ValueError):
        T.cutout(1.0)
