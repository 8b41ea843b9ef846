"""brush paint on a folder of 100 image files: 90 in every format a user may have, 10 broken ones.

    python benchmarks/batch_formats.py [--dir DIR] [--size 64] [--strokes 4] [--steps 8] [--write-docs]

Builds the folder deterministically from the real photos of benchmarks/photos.py: 90 valid images
(PNG, JPEG, TIFF, WebP, BMP, GIF, ICO, PGM, TGA, JPEG 2000, AVIF in many modes: 16-bit gray and
RGB, float, CMYK, palette, 1-bit, alpha, EXIF-rotated, 1x1 up to 4000x3000, 1x4000 and 4000x1,
named oddly or not named like an image at all), 10 broken image files (truncated, empty, text or
random bytes under an image name, headers claiming 30000x30000) and 3 files that are not images
(notes.txt, README.md, a .json), which a folder walk ignores. Every valid file comes with the
image a viewer shows for it, computed here with numpy from what was written (16-bit gray divided
by 65535, alpha over white, the EXIF rotation undone), not with brush's reader.

Then runs the real CLI: ``brush paint DIR -o OUT`` (exit 1, one row per input: 90 painted, 10
failed with their reasons), again (the 90 skipped), and the same with ``--jobs 2`` (same rows, same
bytes). A painted image is correct when its mypaint.png has the viewer image's aspect and its mean
colour is within ``--tolerance`` of the viewer image's: a 16-bit gray painted white or a float
TIFF painted black fails. Prints a markdown report; ``--write-docs`` puts it in
docs/reliability.md (its own section, kept when the bad-input table is regenerated).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import re
import struct
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms

sys.path.insert(0, str(Path(__file__).resolve().parent))
from photos import NAMES, load  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reliability.md"
BEGIN = "<!-- batch_formats.py: begin -->"
END = "<!-- batch_formats.py: end -->"
#: The bad-input table (tests/badinput/conftest.py) keeps everything from this line on.
KEEP = "<!-- sections below are written by other scripts and kept when the table above is regenerated -->"
VALID = 90
#: Long side of the photos most variants are written at (small: the batch stays fast).
SIDE = 96

#: A variant writes one photo (uint8 RGB) to a path and returns what a viewer shows (float RGB 0..1).
Maker = Callable[[np.ndarray, Path], np.ndarray]


@dataclass(frozen=True)
class Variant:
    label: str
    filename: str  # "{photo}" is replaced by the photo's name
    make: Maker


@dataclass(frozen=True)
class Broken:
    filename: str
    reason: str  # words the failed row must hold
    data: Callable[[], bytes]


# -- viewer images, computed here ------------------------------------------------------------------


def _f(pixels: np.ndarray) -> np.ndarray:
    pixels = np.asarray(pixels, dtype=np.float64) / 255.0
    return np.repeat(pixels[..., None], 3, axis=2) if pixels.ndim == 2 else pixels[..., :3]


def _over_white(rgba: np.ndarray) -> np.ndarray:
    rgba = np.asarray(rgba, dtype=np.float64) / 255.0
    color = rgba[..., :3] if rgba.shape[-1] == 4 else np.repeat(rgba[..., :1], 3, axis=2)
    return color * rgba[..., -1:] + (1.0 - rgba[..., -1:])


def _gray(rgb: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma, as Pillow's L conversion, in 0..1."""
    return (rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114) / 255.0


def _ramp(rgb: np.ndarray) -> np.ndarray:
    """An alpha channel rising left to right from 60 to 255."""
    h, w = rgb.shape[:2]
    return np.broadcast_to(np.linspace(60, 255, w).round().astype(np.uint8), (h, w))


def _non_square(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    return rgb[: max(1, h * 3 // 4)] if h >= w else rgb


# -- writers ---------------------------------------------------------------------------------------


def _save(mode_of: Callable[[np.ndarray], Image.Image], **options) -> Maker:
    """A variant that saves ``mode_of(rgb)`` with ``options`` and is shown as Pillow shows its pixels."""
    def make(rgb: np.ndarray, path: Path) -> np.ndarray:
        img = mode_of(rgb)
        img.save(path, **options)
        return _shown(img)
    return make


def _shown(img: Image.Image) -> np.ndarray:
    """What a viewer shows for the pixels of ``img`` (before any lossy encoding)."""
    if img.mode == "I;16":
        gray = np.asarray(img, dtype=np.float64) / 65535.0
        return np.repeat(gray[..., None], 3, axis=2)
    if img.mode == "F":
        gray = np.asarray(img, dtype=np.float64)
        gray = gray / 255.0 if gray.max() > 1.0 else gray
        return np.repeat(gray[..., None], 3, axis=2)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        return _over_white(np.asarray(img.convert("RGBA")))
    return _f(np.asarray(img.convert("RGB")))


def _rgb(rgb: np.ndarray) -> Image.Image:
    return Image.fromarray(rgb)


def _rgba(rgb: np.ndarray) -> Image.Image:
    return Image.fromarray(np.dstack([rgb, _ramp(rgb)]))


def _la(rgb: np.ndarray) -> Image.Image:
    gray = np.round(_gray(rgb) * 255).astype(np.uint8)
    return Image.merge("LA", [Image.fromarray(gray), Image.fromarray(np.ascontiguousarray(_ramp(rgb)))])


def _gray8(rgb: np.ndarray) -> Image.Image:
    return Image.fromarray(np.round(_gray(rgb) * 255).astype(np.uint8))


def _gray16(rgb: np.ndarray) -> Image.Image:
    return Image.fromarray(np.round(_gray(rgb) * 65535).astype(np.uint16))


def _float01(rgb: np.ndarray) -> Image.Image:
    return Image.fromarray(_gray(rgb).astype(np.float32), mode="F")


def _float255(rgb: np.ndarray) -> Image.Image:
    return Image.fromarray((_gray(rgb) * 255).astype(np.float32), mode="F")


def _palette(rgb: np.ndarray) -> Image.Image:
    return Image.fromarray(rgb).quantize(64, method=Image.Quantize.MEDIANCUT)


def _one_bit(rgb: np.ndarray) -> Image.Image:
    return Image.fromarray(rgb).convert("1")


def _cmyk(rgb: np.ndarray) -> Image.Image:
    return Image.fromarray(rgb).convert("CMYK")


def _palette_transparent(rgb: np.ndarray, path: Path) -> np.ndarray:
    img = _palette(rgb)
    index = int(np.asarray(img)[0, 0])  # the colour of the top-left pixel is transparent
    img.save(path, transparency=index)
    shown = _f(np.asarray(img.convert("RGB")))
    shown[np.asarray(img) == index] = 1.0
    return shown


def _png16_rgb(rgb: np.ndarray, path: Path) -> np.ndarray:
    """A 16-bit RGB PNG, written by hand (Pillow writes 16 bits for gray only)."""
    h, w = rgb.shape[:2]
    low = np.arange(h * w * 3).reshape(h, w, 3) % 200  # low bytes that matter: not 8-bit samples doubled
    wide = np.clip(rgb.astype(np.int64) * 257 - low, 0, 65535).astype(np.uint16)
    raw = b"".join(b"\0" + wide[y].astype(">u2").tobytes() for y in range(h))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return wide / 65535.0


def _exif_rotated(orientation: int) -> Maker:
    """A JPEG whose pixels are stored turned, with the EXIF orientation that turns them back."""
    stored_as = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}

    def make(rgb: np.ndarray, path: Path) -> np.ndarray:
        shown = _non_square(rgb)
        exif = Image.Exif()
        exif[0x0112] = orientation
        Image.fromarray(shown).transpose(stored_as[orientation]).save(path, quality=92, exif=exif)
        return _f(shown)
    return make


def _icc(rgb: np.ndarray, path: Path) -> np.ndarray:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(rgb).save(path, quality=92, icc_profile=profile)
    return _f(rgb)


def _large(size: tuple[int, int], **options) -> Maker:
    def make(rgb: np.ndarray, path: Path) -> np.ndarray:
        img = Image.fromarray(rgb).resize(size, Image.Resampling.BICUBIC)
        img.save(path, **options)
        return _f(np.asarray(img))
    return make


def _line(size: tuple[int, int]) -> Maker:
    """A photo squeezed to ``size`` (1x4000, 4000x1, 1x1, 2x2)."""
    def make(rgb: np.ndarray, path: Path) -> np.ndarray:
        img = Image.fromarray(rgb).resize(size, Image.Resampling.BOX)
        img.save(path)
        return _f(np.asarray(img))
    return make


def _tiff_rgb16(rgb: np.ndarray, path: Path) -> np.ndarray:
    """A 16-bit RGB TIFF (scanners, raw converters), written by hand: one strip, no compression."""
    h, w = rgb.shape[:2]
    wide = rgb.astype(np.uint16) * 257
    pixels = wide.astype("<u2").tobytes()
    entries = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 3, None), (259, 3, 1, 1), (262, 3, 1, 2),
               (273, 4, 1, None), (277, 3, 1, 3), (278, 4, 1, h), (279, 4, 1, len(pixels)), (284, 3, 1, 1)]
    ifd_at = 8
    ifd_size = 2 + 12 * len(entries) + 4
    bits_at = ifd_at + ifd_size
    data_at = bits_at + 6
    out = bytearray(b"II*\0" + struct.pack("<I", ifd_at) + struct.pack("<H", len(entries)))
    for tag, kind, count, value in entries:
        if tag == 258:
            value = bits_at
        elif tag == 273:
            value = data_at
        packed = struct.pack("<HHI", tag, kind, count) + (
            struct.pack("<HH", value, 0) if kind == 3 and count == 1 else struct.pack("<I", value))
        out += packed
    out += struct.pack("<I", 0) + struct.pack("<HHH", 16, 16, 16) + pixels
    path.write_bytes(bytes(out))
    return wide / 65535.0


def _multipage(rgb: np.ndarray, path: Path) -> np.ndarray:
    first = Image.fromarray(rgb)
    first.save(path, save_all=True, append_images=[Image.fromarray(255 - rgb)])
    return _f(rgb)


def _animated(rgb: np.ndarray, path: Path) -> np.ndarray:
    frames = [Image.fromarray(rgb).quantize(128), Image.fromarray(255 - rgb).quantize(128)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return _f(np.asarray(frames[0].convert("RGB")))


def _ico(rgb: np.ndarray, path: Path) -> np.ndarray:
    side = min(rgb.shape[:2])
    square = Image.fromarray(rgb[:side, :side]).resize((64, 64), Image.Resampling.BOX)
    square.save(path, sizes=[(64, 64)])
    return _f(np.asarray(square))


VARIANTS = [
    Variant("PNG RGB", "png-rgb-{photo}.png", _save(_rgb)),
    Variant("PNG RGBA (alpha ramp)", "png-rgba-{photo}.png", _save(_rgba)),
    Variant("PNG LA (gray + alpha)", "png-la-{photo}.png", _save(_la)),
    Variant("PNG L (8-bit gray)", "png-gray8-{photo}.png", _save(_gray8)),
    Variant("PNG I;16 (16-bit gray)", "png-gray16-{photo}.png", _save(_gray16)),
    Variant("PNG 16-bit RGB", "png-rgb16-{photo}.png", _png16_rgb),
    Variant("PNG P (64-colour palette)", "png-palette-{photo}.png", _save(_palette)),
    Variant("PNG P with a transparent index", "png-palette-trns-{photo}.png", _palette_transparent),
    Variant("PNG 1-bit", "png-1bit-{photo}.png", _save(_one_bit)),
    Variant("PNG 3000x2000", "png-large-{photo}.png", _large((3000, 2000), compress_level=1)),
    Variant("JPEG RGB", "jpeg-rgb-{photo}.jpg", _save(_rgb, quality=92)),
    Variant("JPEG progressive", "jpeg-progressive-{photo}.jpg", _save(_rgb, quality=92, progressive=True)),
    Variant("JPEG grayscale", "jpeg-gray-{photo}.jpg", _save(_gray8, quality=92)),
    Variant("JPEG CMYK", "jpeg-cmyk-{photo}.jpg", _save(_cmyk, quality=92)),
    Variant("JPEG quality 15", "jpeg-q15-{photo}.jpg", _save(_rgb, quality=15)),
    Variant("JPEG with an sRGB ICC profile", "jpeg-icc-{photo}.jpg", _icc),
    Variant("JPEG EXIF orientation 3 (180°)", "jpeg-exif3-{photo}.jpg", _exif_rotated(3)),
    Variant("JPEG EXIF orientation 6 (90° CW)", "jpeg-exif6-{photo}.jpg", _exif_rotated(6)),
    Variant("JPEG EXIF orientation 8 (90° CCW)", "jpeg-exif8-{photo}.jpg", _exif_rotated(8)),
    Variant("JPEG 4000x3000 (camera size)", "jpeg-large-{photo}.jpg", _large((4000, 3000), quality=90)),
    Variant("TIFF RGB", "tiff-rgb-{photo}.tif", _save(_rgb)),
    Variant("TIFF RGB, LZW", "tiff-lzw-{photo}.tiff", _save(_rgb, compression="tiff_lzw")),
    Variant("TIFF RGBA, deflate", "tiff-rgba-{photo}.tif", _save(_rgba, compression="tiff_adobe_deflate")),
    Variant("TIFF F (float32 gray, 0..1)", "tiff-float01-{photo}.tif", _save(_float01)),
    Variant("TIFF F (float32 gray, 0..255)", "tiff-float255-{photo}.tif", _save(_float255)),
    Variant("TIFF I;16 (16-bit gray)", "tiff-gray16-{photo}.tif", _save(_gray16)),
    Variant("TIFF 16-bit RGB", "tiff-rgb16-{photo}.tif", _tiff_rgb16),
    Variant("TIFF CMYK", "tiff-cmyk-{photo}.tif", _save(_cmyk)),
    Variant("TIFF 1-bit, Group 4", "tiff-g4-{photo}.tif", _save(_one_bit, compression="group4")),
    Variant("TIFF two pages (the first is painted)", "tiff-pages-{photo}.tif", _multipage),
    Variant("WebP lossy", "webp-lossy-{photo}.webp", _save(_rgb, quality=80)),
    Variant("WebP lossless", "webp-lossless-{photo}.webp", _save(_rgb, lossless=True)),
    Variant("WebP with alpha", "webp-alpha-{photo}.webp", _save(_rgba, lossless=True)),
    Variant("BMP RGB", "bmp-rgb-{photo}.bmp", _save(_rgb)),
    Variant("BMP 8-bit palette", "bmp-palette-{photo}.bmp", _save(_palette)),
    Variant("GIF", "gif-{photo}.gif", _save(_palette)),
    Variant("GIF with transparency", "gif-trns-{photo}.gif", _palette_transparent),
    Variant("GIF animated (the first frame)", "gif-animated-{photo}.gif", _animated),
    Variant("ICO 64x64", "ico-{photo}.ico", _ico),
    Variant("PGM 16-bit", "pgm16-{photo}.pgm", _save(_gray16)),
    Variant("TGA", "tga-{photo}.tga", _save(_rgb)),
    Variant("JPEG 2000", "jp2-{photo}.jp2", _save(_rgb)),
    Variant("AVIF", "avif-{photo}.avif", _save(_rgb, quality=80)),
    Variant("PNG named .jpg", "png-named-jpg-{photo}.jpg", _save(_rgb, format="PNG")),
    Variant("PNG with no suffix (found by content)", "png-no-suffix-{photo}", _save(_rgb, format="PNG")),
    Variant("PNG, upper-case .PNG, a space and accents", "Café photo {photo}.PNG", _save(_rgb)),
    Variant("PNG in a subfolder", "nested/deeper/png-nested-{photo}.png", _save(_rgb)),
    Variant("PNG 1x4000", "png-1x4000-{photo}.png", _line((1, 4000))),
    Variant("PNG 4000x1", "png-4000x1-{photo}.png", _line((4000, 1))),
    Variant("PNG 1x1", "png-1x1-{photo}.png", _line((1, 1))),
    Variant("PNG 2x2", "png-2x2-{photo}.png", _line((2, 2))),
]


def _png_bytes(rgb: np.ndarray, **options) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, **options)
    return buf.getvalue()


def _bomb_png() -> bytes:
    """A valid PNG header claiming 30000x30000 pixels (900 MP, 3.6 GB as RGBA), with no real pixel data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b""))


def _bomb_jpeg(rgb: np.ndarray) -> bytes:
    """A real small JPEG whose frame header is patched to claim 30000x30000 pixels."""
    data = bytearray(_png_bytes(rgb, format="JPEG", quality=80))
    at = data.find(b"\xff\xc0")
    data[at + 5: at + 9] = struct.pack(">HH", 30000, 30000)
    return bytes(data)


def broken_files(rgb: np.ndarray) -> list[Broken]:
    png, jpeg = _png_bytes(rgb, format="PNG"), _png_bytes(rgb, format="JPEG", quality=90)
    webp = _png_bytes(rgb, format="WEBP", quality=80)
    tiff = _png_bytes(rgb, format="TIFF")
    random = np.random.default_rng(15).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    return [
        Broken("broken-truncated.png", "truncated", lambda: png[: len(png) // 2]),
        Broken("broken-truncated.jpg", "truncated", lambda: jpeg[: len(jpeg) // 2]),
        Broken("broken-truncated.webp", "cannot read image", lambda: webp[: len(webp) // 2]),
        Broken("broken-empty.png", "empty", lambda: b""),
        Broken("broken-empty.tif", "empty", lambda: b""),
        Broken("broken-text.jpg", "not an image", lambda: b"Dear diary, this is not a photo.\n" * 20),
        Broken("broken-random.png", "not an image", lambda: random),
        Broken("broken-tiff-zeroed.tif", "not an image", lambda: tiff[:8] + bytes(len(tiff) - 8)),
        Broken("broken-bomb-30000x30000.png", "100 MP limit", _bomb_png),
        Broken("broken-bomb-30000x30000.jpg", "100 MP limit", lambda: _bomb_jpeg(rgb)),
    ]


NOT_INPUTS = {"notes.txt": b"shot on a rainy day\n", "README.md": b"# my photos\n",
              "metadata.json": b'{"camera": "none"}\n', ".DS_Store": b"\0\0\0\1Bud1"}


# -- the folder ------------------------------------------------------------------------------------


@dataclass
class Expected:
    variant: str
    path: Path
    shown: np.ndarray  # float RGB 0..1, what a viewer shows


def photo(name: str) -> np.ndarray:
    """A photo of benchmarks/photos.py as uint8 RGB with its long side SIDE."""
    rgb = np.clip(load(name) * 255 + 0.5, 0, 255).astype(np.uint8)
    img = Image.fromarray(rgb)
    w, h = img.size
    scale = SIDE / max(w, h)
    return np.asarray(img.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BOX))


def build_folder(folder: Path) -> tuple[list[Expected], list[Broken]]:
    """Write the 90 valid files (each variant on two photos, some once), the 10 broken and the others."""
    folder.mkdir(parents=True, exist_ok=True)
    photos = {name: photo(name) for name in NAMES}
    copies = [2 if i < VALID - len(VARIANTS) else 1 for i in range(len(VARIANTS))]
    expected: list[Expected] = []
    for variant, count in zip(VARIANTS, copies):
        for _ in range(count):
            name = NAMES[len(expected) % len(NAMES)]
            path = folder / variant.filename.format(photo=name)
            path.parent.mkdir(parents=True, exist_ok=True)
            expected.append(Expected(variant.label, path, variant.make(photos[name], path)))
    broken = broken_files(photos["astronaut"])
    for item in broken:
        (folder / item.filename).write_bytes(item.data())
    for name, data in NOT_INPUTS.items():
        (folder / name).write_bytes(data)
    return expected, broken


# -- running brush ---------------------------------------------------------------------------------


@dataclass
class Run:
    command: list[str]
    code: int
    rows: dict[str, str]  # output name -> status ("ok", "skipped ...", or the reason)
    failed: dict[str, str]  # output name -> reason, from stderr's "failed NAME: reason" lines


def brush(args: list[str]) -> Run:
    command = ["brush", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "1000", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "brushcli", *args], env=env, capture_output=True, text=True)
    rows: dict[str, str] = {}
    for line in done.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if line.startswith("│") and len(cells) == 7 and cells[0]:
            rows[cells[0]] = cells[6]
    failed = dict(re.findall(r"^failed (.+?): (.*)$", done.stderr, flags=re.MULTILINE))
    if not rows:
        raise SystemExit(f"no summary from {' '.join(command)}:\n{done.stdout}\n{done.stderr}")
    return Run(command, done.returncode, rows, failed)


def fit(width: int, height: int, side: int) -> tuple[int, int]:
    if width >= height:
        return side, max(1, round(side * height / width))
    return max(1, round(side * width / height)), side


def write_references(expected: list[Expected], folder: Path) -> list[Path]:
    """Each viewer image as a plain 8-bit RGB PNG: what the painting of its file is compared with."""
    folder.mkdir(parents=True)
    paths = []
    for index, item in enumerate(expected):
        path = folder / f"reference-{index:02d}.png"
        Image.fromarray(np.clip(item.shown * 255 + 0.5, 0, 255).astype(np.uint8)).save(path, compress_level=1)
        paths.append(path)
    return paths


def _mean_color(path: Path) -> np.ndarray | None:
    if not path.is_file():
        return None
    return (np.asarray(Image.open(path).convert("RGB"), dtype=np.float64) / 255.0).mean((0, 1))


def check_painted(item: Expected, folder: Path, reference: Path, side: int, tolerance: float
                  ) -> tuple[bool, float, float, str]:
    """(correct, mean colour error against the reference painting, against the viewer image, note) of
    one image's mypaint.png. The reference painting is of the viewer image saved as a plain PNG, with
    the same settings: a file read right paints like it (a few strokes paint a hard photo only
    roughly, so the viewer image alone would blame the painting for what is not a reading error)."""
    path = folder / "mypaint.png"
    if not path.is_file():
        return False, float("nan"), float("nan"), "no mypaint.png"
    real = Image.open(path)
    h, w = item.shown.shape[:2]
    want = fit(w, h, side)
    if real.size != want:
        return False, float("nan"), float("nan"), f"size {real.size[0]}x{real.size[1]}, expected {want[0]}x{want[1]}"
    mean, ref = _mean_color(path), _mean_color(reference / "mypaint.png")
    to_viewer = float(np.abs(mean - item.shown.mean((0, 1))).max())
    if ref is None:
        return False, float("nan"), to_viewer, "no reference painting"
    to_reference = float(np.abs(mean - ref).max())
    return to_reference <= tolerance, to_reference, to_viewer, ""


def output_names(folder: Path, out: Path) -> dict[Path, str]:
    """The output name brush gives each input (its stem, made unique in the batch's order)."""
    from brushcli.batch import plan_batch
    from brushcli.inputs import collect_images

    return {item.path: item.name for item in plan_batch(collect_images([folder], exclude=[out]), out)}


# -- the report ------------------------------------------------------------------------------------


def machine() -> str:
    import PIL
    import torch

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    return (f"{platform.machine()} Linux, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"torch {torch.__version__}, Pillow {PIL.__version__}, brush at {commit or '?'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, help="where to build the folder and outputs (default: a temp dir)")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--strokes", type=int, default=4)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--tolerance", type=float, default=0.05,
                        help="largest mean colour difference from the reference painting (0..1)")
    parser.add_argument("--write-docs", action="store_true", help="put the report in docs/reliability.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="brush-formats-") as tmp:
        base = args.dir or Path(tmp)
        report = run(base, args)
    print(report)
    if args.write_docs:
        write_docs(report)
        print(f"\nwrote {DOC.relative_to(ROOT)}")


def run(base: Path, args: argparse.Namespace) -> str:
    folder = base / "photos"
    if folder.exists():
        raise SystemExit(f"{folder} exists; give an empty --dir")
    expected, broken = build_folder(folder)
    settings = ["--strokes", str(args.strokes), "--steps", str(args.steps), "--size", str(args.size), "-q"]
    references = write_references(expected, base / "reference")
    outs = {1: base / "out-jobs1", args.jobs: base / f"out-jobs{args.jobs}"}
    runs: dict[str, Run] = {"reference": brush(["paint", str(base / "reference"), "-o", str(base / "out-reference"),
                                                 *settings, "--jobs", str(args.jobs)])}
    if runs["reference"].code != 0:
        raise SystemExit(f"the reference paintings failed: {runs['reference'].failed}")
    for jobs, out in outs.items():
        command = ["paint", str(folder), "-o", str(out), *settings] + (["--jobs", str(jobs)] if jobs > 1 else [])
        runs[f"jobs{jobs}"] = brush(command)
        runs[f"jobs{jobs}-again"] = brush(command)
    names = output_names(folder, outs[1])
    problems: list[str] = []
    total_inputs = len(expected) + len(broken)
    lines_by_variant: dict[str, list[tuple[bool, float, str]]] = {}
    for jobs, out in outs.items():
        first, again = runs[f"jobs{jobs}"], runs[f"jobs{jobs}-again"]
        for key, result in ((f"jobs{jobs}", first), (f"jobs{jobs}-again", again)):
            if result.code != 1:
                problems.append(f"{key}: exit {result.code}, expected 1")
            if len(result.rows) != total_inputs:
                problems.append(f"{key}: {len(result.rows)} rows for {total_inputs} inputs")
        for item in expected:
            name = names.get(item.path)
            if name is None:
                problems.append(f"{item.path.name}: not found as an input")
                continue
            if first.rows.get(name) != "ok":
                problems.append(f"jobs{jobs}: {item.path.name} not painted: {first.rows.get(name)}")
            if not str(again.rows.get(name, "")).startswith("skipped"):
                problems.append(f"jobs{jobs} again: {item.path.name} not skipped: {again.rows.get(name)}")
            reference = base / "out-reference" / references[expected.index(item)].stem
            verdict = check_painted(item, out / name, reference, args.size, args.tolerance)
            if not verdict[0]:
                problems.append(f"jobs{jobs}: {item.path.name} painted wrongly: mean colour {verdict[1]:.3f} from "
                                f"the reference painting {verdict[3]}")
            if jobs == 1:
                lines_by_variant.setdefault(item.variant, []).append(verdict)
        for item in broken:
            name = names.get(folder / item.filename)
            reason = first.failed.get(name or "", "")
            if item.reason not in reason or again.failed.get(name or "") != reason:
                problems.append(f"jobs{jobs}: {item.filename}: reason {reason!r}, expected {item.reason!r}")
    same = [n for n in names.values() if (outs[1] / n / "mypaint.png").is_file()
            and (outs[1] / n / "mypaint.png").read_bytes() == (outs[args.jobs] / n / "mypaint.png").read_bytes()]
    if len(same) != len(expected):
        problems.append(f"--jobs {args.jobs} wrote other mypaint.png bytes than --jobs 1 for "
                        f"{len(expected) - len(same)} images")
    return report(args, folder, expected, broken, runs, names, lines_by_variant, len(same), problems)


def report(args: argparse.Namespace, folder: Path, expected: list[Expected], broken: list[Broken],
           runs: dict[str, Run], names: dict[Path, str], by_variant: dict[str, list[tuple[bool, float, float, str]]],
           same: int, problems: list[str]) -> str:
    """The markdown section: the commands and their counts, one row per format, the broken files' reasons."""
    def counts(result: Run) -> str:
        ok = sum(1 for s in result.rows.values() if s == "ok")
        skipped = sum(1 for s in result.rows.values() if s.startswith("skipped"))
        return f"exit {result.code}: {len(result.rows)} rows, {ok} painted, {skipped} skipped, {len(result.failed)} failed"

    settings = f"--strokes {args.strokes} --steps {args.steps} --size {args.size} -q"
    lines = [
        BEGIN,
        "## A batch of every format (`benchmarks/batch_formats.py`)",
        "",
        "Generated by `python benchmarks/batch_formats.py --write-docs` (do not edit by hand). One folder",
        f"holds {len(expected) + len(broken)} image files built from the photos of `benchmarks/photos.py`:",
        f"{len(expected)} valid ones in every format and mode below and {len(broken)} broken ones, plus",
        f"{len(NOT_INPUTS)} files that are not images ({', '.join(sorted(NOT_INPUTS))}), which the folder",
        "walk ignores (a file is an input if it is named like an image or Pillow recognises its header;",
        "hidden files are skipped). A painted image is checked against what a viewer shows for its file,",
        "computed by the script from what it wrote (16-bit by 65535, floats as they are, alpha over",
        "white, EXIF rotation applied) and painted the same way from a plain 8-bit PNG (the reference):",
        "its mypaint.png must have the viewer image's aspect and a mean colour within",
        f"{args.tolerance} of the reference painting's, so a 16-bit gray painted white, a float TIFF painted",
        "black or a photo left lying on its side fails. The last column is the distance to the viewer",
        f"image itself, which {args.strokes} strokes paint only roughly (a dark retina photo least).",
        "",
        f"Machine: {machine()}.",
        "",
        "| command | result |",
        "|---|---|",
    ]
    for key, result in runs.items():
        command = " ".join(result.command).replace(str(folder.parent), "$DIR")
        lines.append(f"| `{command}` | {counts(result)} |")
    lines += [
        "",
        f"`--jobs {args.jobs}` wrote the same mypaint.png bytes as `--jobs 1` for {same} of {len(expected)} images.",
        "",
        "| format | files | painted correctly | mean colour from the reference painting (largest) | "
        "from the viewer image (largest) |",
        "|---|---|---|---|---|",
    ]
    for label, verdicts in by_variant.items():
        good = sum(1 for v in verdicts if v[0])
        lines.append(f"| {label} | {len(verdicts)} | {good} | {max(v[1] for v in verdicts):.3f} | "
                     f"{max(v[2] for v in verdicts):.3f} |")
    lines += ["", "| broken file | reason in the summary (`--jobs 1`) |", "|---|---|"]
    first = runs["jobs1"]
    for item in broken:
        reason = first.failed.get(names.get(folder / item.filename, ""), "(no row)")
        lines.append(f"| {item.filename} | {reason.replace(str(folder), '$DIR/photos')} |")
    lines += ["", f"Problems: {len(problems)}." if not problems else f"Problems ({len(problems)}):"]
    lines += [f"- {p}" for p in problems[:40]]
    lines += [END]
    return "\n".join(lines)


def write_docs(section: str) -> None:
    """Replace this script's section of docs/reliability.md (or add it under the keep line)."""
    text = DOC.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        if KEEP not in text:
            text = text.rstrip("\n") + "\n\n" + KEEP + "\n"
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
