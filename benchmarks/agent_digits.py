"""Painting agents on held-out digits: quality vs training steps, and against per-image optimisation.

Run after training (the snapshots come from ``brush train-agent ... --snapshot-every N``):
    python benchmarks/agent_digits.py --run /work/agent_train/digits \
        [--compare /work/agent_train/digits-noprecond] [--optimise 20] [--figures docs/gallery/agents]
For every snapshot (and the final agent) it reports the mean MSE against the held-out targets of the
neural render and of the real MyPaint replay (64 px, the agent's canvas), and the neural/MyPaint gap.
It then paints the first ``--optimise`` held-out digits by per-image optimisation with the same stroke
count (``brushcli.apps.paint.paint`` with ``PaintSettings(strokes=15, size=64)``) and compares
quality and seconds per image. Figures: samples per class and stroke order per class (preconditioned
vs not, and the hand-made examples).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path

import brushcli  # noqa: F401  (first: brush's OpenMP setting, as users get it)
import numpy as np  # noqa: E402
import torch  # noqa: E402

from brushcli.agents.config import AgentConfig  # noqa: E402
from brushcli.agents.data import load_dataset, split  # noqa: E402
from brushcli.agents.examples import load_examples  # noqa: E402
from brushcli.agents.figures import colorbar, stroke_order, tile, to_rgb  # noqa: E402
from brushcli.agents.inference import read_safetensors, rollout_to_strokes, run_agent  # noqa: E402
from brushcli.agents.policy import PaintingAgent  # noqa: E402
from brushcli.files import write_png  # noqa: E402
from brushcli.apps.paint import PaintSettings, paint  # noqa: E402
from brushcli.painters.registry import create_painter  # noqa: E402
from brushcli.outputs.replay import replay  # noqa: E402


def load_run_agent(run: Path, weights: Path | None = None) -> PaintingAgent:
    config = AgentConfig.load(run / "config.json")
    agent = PaintingAgent(config)
    agent.load_state_dict(read_safetensors(weights or run / "model.safetensors"))
    return agent.eval().requires_grad_(False)


def held_out(config: AgentConfig):
    data = load_dataset(config.dataset, channels=config.channels)
    _, held = split(data, int(config.training.get("holdout_images", 200)), seed=0)
    return held


def evaluate(agent: PaintingAgent, painter, targets: torch.Tensor) -> dict:
    """Mean MSE of neural render and MyPaint replay vs targets (all 64 px, RGB)."""
    started = time.perf_counter()
    rollout = run_agent(agent, painter, targets)
    batch_seconds = (time.perf_counter() - started) / len(targets)
    neural = to_rgb(rollout.canvas)
    truth = to_rgb(targets)
    real = []
    for i in range(len(targets)):
        strokes = rollout_to_strokes(agent, painter, rollout.actions[i].numpy(), rollout.colors[i].numpy(), 64)
        real.append(replay(strokes).image)
    real = np.stack(real)
    return {
        "mse_neural": float(np.mean((neural - truth) ** 2)),
        "mse_mypaint": float(np.mean((real - truth) ** 2)),
        "gap_mse": float(np.mean((real - neural) ** 2)),
        "seconds_per_image_batched": batch_seconds,
        "neural": neural, "mypaint": real, "actions": rollout.actions,
    }


def curve(run: Path, final: PaintingAgent, painter, targets: torch.Tensor) -> tuple[list[dict], dict]:
    """Held-out MSE of every weight snapshot of a run and of its final agent (returned in full)."""
    rows = []
    total = int(final.config.training.get("steps_done") or _last_logged_step(run)
                or final.config.training["settings"]["steps"])
    pre = int(final.config.training["settings"].get("precondition_steps", 0)) if final.config.precondition else 0
    for path in sorted((run / "snapshots").glob("step_*.safetensors")):
        step = int(re.findall(r"\d+", path.stem)[0])
        if step >= total:
            continue
        res = evaluate(load_run_agent(run, path), painter, targets)
        rows.append({"step": step, "phase": "precondition" if step <= pre else "adversarial",
                     **{k: res[k] for k in ("mse_neural", "mse_mypaint", "gap_mse")}})
        print(run.name, rows[-1], flush=True)
    result = evaluate(final, painter, targets)
    rows.append({"step": total, "phase": "final", **{k: result[k] for k in ("mse_neural", "mse_mypaint", "gap_mse")}})
    print(run.name, rows[-1], flush=True)
    return rows, result


def single_image_seconds(agent: PaintingAgent, painter, targets: torch.Tensor, repeats: int = 20) -> float:
    times = []
    for i in range(repeats):
        started = time.perf_counter()
        run_agent(agent, painter, targets[i % len(targets):i % len(targets) + 1])
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def optimise(painter, targets: torch.Tensor, strokes: int) -> dict:
    neural, real, seconds = [], [], []
    for image in to_rgb(targets):
        result = paint(image, painter, PaintSettings(strokes=strokes, size=64, seed=0))
        neural.append(result.neural)
        real.append(result.mypaint().image)
        seconds.append(result.seconds)
    truth = to_rgb(targets)
    neural, real = np.stack(neural), np.stack(real)
    return {"mse_neural": float(np.mean((neural - truth) ** 2)), "mse_mypaint": float(np.mean((real - truth) ** 2)),
            "gap_mse": float(np.mean((real - neural) ** 2)), "seconds_per_image": statistics.median(seconds),
            "neural": neural, "mypaint": real, "steps": result.steps}


def one_per_class(held) -> list[int]:
    labels = held.labels.tolist()
    return [labels.index(c) for c in range(10) if c in labels]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path, required=True, help="training output folder (preconditioned agent)")
    ap.add_argument("--compare", type=Path, help="a second run without preconditioning, for the stroke-order figure")
    ap.add_argument("--optimise", type=int, default=20, help="held-out digits painted by per-image optimisation")
    ap.add_argument("--figures", type=Path, default=Path("docs/gallery/agents"))
    ap.add_argument("--json", type=Path, default=Path("docs/gallery/agents/results.json"))
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    final = load_run_agent(args.run)
    painter = create_painter(final.config.painter)
    held = held_out(final.config)
    targets = held.floats()
    white = float(np.mean((1.0 - to_rgb(targets)) ** 2))
    print(f"{len(held)} held-out digits; blank white canvas MSE {white:.4f}")

    rows, result = curve(args.run, final, painter, targets)
    other_rows, other = curve(args.compare, load_run_agent(args.compare), painter, targets) if args.compare else ([], None)
    single = single_image_seconds(final, painter, targets)

    k = min(args.optimise, len(held))
    opt = optimise(painter, targets[:k], final.config.strokes) if k else None
    truth = to_rgb(targets[:k])
    sub = {"mse_neural": float(np.mean((result["neural"][:k] - truth) ** 2)),
           "mse_mypaint": float(np.mean((result["mypaint"][:k] - truth) ** 2))}
    other_sub = {"mse_neural": float(np.mean((other["neural"][:k] - truth) ** 2)),
                 "mse_mypaint": float(np.mean((other["mypaint"][:k] - truth) ** 2))} if other else None

    report = {
        "holdout": len(held), "blank_mse": white, "strokes": final.config.strokes, "painter": final.config.painter,
        "training_seconds": final.config.training.get("seconds"), "steps": rows,
        "compare_steps": other_rows,
        "agent": {"seconds_per_image_single": single, "seconds_per_image_batched": result["seconds_per_image_batched"],
                  "subset": sub, "compare_subset": other_sub, "subset_blank_mse": float(np.mean((1 - truth) ** 2))},
        "optimisation": {k2: v for k2, v in opt.items() if k2 not in ("neural", "mypaint")} if opt else None,
        "optimised_images": k,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1))

    for title, table in ((args.run.name, rows), (args.compare.name if args.compare else "", other_rows)):
        if not table:
            continue
        print(f"\n{title}\n| training step | phase | MSE neural | MSE MyPaint | gap neural-MyPaint |")
        print("|---:|---|---:|---:|---:|")
        for r in table:
            print(f"| {r['step']} | {r['phase']} | {r['mse_neural']:.4f} | {r['mse_mypaint']:.4f} | {r['gap_mse']:.4f} |")
    if opt:
        print(f"\nOn the first {k} held-out digits, {final.config.strokes} strokes:")
        print("| method | MSE neural | MSE MyPaint | seconds / image |")
        print("|---|---:|---:|---:|")
        print(f"| blank white canvas | {float(np.mean((1 - truth) ** 2)):.4f} | | |")
        print(f"| agent (one forward pass) | {sub['mse_neural']:.4f} | {sub['mse_mypaint']:.4f} | {single:.3f} |")
        if other_sub:
            print(f"| agent without preconditioning | {other_sub['mse_neural']:.4f} | {other_sub['mse_mypaint']:.4f} | "
                  f"{single:.3f} |")
        print(f"| per-image optimisation ({opt['steps']} steps) | {opt['mse_neural']:.4f} | {opt['mse_mypaint']:.4f} | "
              f"{opt['seconds_per_image']:.2f} |")

    # Figures ----------------------------------------------------------------------------------
    args.figures.mkdir(parents=True, exist_ok=True)
    pick = one_per_class(held) if held.labels is not None else list(range(10))
    panels = [to_rgb(targets[pick]), result["neural"][pick], result["mypaint"][pick]]
    if opt:
        inside = [i for i in pick if i < k]
        if len(inside) == len(pick):
            panels.append(opt["mypaint"][pick])
    write_png(args.figures / "samples.png", _upscale(tile(panels), 2))

    examples = load_examples(final.config.precondition or "digits")
    ex_actions, _ = examples.actions(painter.preset, final.config.strokes, 1)
    order_rows = [np.stack([stroke_order(painter, ex_actions[c]) for c in range(len(ex_actions))])]
    labels = ["hand-made examples"]
    order_rows.append(np.stack([stroke_order(painter, result["actions"][i]) for i in pick]))
    labels.append("preconditioned agent")
    if args.compare is not None:
        order_rows.append(np.stack([stroke_order(painter, other["actions"][i]) for i in pick]))
        labels.append("agent without preconditioning")
    grid = tile([to_rgb(targets[pick]).repeat(2, 1).repeat(2, 2)] + order_rows)
    bar = colorbar(grid.shape[1], 10, final.config.strokes)
    figure = np.concatenate([grid, np.ones((6, grid.shape[1], 3)), bar])
    write_png(args.figures / "stroke_order.png",
              labelled(figure, ["held-out target", *labels], f"stroke order: 1 ... {final.config.strokes}"))
    print(f"\nwrote {args.figures}/samples.png and stroke_order.png (rows: targets, {', '.join(labels)})")


def labelled(image: np.ndarray, rows: list[str], bar: str, margin: int = 200) -> np.ndarray:
    """Label each 128-px row (2-px gaps) of ``image`` on the left, and the color bar under them."""
    from PIL import Image, ImageDraw

    from brushcli.files import to_uint8

    h, w = image.shape[:2]
    canvas = Image.new("RGB", (w + margin, h), "white")
    canvas.paste(Image.fromarray(to_uint8(image)), (margin, 0))
    draw = ImageDraw.Draw(canvas)
    for i, text in enumerate(rows):
        draw.text((6, i * 130 + 58), text, fill=(0, 0, 0))
    draw.text((6, h - 12), bar, fill=(0, 0, 0))
    return np.asarray(canvas, dtype=np.float32) / 255.0


def _last_logged_step(run: Path) -> int | None:
    """The last step in log.csv (runs stopped early record fewer steps than --steps)."""
    import csv

    try:
        rows = list(csv.DictReader(open(run / "log.csv")))
    except OSError:
        return None
    return int(rows[-1]["step"]) if rows else None


def _upscale(img: np.ndarray, s: int) -> np.ndarray:
    return np.repeat(np.repeat(img, s, axis=0), s, axis=1)


if __name__ == "__main__":
    main()
