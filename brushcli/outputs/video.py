"""Time-lapse writers: GIF (Pillow) and MP4/WebM (imageio + imageio-ffmpeg, whose wheel ships ffmpeg).

Both show the replay after the stroke counts :meth:`~brushcli.outputs.options.FrameOptions.schedule`
picks (by default one stroke per frame up to a duration cap), at the same frame rate, and hold the
finished painting at the end. Frames are streamed from the recorded
:class:`~brushcli.outputs.timelapse.Timelapse`, never all held as full images.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from brushcli.errors import OutputError
from brushcli.files import atomic_path, to_uint8
from brushcli.outputs.options import ExportOptions
from brushcli.outputs.result import Painting

#: GIF delays are in hundredths of a second and viewers slow anything below 2 of them down to 10.
GIF_MIN_DELAY_MS = 20
#: ffmpeg settings per suffix: codec and its quality options (visually lossless for flat paint).
CODECS = {
    ".mp4": ("libx264", ["-preset", "veryfast", "-crf", "18", "-movflags", "+faststart"]),
    ".webm": ("libvpx-vp9", ["-deadline", "realtime", "-cpu-used", "8", "-crf", "30", "-b:v", "0", "-row-mt", "1"]),
}


def write_gif(path: Path, frames: Iterable[np.ndarray], fps: float = 10.0, hold: float = 2.0,
              palette_from: np.ndarray | None = None) -> Path:
    """Save RGB frames (uint8, or float in 0..1) as a looping GIF at ``fps``, holding the last frame ``hold`` s.

    One palette, made from ``palette_from`` (default: the last frame; the finished painting holds
    every color), is used for all frames without dithering: per-frame palettes cost ~0.15 s a frame
    and make colors flicker. Given ``palette_from``, frames are quantised as they stream in.
    """
    from PIL import Image

    if palette_from is None:
        frames = list(frames)
        palette_from = frames[-1] if frames else None
    if palette_from is None:
        raise OutputError(f"no frames to write to {path}")
    palette = Image.fromarray(_uint8(palette_from)).quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    images = [Image.fromarray(_uint8(f)).quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    if not images:
        raise OutputError(f"no frames to write to {path}")
    step = max(GIF_MIN_DELAY_MS, int(round(1000.0 / fps)))
    durations = [step] * (len(images) - 1) + [step + int(round(hold * 1000))]
    with atomic_path(Path(path)) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0,
                       optimize=False)
    return Path(path)


def write_gif_timelapse(painting: Painting, path: Path, options: ExportOptions) -> None:
    """``.gif``: the time-lapse of the MyPaint replay."""
    timelapse = painting.timelapse()
    schedule = options.timelapse.schedule(timelapse.strokes)
    finished = next(timelapse.frames(schedule[-1:]))
    write_gif(path, timelapse.frames(schedule), options.timelapse.rate(len(schedule)), options.timelapse.hold,
              palette_from=finished)


def write_video(path: Path, frames: Iterable[np.ndarray], fps: float, hold: float = 2.0) -> int:
    """Encode uint8 RGB frames as MP4 (H.264) or WebM (VP9) by ``path``'s suffix; returns frames written.

    The last frame is repeated for ``hold`` seconds. Odd sizes are padded by one edge pixel (4:2:0
    video needs even sides).
    """
    suffix = Path(path).suffix.lower()
    if suffix not in CODECS:
        raise OutputError(f"cannot write {path}: no video codec for {suffix or 'no suffix'}; use .mp4 or .webm")
    try:
        import imageio.v2 as imageio
        import imageio_ffmpeg  # noqa: F401  (the ffmpeg binary ships in its wheel)
    except ImportError as exc:
        raise OutputError(f"cannot write {path}: video needs imageio-ffmpeg; pip install imageio-ffmpeg ({exc})"
                          ) from exc
    codec, params = CODECS[suffix]
    written = 0
    with atomic_path(Path(path)) as tmp:
        writer = imageio.get_writer(tmp, format="FFMPEG", mode="I", fps=fps, codec=codec, quality=None,
                                    pixelformat="yuv420p", macro_block_size=2, ffmpeg_log_level="error",
                                    output_params=params)
        try:
            last = None
            for frame in frames:
                last = _even(frame)
                writer.append_data(last)
                written += 1
            if last is None:
                raise OutputError(f"no frames to write to {path}")
            for _ in range(int(round(hold * fps))):
                writer.append_data(last)
                written += 1
        except OSError as exc:
            raise OutputError(f"cannot write {path}: ffmpeg failed ({exc})") from exc
        finally:
            writer.close()
    return written


def write_video_timelapse(painting: Painting, path: Path, options: ExportOptions) -> None:
    """``.mp4``/``.webm``: the time-lapse of the MyPaint replay."""
    timelapse = painting.timelapse()
    schedule = options.timelapse.schedule(timelapse.strokes)
    write_video(path, timelapse.frames(schedule), options.timelapse.rate(len(schedule)), options.timelapse.hold)


def _uint8(frame: np.ndarray) -> np.ndarray:
    return frame if frame.dtype == np.uint8 else to_uint8(frame)


def _even(frame: np.ndarray) -> np.ndarray:
    h, w = frame.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return frame
    return np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")

