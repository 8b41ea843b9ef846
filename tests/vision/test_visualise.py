"""Feature visualisation in pixel space (the prototype of ``brush dream --start prototype``).

A tiny random-init classifier stands in for the offline nets (fast, offline): the optimisation must
raise the class it is asked for, be seeded, and give smoother images with a steeper spectrum.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from _brushtest import register_tiny_classifier
from brushcli.errors import InvalidArgument
from brushcli.objectives import class_objective
from brushcli.vision.nets import NetEnsemble
from brushcli.vision.visualise import BLURRED, class_image, spectrum_scale, views

register_tiny_classifier("tiny-vis", input_size=48, width=8)

@pytest.fixture(scope="module")
def nets() -> NetEnsemble:
    return NetEnsemble.create(["tiny-vis"], pretrained=False)

def _logprob(image: np.ndarray, nets: NetEnsemble, index: int) -> float:
    batch = torch.from_numpy(image).permute(2, 0, 1)[None]
    return float(torch.log_softmax(nets["tiny-vis"](batch), -1)[0, index])

# the tiny net's class signal is a few tenths of a log-probability, so its opacity price is scaled down
@pytest.mark.parametrize("opacity", [0.0, 0.1])
def test_the_class_image_raises_its_class(nets, opacity):
    objective = class_objective(nets.names, 388)
    start = class_image(objective, nets, size=48, steps=1, seed=0, lr=1e-6, opacity=0.0)
    end = class_image(objective, nets, size=48, steps=40, seed=0, opacity=opacity)
    assert end.shape == (48, 48, 3) and end.dtype == np.float32 and 0 <= end.min() and end.max() <= 1
    assert _logprob(end, nets, 388) > _logprob(start, nets, 388) + 0.3
    other = class_image(class_objective(nets.names, 1), nets, size=48, steps=40, seed=0, opacity=opacity)
    assert _logprob(end, nets, 388) > _logprob(other, nets, 388)  # it is the class asked for that rises

def test_the_class_image_is_seeded(nets):
    objective = class_objective(nets.names, 7)
    a, b = (class_image(objective, nets, size=32, steps=3, seed=5, opacity=0.1) for _ in range(2))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, class_image(objective, nets, size=32, steps=3, seed=6, opacity=0.1))

def test_a_steeper_spectrum_gives_a_smoother_image(nets):
    def roughness(decay: float) -> float:
        image = class_image(class_objective(nets.names, 7), nets, size=48, steps=20, decay=decay, seed=0,
                            opacity=0.0)
        return float(np.abs(np.diff(image, axis=0)).mean() + np.abs(np.diff(image, axis=1)).mean())

    assert roughness(2.0) < roughness(0.5)
    scale = spectrum_scale(16, 1.0)
    assert scale.shape == (16, 9) and float(scale[0, 0]) == pytest.approx(16.0)
    assert float(scale[8, 8]) < float(scale[0, 1]) < float(scale[0, 0]) + 1e-6

def test_priced_opacity_leaves_the_edges_to_the_background(nets):
    objective = class_objective(nets.names, 7)
    paper = (0.2, 0.4, 0.6)
    image = class_image(objective, nets, size=48, steps=40, seed=0, opacity=0.1, background=paper)
    away = np.abs(image - np.array(paper, dtype=np.float32)).sum(-1)  # how far from the canvas colour
    edges = np.concatenate([away[:6].ravel(), away[-6:].ravel(), away[:, :6].ravel(), away[:, -6:].ravel()])
    # opacity is dearer at the edges: the object sits in the middle
    assert edges.mean() < away[16:32, 16:32].mean()
    costly = class_image(objective, nets, size=48, steps=40, seed=0, opacity=3.0, background=paper)
    assert np.abs(costly - np.array(paper, dtype=np.float32)).sum(-1).mean() < 0.5 * away.mean()
    plain = class_image(objective, nets, size=48, steps=40, seed=0, opacity=0.0, background=paper)
    # no opacity: the canvas colour shows nowhere
    assert np.abs(plain - np.array(paper, dtype=np.float32)).sum(-1).mean() > away.mean()


@pytest.mark.parametrize("options", [{"size": 8}, {"steps": 0}, {"decay": -1.0}, {"opacity": -1.0},
                                     {"background": (1.0, 2.0, 1.0)}, {"background": (1.0, 1.0)},
                                     {"cutout": 1.0}, {"cutout": -0.1}])
def test_bad_settings_are_refused(nets, options):
    with pytest.raises(InvalidArgument):
        class_image(class_objective(nets.names, 7), nets, **options)


def test_the_default_views_blur_some_and_keep_others_sharp():
    image = torch.rand(1, 3, 96, 96)
    seen = views(96, scale=(1.0, 1.0), rotate=0.0, crop=(1.0, 1.0))(image, torch.Generator().manual_seed(0))
    detail = (seen[..., 1:] - seen[..., :-1]).pow(2).mean(dim=(1, 2, 3))
    assert 0 < BLURRED < len(seen)
    assert detail[:BLURRED].max() < 0.25 * detail[BLURRED:].min()
    sharp = views(96, scale=(1.0, 1.0), rotate=0.0, crop=(1.0, 1.0), blurred=0)(image, torch.Generator().manual_seed(0))
    crisp = (sharp[..., 1:] - sharp[..., :-1]).pow(2).mean(dim=(1, 2, 3))
    assert crisp.min() > 0.25 * crisp.max()  # without blurring every view keeps its detail


def test_the_nets_see_each_view_with_a_grey_square_hidden(nets, monkeypatch):
    """Every view the nets are shown, in the opaque start and after, has a 0.4-side square at 0.5."""
    import torch.nn.functional as F

    import brushcli.vision.visualise as visualise

    seen: list[torch.Tensor] = []
    real = visualise.observe

    def spy(objective, images, nets):
        seen.append(images.detach().clone())
        return real(objective, images, nets=nets)

    monkeypatch.setattr(visualise, "observe", spy)
    class_image(class_objective(nets.names, 7), nets, size=48, steps=8, seed=0, opacity=0.1, cutout=0.4)
    assert len(seen) == 8 and all(len(batch) == 4 for batch in seen)
    side = int(0.4 * 48)
    for batch in seen:
        grey = (batch == 0.5).all(dim=1, keepdim=True).float()
        squares = F.conv2d(grey, torch.ones(1, 1, side, side))  # grey pixels in every side x side window
        assert bool((squares.flatten(1).max(dim=1).values == side * side).all())
