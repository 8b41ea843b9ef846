"""Bad input through the real CLI: one line on stderr, a non-zero exit, nothing written.

Each case builds its hostile or careless input in a fresh folder, runs ``brush ...`` through Typer's
CliRunner against :data:`brushcli.cli.app`, and checks the exit code, that stderr is exactly one line
holding the expected words and no traceback, and that the folder is byte-for-byte unchanged (no
output, not even an empty folder). Cases that still fail because of code above the bottom layers
are marked xfail with the place to fix.
"""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from brushcli.cli import app
from brushcli.painters.config import PainterConfig
from brushcli.painters.folder import save_painter_folder
from brushcli.painters.painter import Painter
from brushcli.presets import load_preset
from _brushtest import random_strokes

PEN_MYB = Path("/usr/share/mypaint-data/2.0/brushes/classic/pen.myb")


# -- input builders ---------------------------------------------------------------------------------


def brush_file(tmp: Path, mutate: Callable[[dict], None] | None = None, text: str | bytes | None = None,
               name: str = "hostile.myb") -> Path:
    doc = json.loads(PEN_MYB.read_text())
    if mutate:
        mutate(doc)
    data = text if text is not None else json.dumps(doc)
    path = tmp / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def points(setting: str, input_name: str, pts) -> Callable[[dict], None]:
    return lambda d: d["settings"].setdefault(setting, {"base_value": 0.0, "inputs": {}})["inputs"].update(
        {input_name: pts})


def base(setting: str, value) -> Callable[[dict], None]:
    return lambda d: d["settings"].setdefault(setting, {"inputs": {}}).update(base_value=value)


def strokes_doc(plan: bool = True) -> dict:
    doc = random_strokes(3, preset="pen").to_dict()
    if plan:
        doc["meta"] = {"source": "photo.png", "plan": [{"level": 0, "per_tile": 3}]}
    return doc


def strokes_file(tmp: Path, mutate: Callable[[dict], None] | None = None, text: str | bytes | None = None) -> Path:
    doc = strokes_doc()
    if mutate:
        mutate(doc)
    data = text if text is not None else json.dumps(doc)
    path = tmp / "strokes.json"
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def link(tmp: Path, name: str, target: str) -> Path:
    path = tmp / name
    path.symlink_to(target)
    return path


def painter_folder(tmp: Path, mutate: Callable[[dict], None] | None = None, text: str | None = None,
                   nan: bool = False) -> Path:
    torch.manual_seed(0)
    config = PainterConfig(name="tiny", preset=load_preset("pen"), arch="dabs",
                           arch_args={"dabs": 16, "knots": 4, "hidden": 8})
    painter = Painter(config)
    if nan:
        with torch.no_grad():
            next(painter.parameters()).fill_(float("nan"))
    folder = save_painter_folder(painter, tmp / "painter")
    doc = json.loads((folder / "config.json").read_text())
    if mutate:
        mutate(doc)
    (folder / "config.json").write_text(text if text is not None else json.dumps(doc))
    return folder


def config_set(path: str, value) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        *parents, last = path.split(".")
        node = doc
        for key in parents:
            node = node[key]
        node[last] = value
    return mutate


def nan_tiff(tmp: Path) -> Path:
    pixels = np.full((16, 16), 0.5, np.float32)
    pixels[3, 3] = np.nan
    Image.fromarray(pixels, mode="F").save(tmp / "nan.tif")
    return tmp / "nan.tif"


def bomb_png(tmp: Path) -> Path:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0)
    (tmp / "bomb.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))
    return tmp / "bomb.png"


def far_offsets_case(tmp: Path) -> list[str]:
    """A legal brush whose random offsets reach 400k px on a 16384-px canvas."""
    brush = brush_file(tmp, text=json.dumps({"version": 3, "settings": {
        "offset_by_random": {"base_value": 25.0, "inputs": {}},
        "dabs_per_actual_radius": {"base_value": 2.0, "inputs": {}},
        "opaque": {"base_value": 1.0, "inputs": {}}}}), name="far.myb")
    doc = strokes_doc(plan=False)
    doc["canvas"].update(width=16384, height=64)
    doc["strokes"][0]["size"] = 0.3
    path = tmp / "wide.json"
    path.write_text(json.dumps(doc))
    return ["render", str(path), "-o", str(tmp / "out.png"), "--size", "16384", "--brush", str(brush)]


def refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the cases ----------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    build: Callable[[Path], list[str]]
    needle: str
    exit_code: int = 2
    online: bool = False
    xfail: str = ""
    notes: list[str] = field(default_factory=list)


def render_brush(mutate=None, text=None, name="hostile.myb"):
    return lambda t: ["render", str(strokes_file(t)), "-o", str(t / "out.png"), "--brush",
                      str(brush_file(t, mutate, text, name))]


def render_strokes(mutate=None, text=None):
    return lambda t: ["render", str(strokes_file(t, mutate, text)), "-o", str(t / "out.png")]


def info(mutate=None, text=None, nan=False):
    return lambda t: ["painters", "info", f"local-dir:{painter_folder(t, mutate, text, nan)}"]


def small_png(tmp: Path) -> Path:
    """A real 16-px photo to paint from (so a case reaches the checks made after the image is read)."""
    from PIL import Image

    Image.new("RGB", (16, 16), (200, 120, 40)).save(tmp / "photo.png")
    return tmp / "photo.png"


def resume(mutate=None, text=None):
    return lambda t: ["paint", "--resume", str(strokes_file(t, mutate, text)), "-o", str(t / "out"), "--quiet"]


def train(*args: str):
    return lambda t: ["train-painter", *args, "--out", str(t / "painter-out"), "--quiet"]


SIXTY_FIVE = [[i / 70, 0.0] for i in range(65)]
CASES = [
    # brush files reach libmypaint through --brush, a stroke file's brush, train-painter --brush
    Case("myb with 65 mapping points (libmypaint aborted)", render_brush(points("opaque", "pressure", SIXTY_FIVE)),
         "at most 64 items"),
    Case("myb with unsorted mapping points (libmypaint aborted)",
         render_brush(points("opaque", "pressure", [[0.5, 0], [0.2, 1]])), "must be sorted by x"),
    Case("myb with one mapping point", render_brush(points("opaque", "pressure", [[0.5, 0]])), "at least 2 points"),
    Case("myb with dabs_per_actual_radius 1e9 (23 GB)", render_brush(base("dabs_per_actual_radius", 1e9)),
         "outside libmypaint's range 0..200"),
    Case("myb with an unknown setting", render_brush(base("warp_speed", 1.0)), "unknown setting 'warp_speed'"),
    Case("myb with a mapping y far outside the setting", render_brush(points("opaque", "pressure", [[0, 0], [1, 1e9]])),
         "is outside -2..2"),
    Case("myb with NaN", render_brush(text='{"version": 3, "settings": {"opaque": {"base_value": NaN, "inputs": {}}}}'),
         "NaN is not allowed"),
    Case("myb nested 100k deep", render_brush(text="[" * 100_000 + "]" * 100_000), "nested deeper than 32 levels"),
    Case("myb of 2 MB", render_brush(text='{"version": 3, "settings": {}}' + " " * (2 << 20)),
         "more than a MyPaint brush file may be"),
    Case("myb that is /dev/zero", lambda t: ["render", str(strokes_file(t)), "-o", str(t / "out.png"), "--brush",
                                             str(link(t, "zero.myb", "/dev/zero"))], "is not a regular file"),
    Case("myb of version 2", render_brush(lambda d: d.update(version=2)), "brush file version 2 is not supported"),
    Case("myb that is a folder", lambda t: (t / "dir.myb").mkdir() or ["render", str(strokes_file(t)), "-o",
                                                                         str(t / "out.png"), "--brush", str(t / "dir.myb")],
         "is a directory"),
    Case("myb not UTF-8", render_brush(text=b"\xff\xfe{}"), "not UTF-8 text"),
    Case("stroke file naming a hostile myb", lambda t: ["render", str(strokes_file(
        t, lambda d: d.update(brush=str(brush_file(t, points("opaque", "pressure", SIXTY_FIVE)))))),
        "-o", str(t / "out.png")], "at most 64 items"),
    Case("dabs thrown 400k px off a 16384-px canvas (tile index of GBs)", far_offsets_case,
         "throws a dab more than 65536 px from the canvas"),
    # stroke files
    Case("stroke file that is /dev/zero", lambda t: ["render", str(link(t, "zero.json", "/dev/zero")), "-o",
                                                     str(t / "out.png")], "is not a regular file"),
    Case("stroke file nested 100k deep", render_strokes(text='{"meta": ' + "[" * 100_000 + "]" * 100_000 + "}"),
         "nested deeper than 32 levels"),
    Case("stroke file with NaN in meta", render_strokes(lambda d: d["meta"].update(x=float("nan"))),
         "meta.x is not a finite number"),
    Case("stroke file with meta.plan of numbers", render_strokes(lambda d: d["meta"].update(plan=[7])),
         "meta.plan[0]: expected a JSON object"),
    Case("stroke file with meta.source a list", render_strokes(lambda d: d["meta"].update(source=["a.png"])),
         "meta.source: expected a string"),
    Case("stroke file with a NUL in the brush", render_strokes(lambda d: d.update(brush="classic/pen\x00")),
         "brush: contains a NUL character"),
    Case("stroke file with a string for a stroke", render_strokes(lambda d: d["strokes"].__setitem__(0, "x")),
         "strokes[0]: expected a JSON object"),
    Case("stroke file not UTF-8", render_strokes(text=b'{"format": "\xff"}'), "not UTF-8 text"),
    Case("stroke file truncated", render_strokes(text=json.dumps(strokes_doc())[:300]), "not valid JSON"),
    Case("stroke file empty", render_strokes(text=""), "not valid JSON"),
    Case("stroke file with a billion engine steps", render_strokes(lambda d: d.update(sampling={"steps": 10**9})),
         "sampling.steps: 1000000000 is above the maximum 1000"),
    Case("stroke file with a float canvas", render_strokes(lambda d: d["canvas"].update(width=64.5)),
         "canvas.width: expected an integer, got 64.5"),
    Case("stroke file of version '1'", render_strokes(lambda d: d.update(version="1")),
         "schema version '1' is not supported"),
    Case("stroke file with size 0", render_strokes(lambda d: d["strokes"][1].update(size=0)),
         "strokes[1].size: 0 is below the minimum 1e-06"),
    # painter configs (local-dir: and hf-hub: are untrusted)
    Case("painter with hidden=200000 (160 GB)", info(config_set("arch_args.hidden", 200_000)),
         "arch_args.hidden: 200000 is above the maximum 4096"),
    Case("painter with canvas=100000 (320 GB)", info(config_set("canvas", 100_000)),
         "canvas: 100000 is above the maximum 256"),
    Case("painter with canvas=-5", info(config_set("canvas", -5)), "canvas: -5 is below the minimum 8"),
    Case("painter config version '1'", info(config_set("version", "1")),
         "'version' must be a whole number such as 1, got '1'"),
    Case("painter brush naming /etc/passwd", info(config_set("preset.brush", "/etc/passwd")),
         "preset brush '/etc/passwd' must be a brush name"),
    Case("painter brush escaping its folder", info(config_set("preset.brush", "../other.myb")),
         "must be a brush name such as classic/pen or a .myb file inside the painter folder"),
    Case("painter preset named ../../x", info(config_set("preset.name", "../../x")),
         "name '../../x' must be letters, digits"),
    Case("painter config with NaN", info(text='{"format": "brush-painter", "version": 1, "x": NaN}'),
         "NaN is not allowed"),
    Case("painter config nested deep", info(config_set("training", {"a": json.loads("[" * 40 + "]" * 40)})),
         "nested deeper than 32 levels"),
    Case("painter with NaN weights (--lr inf)", info(nan=True), "NaN or infinite weights"),
    Case("painter of unknown architecture", info(config_set("arch", "transformer")),
         "arch: input should be 'dabs', 'conv' or 'vae'"),
    Case("painter with an unknown arch argument", info(config_set("arch_args.layers", 96)),
         "arch_args.layers: extra inputs are not permitted"),
    Case("painter config that is /dev/zero", lambda t: [
        "painters", "info", f"local-dir:{(lambda f: (f / 'config.json').unlink() or link(f, 'config.json', '/dev/zero') and f)(painter_folder(t))}"],
        "is not a regular file"),
    # the Hub
    Case("hub revision walking out of the cache", lambda t: ["painters", "pull", "org/tiny@../../../../etc/passwd"],
         "is not a Hub painter id"),
    Case("hub revision with a .. part", lambda t: ["painters", "pull", "org/tiny@refs/../../x"],
         "is not a Hub painter id"),
    Case("hub unreachable, HF_HUB_OFFLINE unset (25 s of retries)", lambda t: ["painters", "pull", "org/tiny"],
         "check your connection, or set HF_HUB_OFFLINE=1", online=True),
    # train-painter: refused before any file is written
    Case("train-painter --preset ../../x", train("--preset", "../../x"), "unknown preset '../../x'"),
    Case("train-painter with a 65-point brush", lambda t: train("--brush", str(brush_file(
        t, points("opaque", "pressure", SIXTY_FIVE))))(t), "at most 64 items"),
    Case("train-painter with a 1e9-dab brush", lambda t: train("--brush", str(brush_file(
        t, base("dabs_per_actual_radius", 1e9))))(t), "outside libmypaint's range"),
    Case("train-painter --arch-args hidden=200000", train("--preset", "pen", "--arch-args", '{"hidden": 200000}'),
         "arch_args.hidden: 200000 is above the maximum 4096"),
    Case("train-painter --samples 5000000 (20 GB of alphas)", train("--preset", "pen", "--samples", "5000000"),
         "GiB of memory, more than the 8 GiB limit"),
    Case("train-painter --eval-samples 1e9", train("--preset", "pen", "--eval-samples", "1000000000"),
         "--eval-samples must be a whole number of strokes in 1..20000"),
    # eval-painter
    Case("eval-painter --samples 1e9 (67 GiB)", lambda t: ["eval-painter", "pen", "--samples", "1000000000"],
         "--samples must be a whole number of strokes in 1..20000"),
    Case("eval-painter --worst -1", lambda t: ["eval-painter", "pen", "--samples", "8", "--worst", "-1"],
         "--worst must be 0 or more"),
    Case("eval-painter of a painter with hidden=200000", lambda t: [
        "eval-painter", f"local-dir:{painter_folder(t, config_set('arch_args.hidden', 200_000))}"],
        "arch_args.hidden: 200000 is above the maximum"),
    # paint --resume reads the stroke file before anything else
    Case("paint --resume with meta.plan of numbers", resume(lambda d: d["meta"].update(plan=[7])),
         "meta.plan[0]: expected a JSON object"),
    Case("paint --resume with meta.plan level 99", resume(lambda d: d["meta"].update(
        plan=[{"level": 99, "per_tile": 3}])), "meta.plan[0].level: 99 is above the maximum 8"),
    Case("paint --resume with meta.plan per_tile -3", resume(lambda d: d["meta"].update(
        plan=[{"level": 0, "per_tile": -3}])), "meta.plan[0].per_tile: -3 is below the minimum 1"),
    Case("paint --resume with meta.plan tiles outside the level", lambda t: [
        "paint", str(small_png(t)), "--resume", str(strokes_file(t, lambda d: d["meta"].update(
            plan=[{"level": 0, "per_tile": 3, "tiles": [5]}]))), "-o", str(t / "out"), "--quiet"],
         "bad tiles for level 0"),
    Case("paint --resume with meta.source a list", resume(lambda d: d["meta"].update(source=["a.png"])),
         "meta.source: expected a string"),
    Case("paint --resume of /dev/zero", lambda t: ["paint", "--resume", str(link(t, "zero.json", "/dev/zero")),
                                                   "-o", str(t / "out"), "--quiet"], "is not a regular file"),
    Case("paint a float TIFF holding NaN", lambda t: ["paint", str(nan_tiff(t)), "-o", str(t / "out"), "--steps", "1",
                                                      "--quiet"], "NaN or infinite values"),
    Case("paint with a painter of hidden=200000", lambda t: [
        "paint", str(nan_tiff(t)), "-o", str(t / "out"), "--painter",
        f"local-dir:{painter_folder(t, config_set('arch_args.hidden', 200_000))}", "--quiet"],
        "arch_args.hidden: 200000 is above the maximum"),
    # names longer than the file system allows (ENAMETOOLONG made Path.exists() raise)
    Case("brush path longer than the file system allows", lambda t: [
        "render", str(strokes_file(t)), "-o", str(t / "out.png"), "--brush", "b" * 300 + ".myb"], "does not exist"),
    Case("brush name longer than the file system allows", lambda t: [
        "render", str(strokes_file(t)), "-o", str(t / "out.png"), "--brush", "b" * 300], "unknown brush"),
    Case("painter name of 5000 characters", lambda t: ["painters", "info", "p" * 5000], "unknown painter"),
    Case("preset path longer than the file system allows", train("--preset", "p" * 300 + ".json"), "unknown preset"),
    Case("image name longer than the file system allows", lambda t: [
        "style", "i" * 300 + ".png", "-o", str(t / "out"), "--quiet"], "no such file"),
    # style reads its image before writing anything
    Case("style a float TIFF holding NaN", lambda t: ["style", str(nan_tiff(t)), "-o", str(t / "out"), "--quiet"],
         "NaN or infinite values"),
    Case("style a PNG claiming 30000x30000", lambda t: ["style", str(bomb_png(t)), "-o", str(t / "out"), "--quiet"],
         "100 MP limit"),
    Case("style /dev/zero", lambda t: ["style", "/dev/zero", "-o", str(t / "out"), "--quiet"], "not an image"),
]


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with a digest of its content (symlinks by target)."""
    state = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            state[key] = "-> " + str(path.readlink())
        elif path.is_dir():
            state[key] = "dir"
        else:
            state[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_one_line_and_writes_nothing(case, tmp_path, runner, monkeypatch, request, reliability_rows):
    if case.xfail:
        request.applymarker(pytest.mark.xfail(reason=case.xfail, strict=True))
    if case.online:
        from huggingface_hub import constants

        endpoint = f"http://127.0.0.1:{refused_port()}"
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setenv("HF_ENDPOINT", endpoint)
        monkeypatch.setattr(constants, "ENDPOINT", endpoint)
    work = tmp_path / "work"
    work.mkdir()
    argv = case.build(work)
    before = _snapshot(work)
    result = runner.invoke(app, argv)
    command = "brush " + " ".join(a if len(a) < 40 else a[:37] + "..." for a in
                                  (str(x).replace(str(work), ".") for x in argv))
    outcome = "fail"
    try:
        err = result.stderr.strip()
        assert result.exit_code == case.exit_code, (result.exit_code, result.stdout, err, result.exception)
        assert "Traceback" not in result.output and "Traceback" not in err
        assert len(err.splitlines()) == 1, err
        assert case.needle in err, err
        assert _snapshot(work) == before, "files were written or changed"
        outcome = "pass"
    finally:
        expected = f"exit {case.exit_code}, one line: \"{case.needle}\""
        reliability_rows.append((case.name, command, expected,
                                 outcome if not case.xfail else f"{outcome} (known: {case.xfail})"))
