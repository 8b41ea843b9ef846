#!/usr/bin/env bash
# Every measurement of issue 18 (fast on real machines), each run only when the machine is quiet.
#
#   bash benchmarks/issue18.sh [RESULTS_DIR] [BASE_COMMIT]
#
# RESULTS_DIR (default /tmp/brush-issue18) gets one .md table per measurement and conditions.log
# (load and other processes' CPU during each run, from benchmarks/quietly.py). BASE_COMMIT (default
# 537670a, the commit before issue 18) is exported to RESULTS_DIR/base for the before/after rows.
# Each step takes the shared lock /tmp/brush-cpu.lock and waits until nothing else runs. About
# 1.5 hours of quiet machine on 2 cores; steps already done (their .md exists) are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=${1:-/tmp/brush-issue18}
BASE=${2:-537670a}
PY=${PYTHON:-$ROOT/.venv/bin/python}
[ -x "$PY" ] || PY=python3
mkdir -p "$OUT"
if [ ! -d "$OUT/base" ]; then
  mkdir -p "$OUT/base"
  git archive "$BASE" | tar -x -C "$OUT/base"
fi
export PYTHONPATH=$ROOT

step() {  # step NAME CMD...: run CMD quietly into OUT/NAME.md unless it is there
  local name=$1; shift
  [ -s "$OUT/$name.md" ] && { echo "[issue18] $name: done before" >&2; return; }
  echo "[issue18] $name: $*" >&2
  "$PY" "$ROOT/benchmarks/quietly.py" --log "$OUT/conditions.log" -- "$@" > "$OUT/$name.md.partial" 2>> "$OUT/$name.err"
  mv "$OUT/$name.md.partial" "$OUT/$name.md"
}

PHOTO=docs/examples/astronaut.jpg
# 1. Threads: where a second thread starts to pay (WORK_PER_THREAD), and spinning bounded or not.
step threads-small "$PY" benchmarks/threads.py --configs 50@512,200@512 --threads 1,2 --repeats 3
step threads-big "$PY" benchmarks/threads.py --configs 500@512,1000@512 --threads 1,2 --repeats 2
step spin-default "$PY" benchmarks/threads.py --configs 50@512,1000@512 --threads 2 --repeats 3 --env GOMP_SPINCOUNT=300000
# 2. A shared CPU: alone, two at once, beside a busy loop; before and after issue 18.
step contention-before "$PY" benchmarks/contention.py --code "$OUT/base" --repeats 3 -- $PHOTO --strokes 50
step contention-after "$PY" benchmarks/contention.py --repeats 3 -- $PHOTO --strokes 50
step contention-before-30 "$PY" benchmarks/contention.py --code "$OUT/base" --repeats 3 --cases alone,busy -- $PHOTO --size 512 --strokes 30
step contention-after-30 "$PY" benchmarks/contention.py --repeats 3 --cases alone,busy -- $PHOTO --size 512 --strokes 30
step contention-after-1000 "$PY" benchmarks/contention.py --repeats 2 --cases alone,busy -- $PHOTO --strokes 1000
step contention-before-1000 "$PY" benchmarks/contention.py --code "$OUT/base" --repeats 2 --cases alone -- $PHOTO --strokes 1000
# 3. Batches: --jobs 2 against --jobs 1 (speed, bytes) and --shard coverage; images per hour.
step jobs-64 "$PY" benchmarks/batch_jobs.py --photos 20 --size 64 --strokes 50 --jobs 2 --repeats 3
step jobs-512 "$PY" benchmarks/batch_jobs.py --photos 10 --size 512 --strokes 50 --jobs 2 --repeats 1
# 4. Training: one process against torchrun with 2, interrupted once and resumed.
step ddp-painter "$PY" benchmarks/ddp_painter.py --samples 40000 --steps 3000 --batch 128 --procs 2 --interrupt-after 60
# 5. Quiet-machine figures of docs/benchmarks.md, before and after.
step painter-speed-after "$PY" benchmarks/painter_speed.py --repeats 30
(cd "$OUT/base" && PYTHONPATH="$OUT/base" step painter-speed-before "$PY" benchmarks/painter_speed.py --repeats 30)  # as it ran before: with OMP_WAIT_POLICY=PASSIVE
step quality-64 "$PY" benchmarks/paint_quality.py --size 64 --budgets 10,25,50,100,200
echo "[issue18] all done: $OUT" >&2
