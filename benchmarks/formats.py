"""Output formats: how long each takes, and how faithful the vector and layered ones are.

Run:  python benchmarks/formats.py out/astronaut/strokes.json [--gallery docs/gallery/formats] [--screenshot]
      python benchmarks/formats.py --timelapse 600      # video timing on N random pen strokes at 512 px

For a stroke file (written by ``brush paint``): the time of the MyPaint replay (with and without the
time-lapse recording) and of every writer; the SVG rasterised by resvg (PyPI ``resvg-py``) against
the MyPaint render; the OpenRaster file flattened by Krita (``krita --export`` under ``xvfb-run``,
Debian packages ``krita xvfb xauth``) against the MyPaint render; the videos' frame counts; and, for
a painting with a plan and a bundled painter, the neural render's gap to MyPaint when coarse levels
are upscaled versus drawn at the output size. ``--gallery`` writes small PNGs for docs/formats.md;
``--screenshot`` adds Krita's window with the file open (needs ``Xvfb``).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from brushcli.files import to_uint8
from brushcli.outputs.folder import side_by_side
from brushcli.outputs.replay import replay
from brushcli.outputs.result import Painting, mse
from brushcli.outputs.writers import export
from brushcli.strokes import load_strokes

SUFFIXES = (".png", ".jpg", ".webp", ".ora", ".svg", ".gif", ".mp4", ".webm", ".json")
THUMB = 256


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("strokes", type=Path, nargs="?")
    parser.add_argument("--gallery", type=Path, default=None)
    parser.add_argument("--screenshot", action="store_true")
    parser.add_argument("--timelapse", type=int, default=0, metavar="N")
    args = parser.parse_args()
    if args.timelapse:
        timelapse_timing(args.timelapse)
        return
    strokes = load_strokes(args.strokes)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores; {args.strokes}: "
          f"{len(strokes)} strokes, {strokes.width}x{strokes.height}, {strokes.brush}")
    t = time.perf_counter()
    replay(strokes)
    plain = time.perf_counter() - t
    painting = Painting(strokes=strokes)
    t = time.perf_counter()
    real = painting.mypaint()
    print(f"\nMyPaint replay {plain:.2f} s; with the time-lapse recorded {time.perf_counter() - t:.2f} s\n")
    work = Path(tempfile.mkdtemp(prefix="brush-formats-"))
    print("| format | write (s) | size (KiB) | note |\n|---|---|---|---|")
    for suffix in SUFFIXES:
        path = work / f"painting{suffix}"
        t = time.perf_counter()
        export(painting, path)
        seconds = time.perf_counter() - t
        print(f"| {suffix} | {seconds:.2f} | {path.stat().st_size / 1024:,.0f} | {_note(path)} |", flush=True)

    images = {"MyPaint (mypaint.png)": real.image}
    svg = _rasterise_svg(work / "painting.svg")
    blank = np.ones_like(real.image) * np.asarray(strokes.background, np.float32)
    print(f"\nSVG rasterised by resvg {_resvg_version()}: MSE vs MyPaint {mse(svg, real.image):.5f} "
          f"(blank paper: {mse(blank, real.image):.5f})")
    images["SVG (resvg)"] = svg
    krita = _krita_flatten(work / "painting.ora", work / "krita.png")
    if krita is not None:
        flat, seconds = krita
        print(f"OpenRaster flattened by Krita ({seconds:.1f} s): MSE vs MyPaint {mse(flat, real.image):.2e}, "
              f"max abs {np.abs(flat - real.image).max() * 255:.1f}/255")
        images["OpenRaster (Krita)"] = flat
    else:
        print("OpenRaster: Krita or xvfb-run not installed (apt-get install -y krita xvfb xauth)")
    _neural_gap(strokes, real.image)
    if args.gallery:
        _gallery(args.gallery, images, work / "painting.ora" if args.screenshot else None)
    shutil.rmtree(work)


def timelapse_timing(n: int, side: int = 512) -> None:
    """Replay with and without the time-lapse recording, then GIF/MP4/WebM, for ``n`` random pen strokes."""
    from brushcli.presets import load_preset
    from brushcli.strokes import StrokeList

    preset = load_preset("pen")
    rng = np.random.default_rng(0)
    shapes = preset.actions_to_shapes(preset.random_actions(n, rng))
    shapes[:, 8] = np.geomspace(0.2, 0.02, n)  # large strokes first, as a painting goes
    strokes = StrokeList(np.concatenate([shapes, rng.uniform(0, 1, (n, 3))], axis=1), side, side, preset.brush,
                         sampling=preset.sampling)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores; {n} random pen strokes, "
          f"{side} px")
    t = time.perf_counter()
    replay(strokes)
    plain = time.perf_counter() - t
    painting = Painting(strokes=strokes)
    t = time.perf_counter()
    painting.mypaint()
    recorded = time.perf_counter() - t
    kept = sum(p.pixels.nbytes for patches in painting.timelapse().patches for p in patches)
    print(f"MyPaint replay {plain:.2f} s; with the time-lapse recorded {recorded:.2f} s "
          f"({kept / 2**20:.1f} MiB of patches)")
    work = Path(tempfile.mkdtemp(prefix="brush-timelapse-"))
    for suffix in (".gif", ".mp4", ".webm"):
        path = work / f"t{suffix}"
        t = time.perf_counter()
        export(painting, path)
        print(f"{suffix}: {time.perf_counter() - t:.2f} s, {path.stat().st_size / 1024:,.0f} KiB, {_note(path)}")
    shutil.rmtree(work)


def _note(path: Path) -> str:
    if path.suffix in (".mp4", ".webm", ".gif"):
        import imageio.v2 as imageio

        if path.suffix == ".gif":
            return f"{Image.open(path).n_frames} frames"
        reader = imageio.get_reader(path)
        try:
            meta = reader.get_meta_data()
            return f"{reader.count_frames()} frames at {meta['fps']:g} fps"
        finally:
            reader.close()
    return ""


def _resvg_version() -> str:
    import resvg_py

    return getattr(resvg_py, "__version__", "")


def _rasterise_svg(path: Path) -> np.ndarray:
    import resvg_py

    png = bytes(resvg_py.svg_to_bytes(svg_path=str(path)))
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), np.float32) / 255


def _krita_flatten(ora: Path, png: Path) -> tuple[np.ndarray, float] | None:
    krita, xvfb = shutil.which("krita"), shutil.which("xvfb-run")
    if not (krita and xvfb):
        return None
    t = time.perf_counter()
    subprocess.run([xvfb, "-a", krita, "--export", "--export-filename", str(png), str(ora)],
                   check=True, capture_output=True, timeout=600)
    return np.asarray(Image.open(png).convert("RGB"), np.float32) / 255, time.perf_counter() - t


def _neural_gap(strokes, real: np.ndarray) -> None:
    """The neural render's gap to MyPaint, coarse levels upscaled vs drawn at the output size."""
    import torch

    from brushcli.canvas.layered import canvas_from_strokes
    from brushcli.errors import BrushError
    from brushcli.painters.registry import create_painter

    try:
        canvas = canvas_from_strokes(strokes, create_painter(strokes.painter or "pen"))
    except BrushError as exc:
        print(f"neural gap: not measured ({exc})")
        return
    with torch.no_grad():
        gaps = {sharp: mse(canvas.render(strokes.width, strokes.height, sharp=sharp).clamp(0, 1)
                           .permute(1, 2, 0).numpy(), real) for sharp in (False, True)}
    print(f"neural render vs MyPaint (gap_mse): levels upscaled {gaps[False]:.5f}, "
          f"drawn at the output size {gaps[True]:.5f}")


def _gallery(folder: Path, images: dict[str, np.ndarray], ora: Path | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    small = {}
    for label, image in images.items():
        pil = Image.fromarray(to_uint8(image))
        pil.thumbnail((THUMB, THUMB), Image.Resampling.LANCZOS)
        small[label] = np.asarray(pil, np.float32) / 255
    strip = side_by_side(*small.values(), labels=list(small))
    Image.fromarray(to_uint8(strip)).save(folder / "formats.png", optimize=True)
    print(f"wrote {folder / 'formats.png'}")
    if ora is not None:
        shot = _krita_screenshot(ora)
        if shot is not None:
            shot.save(folder / "krita.png", optimize=True)
            print(f"wrote {folder / 'krita.png'}")


def _krita_screenshot(ora: Path, seconds: float = 45.0) -> Image.Image | None:
    """Krita's window with ``ora`` open (layers docker visible), on a virtual X display."""
    from PIL import ImageGrab

    if not (shutil.which("Xvfb") and shutil.which("krita")):
        return None
    display = ":97"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    app = None
    try:
        time.sleep(2)
        app = subprocess.Popen(["krita", "--nosplash", str(ora)], env={**os.environ, "DISPLAY": display},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(seconds)
        shot = ImageGrab.grab(xdisplay=display)
        box = shot.convert("L").point(lambda v: 255 if v > 0 else 0).getbbox()  # the window on black
        return shot.crop(box) if box else shot
    finally:
        if app is not None:
            app.terminate()
            app.wait(30)
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
