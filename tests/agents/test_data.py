"""Datasets: offline digits, image folders, torchvision failures offline."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from brushcli.agents.data import DatasetError, convert_channels, load_dataset, split
from brushcli.files import write_png


def test_digits_are_dark_ink_on_white(digits):
    assert digits.images.shape == (1797, 1, 64, 64) and digits.images.dtype == torch.uint8
    assert digits.labels is not None and set(digits.labels.tolist()) == set(range(10))
    assert (digits.images[:, :, :4, :] == 255).all()  # white margin
    assert digits.images.float().mean() > 180 and digits.images.min() < 30


def test_split_is_fixed_and_disjoint(digits):
    train, held = split(digits, 100, seed=0)
    again, held2 = split(digits, 100, seed=0)
    assert len(train) == 1697 and len(held) == 100
    assert torch.equal(held.images, held2.images)
    assert not any(torch.equal(held.images[0], img) for img in train.images[:200])


def test_image_folder(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(3):
        write_png(tmp_path / f"img{i}.png", rng.uniform(0, 1, (40 + i * 10, 30, 3)))
    (tmp_path / "notes.txt").write_text("not an image")
    data = load_dataset(str(tmp_path))
    assert data.images.shape == (3, 3, 64, 64)
    gray = load_dataset(str(tmp_path), channels=1)
    assert gray.images.shape == (3, 1, 64, 64)
    with pytest.raises(DatasetError, match="no images"):
        load_dataset(str(tmp_path / "empty" if (tmp_path / "empty").mkdir() is None else ""))
    with pytest.raises(DatasetError, match="not a folder"):
        load_dataset(str(tmp_path / "missing"))


def test_torchvision_download_failure_is_one_clear_line(monkeypatch, tmp_path):
    import urllib.error

    import torchvision

    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torchvision.datasets, "MNIST", offline)
    with pytest.raises(DatasetError, match="cannot download mnist.*--data digits") as info:
        load_dataset("mnist")
    assert "\n" not in str(info.value)


def test_convert_channels():
    rgb = torch.full((2, 3, 4, 4), 200, dtype=torch.uint8)
    assert torch.equal(convert_channels(rgb, 1), torch.full((2, 1, 4, 4), 200, dtype=torch.uint8))
    assert convert_channels(rgb[:, :1], 3).shape == (2, 3, 4, 4)
