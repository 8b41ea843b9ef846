"""The model card (README.md) written into every painter folder."""

from __future__ import annotations

from brushcli.painters.config import PainterConfig


def model_card(config: PainterConfig, grid: str | None = None) -> str:
    p, m, t = config.preset, config.metrics, config.training
    lines = [
        f"# brush painter: {config.name}",
        "",
        f"A neural painter imitating the MyPaint brush `{p.brush}`: stroke action in, 64x64 stroke alpha out.",
        "Color is composited analytically (`canvas * (1 - alpha) + color * alpha`), exactly as MyPaint does",
        "for this brush, so the painter only has to learn the stroke's shape and opacity.",
        "",
        "## Use",
        "",
        "```",
        f"brush paint photo.jpg --painter {config.hub_id and 'hf-hub:' + config.hub_id or config.name}",
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
