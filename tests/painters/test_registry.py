"""The painter registry: name forms, bundled weights and their checksums, a sweep over every entry."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest
import torch

from brushcli import userdirs
from brushcli.cli import app
from brushcli.errors import PainterError
from brushcli.painters import registry
from brushcli.painters.config import PainterConfig
from brushcli.painters.folder import load_painter_folder, save_painter_folder, sha256_file
from brushcli.painters.painter import Painter
from brushcli.painters.registry import BundledPainter, create_painter, list_painters, resolve_painter_folder
from brushcli.presets import load_preset


def make_tiny(folder: Path, seed: int = 0, hidden: int = 8) -> Path:
    torch.manual_seed(seed)
    config = PainterConfig(name="tiny", preset=load_preset("pen"), arch="dabs",
                           arch_args={"dabs": 16, "knots": 4, "hidden": hidden})
    return save_painter_folder(Painter(config), folder)


def actions(n: int = 4) -> torch.Tensor:
    return torch.rand(n, 9, generator=torch.Generator().manual_seed(0))


@pytest.fixture
def tiny_folder(tmp_path) -> Path:
    return make_tiny(tmp_path / "tiny")


def fails(result, *needles) -> str:
    assert result.exit_code != 0, result.stdout
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err
    return err


def ok(result):
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def flip_byte(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    offset = len(data) - 5 if offset is None else offset
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


# -- names --------------------------------------------------------------------------------------


def test_unknown_name_lists_the_accepted_forms():
    with pytest.raises(PainterError) as info:
        create_painter("no-such-painter")
    message = str(info.value)
    assert "unknown painter 'no-such-painter'" in message
    for form in ["local-dir:PATH", "hf-hub:ORG/REPO[@REVISION]", *list_painters()]:
        assert form in message, message


def test_near_misses_get_hints(tiny_folder):
    with pytest.raises(PainterError, match="did you mean pen"):
        create_painter("pne")
    for empty in ["", "   "]:
        with pytest.raises(PainterError, match="empty painter name"):
            create_painter(empty)
    with pytest.raises(PainterError, match="does not exist"):
        create_painter(f"local-dir:{tiny_folder.parent / 'missing'}")


# -- folders: PATH, ./NAME, a NAME here, a NAME in your painters folder --------------------------


def test_a_plain_folder_path_loads(tiny_folder, monkeypatch):
    expected = load_painter_folder(tiny_folder)(actions())
    for text in [str(tiny_folder), f"{tiny_folder}/", f"local-dir:{tiny_folder}"]:
        assert torch.equal(create_painter(text)(actions()), expected), text
    monkeypatch.chdir(tiny_folder.parent)
    for text in ["./tiny", "tiny", "local-dir:tiny", f"../{tiny_folder.parent.name}/tiny"]:
        assert create_painter(text).config.name == "tiny", text
    monkeypatch.setenv("HOME", str(tiny_folder.parent))
    assert create_painter("~/tiny").config.name == "tiny"


def test_missing_folders_and_files_say_so(tiny_folder):
    with pytest.raises(PainterError, match=r"painter folder .*missing does not exist$"):
        create_painter(str(tiny_folder.parent / "missing"))
    with pytest.raises(PainterError, match="is not a folder"):
        create_painter(str(tiny_folder / "config.json"))
    with pytest.raises(PainterError, match="to download it from the Hugging Face Hub use hf-hub:someone/charcoal"):
        create_painter("someone/charcoal")
    empty = tiny_folder.parent / "empty"
    empty.mkdir()
    with pytest.raises(PainterError, match="a painter folder needs config.json"):
        create_painter(str(empty))


def test_a_bundled_name_wins_over_a_folder_here_and_dot_slash_loads_the_folder(tmp_path, monkeypatch):
    make_tiny(tmp_path / "pen")
    monkeypatch.chdir(tmp_path)
    assert create_painter("pen").config.name == "pen"  # the bundled pen, not ./pen
    assert create_painter("./pen").config.name == "tiny"
    assert resolve_painter_folder("pen")[1] == registry.BUNDLED["pen"].sha256


def test_your_painters_folder_is_found_by_bare_name_before_the_current_directory(tmp_path, monkeypatch):
    mine = userdirs.painters_dir()
    assert str(mine).startswith(os.environ["XDG_DATA_HOME"])  # conftest isolates it
    make_tiny(mine / "charcoal-mine", hidden=8)
    here = tmp_path / "here"
    make_tiny(here / "charcoal-mine", hidden=16)
    monkeypatch.chdir(here)
    folder, sha = resolve_painter_folder("charcoal-mine")
    assert folder == mine / "charcoal-mine" and sha is None
    assert create_painter("./charcoal-mine").net.stroke_head[0].out_features == 16
    with pytest.raises(PainterError, match="did you mean charcoal-mine"):
        create_painter("charcoal-min")


def test_painter_reference_is_what_loads_the_folder(tmp_path, monkeypatch):
    """The inverse of the rule: the text the model card and train-painter print loads that very folder."""
    mine = userdirs.painters_dir()
    monkeypatch.chdir(tmp_path)
    cases = {
        make_tiny(tmp_path / "here"): "./here",
        make_tiny(tmp_path / "sub" / "deep"): None,
        make_tiny(tmp_path / "with space"): None,
        make_tiny(mine / "mine"): "mine",
        make_tiny(mine / "pen"): None,  # shadowed by the bundled pen: named by its path
    }
    for folder, expected in cases.items():
        relative = folder.relative_to(tmp_path) if folder.is_relative_to(tmp_path) else folder
        reference = registry.painter_reference(relative)
        if expected is not None:
            assert reference == expected
        (text,) = shlex.split(reference)
        assert resolve_painter_folder(text)[0].resolve() == folder.resolve(), reference
    assert registry.painter_reference(registry.weights_dir() / "pen") == "pen"
    assert registry.painter_reference(tmp_path / "x", hub_id="org/x") == "hf-hub:org/x"


def test_local_dir_loads_a_saved_folder(tiny_folder):
    painter = create_painter(f"local-dir:{tiny_folder}")
    assert painter.config.name == "tiny" and not painter.training
    assert all(not p.requires_grad for p in painter.parameters())
    same = load_painter_folder(tiny_folder)
    x = torch.rand(4, 9, generator=torch.Generator().manual_seed(0))
    assert torch.equal(painter(x), same(x))
    folder, sha = resolve_painter_folder(f"local-dir:{tiny_folder}")
    assert folder == tiny_folder and sha is None


# -- bundled weights: checksums and architecture -----------------------------------------------


@pytest.fixture
def bundled_tiny(tiny_folder, monkeypatch) -> Path:
    """Register the tiny folder as a bundled painter "tiny" in a temporary weights directory."""
    monkeypatch.setattr(registry, "weights_dir", lambda: tiny_folder.parent)
    entry = BundledPainter(name="tiny", folder=tiny_folder.name,
                           sha256=sha256_file(tiny_folder / "model.safetensors"), description="test painter")
    monkeypatch.setattr(registry, "BUNDLED", {**registry.BUNDLED, "tiny": entry})
    return tiny_folder


def test_tampered_bundled_weights_are_refused(bundled_tiny, runner):
    assert create_painter("tiny").config.name == "tiny"
    flip_byte(bundled_tiny / "model.safetensors")  # a weight value, so safetensors alone would not notice
    with pytest.raises(PainterError, match="sha256 .* does not match the registry"):
        create_painter("tiny")
    fails(runner.invoke(app, ["painters", "info", "tiny"]), "sha256", "reinstall brush")


def test_weights_that_do_not_fit_the_architecture(tiny_folder, tmp_path):
    wide = make_tiny(tmp_path / "wide", hidden=16)
    (tiny_folder / "model.safetensors").write_bytes((wide / "model.safetensors").read_bytes())
    with pytest.raises(PainterError, match="safetensors: weights do not fit architecture 'dabs'") as info:
        create_painter(f"local-dir:{tiny_folder}")
    assert "\n" not in str(info.value)
    # missing tensors are refused too (strict loading), with one line
    from safetensors.torch import load_file, save_file

    state = load_file(str(wide / "model.safetensors"))
    partial = {k: v for k, v in state.items() if not k.startswith("stroke_head")}
    save_file(partial, str(tiny_folder / "model.safetensors"))
    with pytest.raises(PainterError, match="do not fit architecture") as info:
        create_painter(f"local-dir:{tiny_folder}")
    assert "\n" not in str(info.value)


# -- the sweep ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(registry.BUNDLED))
def test_every_bundled_painter(name):
    entry = registry.BUNDLED[name]
    folder = registry.weights_dir() / entry.folder
    assert sha256_file(folder / "model.safetensors") == entry.sha256
    painter = create_painter(name)
    cfg = painter.config
    assert cfg.canvas == 64 and (folder / "README.md").is_file()
    actions = torch.rand(5, 9, generator=torch.Generator().manual_seed(0)).requires_grad_(True)
    alpha = painter(actions)
    assert alpha.shape == (5, 64, 64)
    assert alpha.dtype == torch.float32
    assert torch.isfinite(alpha).all()
    assert alpha.min() >= 0 and alpha.max() <= 1
    assert alpha.max() > 0.05  # strokes are drawn, not a blank canvas
    (alpha * torch.rand_like(alpha)).sum().backward()
    assert actions.grad is not None and torch.isfinite(actions.grad).all()
    assert (actions.grad.abs().sum(dim=0) > 0).all(), "every action component must steer the stroke"
    assert all(p.grad is None for p in painter.parameters())  # the painter's own weights are frozen


def test_the_zoo_is_registered():
    assert {"pen", "dry-brush", "charcoal", "calligraphy", "glaze"} <= set(registry.BUNDLED)
    assert registry.DEFAULT_PAINTER in registry.BUNDLED


# -- CLI ----------------------------------------------------------------------------------------


def test_painters_list_and_info(runner):
    result = ok(runner.invoke(app, ["painters", "list"], env={"COLUMNS": "200"}))
    for name, entry in registry.BUNDLED.items():
        assert name in result.stdout
        config = PainterConfig.load(registry.weights_dir() / entry.folder / "config.json")
        assert config.preset.brush in result.stdout
    assert "pen (default)" in result.stdout
    result = ok(runner.invoke(app, ["painters", "info", "pen"], env={"COLUMNS": "200"}))
    assert registry.BUNDLED["pen"].sha256 in result.stdout
    assert "classic/pen" in result.stdout


def test_bad_painter_inputs_each_one_line(runner, tiny_folder, tmp_path):
    fails(runner.invoke(app, ["painters", "info", "no-such-painter"]), "unknown painter 'no-such-painter'",
          "local-dir:PATH")
    corrupt = make_tiny(tmp_path / "corrupt")
    (corrupt / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{\"broken\": tru")
    fails(runner.invoke(app, ["painters", "info", f"local-dir:{corrupt}"]), "not a valid safetensors file")
    future = make_tiny(tmp_path / "future")
    doc = json.loads((future / "config.json").read_text())
    doc["version"] = 99
    (future / "config.json").write_text(json.dumps(doc))
    fails(runner.invoke(app, ["painters", "info", f"local-dir:{future}"]), "version 99",
          "newer than this brush understands")
    notjson = make_tiny(tmp_path / "notjson")
    (notjson / "config.json").write_text("{ nope")
    fails(runner.invoke(app, ["painters", "info", f"local-dir:{notjson}"]), "config.json: not valid JSON")
    noweights = make_tiny(tmp_path / "noweights")
    (noweights / "model.safetensors").unlink()
    fails(runner.invoke(app, ["painters", "info", f"local-dir:{noweights}"]), "model.safetensors")
    out = tmp_path / "X"
    fails(runner.invoke(app, ["train-painter", "--preset", "pen", "--samples", "0", "--out", str(out),
                              "--quiet"]), "--samples must be a positive number")
    assert not out.exists()


def test_train_painter_zero_samples_is_one_line_with_progress_bars(runner, tmp_path):
    out = tmp_path / "X"
    fails(runner.invoke(app, ["train-painter", "--preset", "pen", "--samples", "0", "--out", str(out)]),
          "--samples must be a positive number")
    assert not out.exists()
