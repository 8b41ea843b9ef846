import torch

from brushcli.canvas.composite import apply_over, composite_sequential, over_stack


def test_over_stack_equals_painting_one_by_one():
    g = torch.Generator().manual_seed(0)
    alphas = torch.rand(2, 7, 16, 16, generator=g)
    alphas[:, 3] = 1.0  # a fully opaque stroke hides everything before it
    colors = torch.rand(2, 7, 3, generator=g)
    canvas = torch.rand(2, 3, 16, 16, generator=g)
    premult, keep = over_stack(alphas, colors)
    expected = composite_sequential(canvas, alphas, colors)
    torch.testing.assert_close(apply_over(canvas, premult, keep), expected, atol=1e-5, rtol=1e-4)


def test_gradients_flow_to_alpha_and_color():
    alphas = torch.rand(1, 4, 8, 8, requires_grad=True)
    colors = torch.rand(1, 4, 3, requires_grad=True)
    premult, keep = over_stack(alphas, colors)
    apply_over(torch.ones(1, 3, 8, 8), premult, keep).sum().backward()
    assert alphas.grad.abs().sum() > 0 and colors.grad.abs().sum() > 0
