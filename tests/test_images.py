"""Every image mode a user may have loads to the right float RGB, within bounded memory."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import Image

from brushcli.errors import ImageError
from brushcli.images import load_image

#: A horizontal ramp 0..1, 64 x 32.
RAMP = np.linspace(0.0, 1.0, 64, dtype=np.float32)[None, :].repeat(32, axis=0)


def _gray8() -> Image.Image:
    return Image.fromarray((RAMP * 255).round().astype(np.uint8))


def _rgba(alpha: np.ndarray) -> Image.Image:
    pixels = np.zeros((32, 64, 4), np.uint8)
    pixels[..., 3] = (alpha * 255).round().astype(np.uint8)
    return Image.fromarray(pixels)


def _palette_with_transparency() -> Image.Image:
    img = _gray8().convert("P")
    img.info["transparency"] = img.getpixel((63, 0))  # the white end is transparent: still white
    return img


# (file name, image factory, expected gray ramp after loading)
CASES = [
    ("gray16.png", lambda: Image.fromarray((RAMP * 65535).round().astype(np.uint16)), RAMP),
    ("gray16.tif", lambda: Image.fromarray((RAMP * 65535).round().astype(np.uint16)), RAMP),
    ("float.tif", lambda: Image.fromarray(RAMP, mode="F"), RAMP),
    ("float255.tif", lambda: Image.fromarray(RAMP * 255, mode="F"), RAMP),
    ("int32.tif", lambda: Image.fromarray((RAMP * 65535).round().astype(np.int32), mode="I"), RAMP),
    ("cmyk.jpg", lambda: _gray8().convert("CMYK"), RAMP),
    ("cmyk.tif", lambda: _gray8().convert("CMYK"), RAMP),
    ("palette.png", lambda: _gray8().convert("P"), RAMP),
    ("palette-transparent.png", _palette_with_transparency, RAMP),
    ("gray.png", _gray8, RAMP),
    ("gray-alpha.png", lambda: _rgba(RAMP).convert("LA"), 1.0 - RAMP),  # black, more opaque to the right
    ("rgba.png", lambda: _rgba(RAMP), 1.0 - RAMP),
    ("rgb.jpg", lambda: _gray8().convert("RGB"), RAMP),
    ("rgb.webp", lambda: _gray8().convert("RGB"), RAMP),
]


@pytest.mark.parametrize("name, make, expected", CASES, ids=[c[0] for c in CASES])
def test_every_mode_loads_to_float_rgb(tmp_path, name, make, expected):
    path = tmp_path / name
    save = {"quality": 100} if name.endswith((".jpg", ".webp")) else {}
    make().save(path, **save)
    rgb = load_image(path)
    assert rgb.dtype == np.float32 and rgb.shape == (32, 64, 3)
    tolerance = 0.03 if name.endswith((".jpg", ".webp")) else 0.003
    np.testing.assert_allclose(rgb, np.repeat(np.asarray(expected)[..., None], 3, axis=2), atol=tolerance)


def test_one_bit_images_are_black_and_white(tmp_path):
    bits = np.zeros((32, 64), bool)
    bits[:, 32:] = True
    Image.fromarray(bits).save(tmp_path / "bits.png")
    rgb = load_image(tmp_path / "bits.png")
    assert rgb[:, :32].max() == 0.0 and rgb[:, 32:].min() == 1.0


def test_color_is_kept(tmp_path):
    Image.new("RGB", (8, 4), (255, 128, 0)).save(tmp_path / "orange.png")
    np.testing.assert_allclose(load_image(tmp_path / "orange.png")[0, 0], [1.0, 128 / 255, 0.0], atol=1e-6)


def test_exif_rotation_is_applied(tmp_path):
    img = Image.new("RGB", (40, 20), "white")
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    img.save(tmp_path / "rotated.jpg", exif=exif)
    assert load_image(tmp_path / "rotated.jpg").shape == (40, 20, 3)


@pytest.mark.parametrize("name", ["big.png", "big.jpg", "big16.png", "bigf.tif"])
def test_large_images_are_reduced_before_they_become_floats(tmp_path, name):
    side = np.linspace(0, 1, 1000, dtype=np.float32)
    ramp = np.add.outer(side, side) / 2
    if name == "big16.png":
        img = Image.fromarray((ramp * 65535).astype(np.uint16))
    elif name == "bigf.tif":
        img = Image.fromarray(ramp, mode="F")
    else:
        img = Image.fromarray((ramp * 255).astype(np.uint8)).convert("RGB")
    img.save(tmp_path / name)
    small = load_image(tmp_path / name, max_side=100)
    assert 100 <= max(small.shape[:2]) < 200
    assert abs(float(small.mean()) - 0.5) < 0.02 and small.min() >= 0 and small.max() <= 1


def test_memory_follows_the_output_not_the_input(tmp_path):
    """A 120 KB PNG of 100 MP took 5.4 GB for a 64-px paint; reduced while 8-bit it stays small."""
    path = tmp_path / "flat.png"
    Image.new("L", (10000, 9990), 128).save(path)
    # VmHWM, not ru_maxrss: the latter keeps the parent's peak across fork and exec
    code = ("import re, sys; from brushcli.images import load_image; "
            "x = load_image(sys.argv[1], max_side=64); assert x.shape == (65, 65, 3), x.shape; "
            "print(int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) // 1024)")
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) < 800, f"peak {result.stdout.strip()} MB"
    assert result.stderr == ""  # no DecompressionBombWarning


def test_no_pillow_warnings_reach_the_user(tmp_path):
    _palette_with_transparency().save(tmp_path / "p.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_image(tmp_path / "p.png")


@pytest.mark.parametrize("content, message", [
    (b"", "not an image"),
    (b"not an image at all", "not an image"),
    (None, "cannot read image"),  # truncated PNG
])
def test_broken_files_are_one_image_error(tmp_path, content, message):
    path = tmp_path / "broken.png"
    if content is None:
        Image.fromarray((RAMP * 255).astype(np.uint8)).save(path)
        content = path.read_bytes()[:-40]
    path.write_bytes(content)
    with pytest.raises(ImageError, match=message):
        load_image(path)


def test_nan_in_a_float_image_is_refused(tmp_path):
    ramp = RAMP.copy()
    ramp[3, 3] = np.nan
    Image.fromarray(ramp, mode="F").save(tmp_path / "nan.tif")
    with pytest.raises(ImageError, match="NaN or infinite"):
        load_image(tmp_path / "nan.tif")


def test_a_header_claiming_30000_squared_is_refused_before_decoding(tmp_path):
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")
    (tmp_path / "bomb.png").write_bytes(png)
    with pytest.raises(ImageError, match="100 MP limit"):
        load_image(tmp_path / "bomb.png")
