"""Model cards: Hub metadata written with huggingface_hub and read back by ``ModelCard.load``, and usage
lines that are commands which work."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import torch
from huggingface_hub import ModelCard

from brushcli import userdirs
from brushcli.painters import registry
from brushcli.painters.card import model_card, refresh_card
from brushcli.painters.config import PainterConfig
from brushcli.painters.pipeline import train_painter
from brushcli.painters.registry import create_painter
from brushcli.painters.train import TrainSettings
from brushcli.presets import load_preset

METRICS = {"samples": 2000, "alpha_mae": 0.012345, "alpha_mae_median": 0.01, "iou": 0.93456, "iou_median": 0.95}


def config(**changes) -> PainterConfig:
    return PainterConfig(name="charcoal", preset=load_preset("dry-brush"), metrics=dict(METRICS), **changes)


def usage_references(text: str) -> list[str]:
    """The ``--painter`` argument of each usage line (``brush paint ... --painter X``, ``brush eval-painter X``)."""
    found = []
    for line in text.splitlines():
        words = shlex.split(line) if line.startswith("brush ") else []
        if words[:2] == ["brush", "eval-painter"]:
            found.append(words[2])
        elif "--painter" in words:
            found.append(words[words.index("--painter") + 1])
    return found


def test_card_metadata_round_trips_through_model_card_load(tmp_path):
    path = tmp_path / "README.md"
    path.write_text(model_card(config(), "samples.png", "./charcoal"))
    card = ModelCard.load(path)
    data = card.data
    assert data.library_name == "brushcli" and data.license == "mit" and data.model_name == "charcoal"
    assert {"brushcli", "neural-painter", "mypaint", "mypaint-classic-dry-brush"} <= set(data.tags)
    plain = data.to_dict()["brushcli"]
    assert plain["brush"] == "classic/dry_brush" and plain["preset"] == "dry-brush"
    assert plain["alpha_mae"] == 0.0123 and plain["iou"] == 0.9346 and plain["samples"] == 2000
    results = {r.metric_type: r for r in data.eval_results}
    assert results["mae"].metric_value == 0.0123 and results["iou"].metric_value == 0.9346
    assert {r.task_type for r in data.eval_results} == {"stroke-rendering"}
    assert all("2000 held-out classic/dry_brush strokes" in r.dataset_name for r in data.eval_results)
    assert usage_references(card.text) == ["./charcoal", "./charcoal"]
    assert "![MyPaint | neural | difference](samples.png)" in card.text


def test_a_card_without_metrics_has_no_model_index():
    card = ModelCard(model_card(PainterConfig(name="new", preset=load_preset("pen"))))
    assert card.data.library_name == "brushcli" and not card.data.eval_results
    assert usage_references(card.text) == ["new", "new"]
    assert usage_references(model_card(config(hub_id="org/charcoal"))) == ["hf-hub:org/charcoal"] * 2


def test_refresh_keeps_hand_written_text_and_repoints_usage():
    original = model_card(config(), "samples.png", "./charcoal") + "\n## Why it is soft\n\nHand-written.\n"
    published = refresh_card(original, config(hub_id="org/charcoal"), "hf-hub:org/charcoal")
    assert usage_references(published) == ["hf-hub:org/charcoal"] * 2
    assert "## Why it is soft\n\nHand-written." in published
    assert refresh_card(published, config(hub_id="org/charcoal"), "hf-hub:org/charcoal") == published
    # a card written before cards had metadata gets it; other metadata keys are kept
    old = "# brush painter: charcoal\n\n```\nbrush paint photo.jpg --painter charcoal\n```\n"
    card = ModelCard(refresh_card(old, config(), "./x"))
    assert card.data.library_name == "brushcli" and usage_references(card.text) == ["./x"]
    custom = refresh_card("---\nlicense: cc0-1.0\nlanguage: en\n---\n" + old, config(), "./x")
    assert ModelCard(custom).data.language == "en"


def test_train_painter_card_names_the_folder_as_it_loads(tmp_path, monkeypatch):
    """The issue: the card said --painter charcoal, which failed. Now its usage lines are commands that work."""
    monkeypatch.chdir(tmp_path)
    settings = TrainSettings(steps=5, batch=16)
    for out, expected in [(Path("mine"), "./mine"), (userdirs.painters_dir() / "ink-mine", "ink-mine")]:
        report = train_painter(preset="pen", out=out, samples=64, settings=settings, eval_samples=16, workers=1,
                               arch_args={"dabs": 16, "knots": 4, "hidden": 8}, name="charcoal")
        card = ModelCard.load(report.folder / "README.md")
        assert usage_references(card.text) == [expected, expected]
        assert card.data.to_dict()["brushcli"]["samples"] == 16
        painter = create_painter(expected)
        assert torch.isfinite(painter(torch.rand(2, 9))).all()


@pytest.mark.parametrize("name", sorted(registry.BUNDLED))
def test_every_bundled_card_has_hub_metadata_and_working_usage(name):
    folder = registry.weights_dir() / registry.BUNDLED[name].folder
    card = ModelCard.load(folder / "README.md")
    cfg = PainterConfig.load(folder / "config.json")
    assert card.data.library_name == "brushcli" and card.data.model_name == cfg.name
    assert card.data.to_dict()["brushcli"]["brush"] == cfg.preset.brush
    assert {r.metric_type: r.metric_value for r in card.data.eval_results} == {
        "mae": round(cfg.metrics["alpha_mae"], 4), "iou": round(cfg.metrics["iou"], 4)}
    references = usage_references(card.text)
    assert references and set(references) == {name}
    assert re.search(r"^brush train-painter .*--out weights/" + re.escape(registry.BUNDLED[name].folder) + "$",
                     card.text, flags=re.MULTILINE)
