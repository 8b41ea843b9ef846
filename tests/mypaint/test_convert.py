import numpy as np

from brushcli.mypaint.convert import PLACE_DTIME, Sampling, bezier_points, rgb_to_hsv, stroke_events


def test_bezier_passes_through_end_points_and_bends_towards_control():
    pts = bezier_points(np.array([0.0, 0.0]), np.array([0.5, 1.0]), np.array([1.0, 0.0]), 10)
    assert pts.shape == (11, 2)
    np.testing.assert_allclose(pts[0], [0, 0])
    np.testing.assert_allclose(pts[-1], [1, 0])
    np.testing.assert_allclose(pts[5], [0.5, 0.5])  # B(1/2) = (P0 + 2 P1 + P2) / 4


def test_events_scale_with_canvas_and_place_brush_first():
    params = np.array([[0.1, 0.2, 0.5, 0.5, 0.9, 0.8, 0.3, 0.7, 0.05]])
    r64, ev64 = stroke_events(params, 64, 64, Sampling(steps=8, dtime=0.1))
    r512, ev512 = stroke_events(params, 512, 256, Sampling(steps=8, dtime=0.1))
    assert ev64.shape == (1, 10, 4)
    # first event only places the brush (pressure 0, long dtime that resets slow tracking)
    assert ev64[0, 0, 2] == 0 and ev64[0, 0, 3] == PLACE_DTIME
    np.testing.assert_allclose(ev64[0, 1, :3], [0.1 * 64, 0.2 * 64, 0.3])
    np.testing.assert_allclose(ev64[0, -1, :3], [0.9 * 64, 0.8 * 64, 0.7])
    np.testing.assert_allclose(ev512[0, -1, :2], [0.9 * 512, 0.8 * 256])
    # radius is relative to the long side
    assert r64[0] == 0.05 * 64 and r512[0] == 0.05 * 512


def test_events_vectorised_matches_single():
    rng = np.random.default_rng(1)
    params = rng.uniform(0, 1, (5, 12))
    _, many = stroke_events(params, 100, 80, Sampling())
    for i in range(5):
        _, one = stroke_events(params[i], 100, 80, Sampling())
        np.testing.assert_allclose(one[0], many[i])


def test_rgb_to_hsv_clamps():
    assert rgb_to_hsv((2.0, -1.0, 0.0)) == (0.0, 1.0, 1.0)
