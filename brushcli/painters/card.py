"""The model card (README.md) written into every painter folder, with Hugging Face Hub metadata.

The card is built with huggingface_hub's ``ModelCard`` / ``ModelCardData``, so its YAML header is what
the Hub indexes: ``library_name: brushcli``, tags, the imitated MyPaint brush and the fidelity as a
``model-index`` (alpha MAE and footprint IoU on held-out real-MyPaint strokes) plus the same numbers
under a plain ``brushcli`` mapping. ``ModelCard.load`` reads it all back. The usage lines name the
painter as ``--painter`` finds it where it was written (the caller passes ``registry.painter_reference``)
and are re-pointed when the folder is published (:func:`refresh_card`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from brushcli.painters.config import PainterConfig

LIBRARY = "brushcli"
TAGS = ["brushcli", "neural-painter", "mypaint", "stroke-rendering"]
TASK = ("stroke-rendering", "Stroke rendering (stroke action to 64x64 alpha)")
#: The held-out set of ``brush eval-painter`` (seed 12345), named as the model-index dataset.
DATASET_TYPE = "mypaint-heldout-strokes"


def card_metadata(config: PainterConfig) -> dict[str, Any]:
    """The card's YAML header as a plain dict (what ``ModelCardData.to_dict`` gives)."""
    return _card_data(config).to_dict()


def model_card(config: PainterConfig, grid: str | None = None, reference: str | None = None) -> str:
    """The README.md of a painter folder: Hub metadata header and a page saying what the painter is.

    ``reference`` is the ``--painter`` text that loads it (``registry.painter_reference`` of the folder
    it is written to); without it: ``hf-hub:`` and its Hub id, else its name.
    """
    from huggingface_hub import ModelCard

    reference = reference or (f"hf-hub:{config.hub_id}" if config.hub_id else config.name)
    header = _card_data(config).to_yaml()
    return str(ModelCard(f"---\n{header}\n---\n\n{_body(config, reference, grid)}"))


def refresh_card(text: str, config: PainterConfig, reference: str) -> str:
    """An existing card with brush's metadata (re)written from ``config`` and its usage lines pointed at
    ``reference``; everything else (hand-written sections, other metadata keys) is kept."""
    from huggingface_hub import ModelCard

    data, body = {}, text
    if text.startswith("---"):
        try:
            card = ModelCard(text, ignore_metadata_errors=True)
            data, body = card.data.to_dict(), card.text
        except ValueError:  # a header that is not YAML at all: keep the text, write a fresh header
            pass
    data.update(card_metadata(config))
    from huggingface_hub import ModelCardData

    header = ModelCardData(**data).to_yaml()
    return str(ModelCard(f"---\n{header}\n---\n{point_usage(body, reference)}"))


def point_usage(text: str, reference: str) -> str:
    """Usage lines (``brush paint ... --painter X``, ``brush eval-painter X``) re-pointed at ``reference``."""
    text = re.sub(r"^(brush (?:paint|style|dream|train-agent)\b.*?--painter )\S+", lambda m: m.group(1) + reference,
                  text, flags=re.MULTILINE)
    return re.sub(r"^(brush eval-painter )\S+", lambda m: m.group(1) + reference, text, flags=re.MULTILINE)


def _card_data(config: PainterConfig):  # -> huggingface_hub.ModelCardData
    from huggingface_hub import EvalResult, ModelCardData

    p, m = config.preset, config.metrics
    dataset = f"{m.get('samples', 'held-out')} held-out {p.brush} strokes rendered by libmypaint"
    results = []
    for key, metric, name in (("alpha_mae", "mae", "alpha MAE"), ("iou", "iou", "footprint IoU (alpha > 0.1)")):
        if isinstance(m.get(key), (int, float)):
            results.append(EvalResult(
                task_type=TASK[0], task_name=TASK[1], dataset_type=DATASET_TYPE, dataset_name=dataset,
                dataset_split="test", metric_type=metric, metric_name=name, metric_value=round(float(m[key]), 4),
            ))
    brush_slug = re.sub(r"[^a-z0-9]+", "-", Path(p.brush).stem.lower() if p.brush.endswith(".myb")
                        else p.brush.lower()).strip("-")
    plain = {"brush": p.brush, "preset": p.name, "arch": config.arch, "method": config.method,
             "canvas": config.canvas}
    plain.update({k: round(float(v), 4) if isinstance(v, float) else v for k, v in m.items()
                  if k in ("samples", "alpha_mae", "alpha_mae_median", "iou", "iou_median")})
    return ModelCardData(
        library_name=LIBRARY, license="mit", tags=[*TAGS, f"mypaint-{brush_slug}"],
        model_name=config.name, eval_results=results or None, brushcli=plain,
    )


def _body(config: PainterConfig, reference: str, grid: str | None) -> str:
    p, m, t = config.preset, config.metrics, config.training
    lines = [
        f"# brush painter: {config.name}",
        "",
        f"A neural painter for brush (Python package `brushcli`) imitating the MyPaint brush "
        f"`{p.brush}`: stroke action in, {config.canvas}x{config.canvas} stroke alpha out.",
        "Color is composited analytically (`canvas * (1 - alpha) + color * alpha`), exactly as MyPaint does",
        "for this brush, so the painter only has to learn the stroke's shape and opacity.",
        "",
        "## Use",
        "",
        "```",
        f"brush paint photo.jpg --painter {reference}",
        f"brush eval-painter {reference} --samples 2000",
        "```",
        "",
        "## Action ranges (preset)",
        "",
        f"- preset: `{p.name}`; brush: `{p.brush}`",
        f"- radius: {p.size[0]:g}..{p.size[1]:g} of the canvas's long side; pressure {p.pressure[0]:g}..{p.pressure[1]:g}",
        f"- engine sampling: {p.sampling.steps} events, dtime {p.sampling.dtime:g} s",
        "",
        "## Model",
        "",
        f"- architecture `{config.arch}` {config.arch_args or ''}, trained by `{config.method}`",
        "",
        "## Fidelity (held-out actions, real MyPaint vs painter)",
        "",
    ]
    if m:
        lines += [
            f"- strokes: {m.get('samples')}",
            f"- alpha mean absolute error: {m.get('alpha_mae', float('nan')):.4f} (median {m.get('alpha_mae_median', float('nan')):.4f})",
            f"- footprint IoU (alpha > 0.1): {m.get('iou', float('nan')):.3f} (median {m.get('iou_median', float('nan')):.3f})",
        ]
        if "strokes_per_second" in m:
            lines.append(f"- forward+backward speed, batch 1024, CPU: {m['strokes_per_second']:.0f} strokes/s")
    if grid:
        lines += ["", f"![MyPaint | neural | difference]({grid})", "",
                  "Each triplet: real MyPaint stroke | painter | absolute difference."]
    lines += ["", "## Reproduce", ""]
    if t.get("command"):
        lines += ["```", t["command"], "```", ""]
    if t:
        lines.append(f"Training: {t.get('samples')} strokes, {t.get('steps')} steps, batch {t.get('batch')}, "
                     f"lr {t.get('lr')}, seed {t.get('seed')}, {t.get('seconds')} s on the training machine.")
    for note in config.training.get("notes", []):
        lines += ["", note]
    return "\n".join(lines) + "\n"
