#!/usr/bin/env bash
# graft on Spark against one graft process, on a standalone cluster on this machine (a master and two
# single-core workers, './graft spark cluster start'). Run it on a QUIET machine with at least 2 free cores:
# every figure is a time. About 40 minutes with the defaults.
#
#   tools/bench/spark_scaling.sh [OUT]          (default OUT: runs/spark-scaling)
#
# What it runs (every pretraining run for RUN_TIME, the same corpus, tokenizer, batch size, sequence length and
# seed; the tokenizer is trained once first):
#   1. graft pretrain --threads 1          (bert-mini)
#   2. graft pretrain --threads 2          (bert-mini)
#   3. graft spark pretrain --workers 2 --threads-per-task 1 --inner-steps 100, on the cluster (bert-mini)
#   4. graft spark pretrain ... --inner-steps $SMALL_H on the cluster (bert-small), for its per-round overhead
#   5. graft embed --threads 1 and graft spark embed on the cluster (2 single-core executors), the model of run 1,
#      EMBED_LINES lines of the corpus
# and prints, side by side:
#   - tokens/s of 1, 2 and 3 with all overheads included (the runs' training phase: for DiLoCo the timing job,
#     every round's broadcast, tasks, state files, sum, outer step, checkpoint and the evaluations; the
#     tokenization before is left out of all three alike), and the whole command's tokens per wall second;
#   - per-round overhead at bert-mini and bert-small (medians over the rounds after the first, from the driver's
#     round records in metrics.jsonl: the round's time beyond the slowest worker's inner steps, and its parts);
#   - bytes moved per round (float32 parameters to each worker and a delta back);
#   - batch inference lines/s of graft embed --threads 1 and of the cluster's 2 executors.
#
# Settings (environment): CORPUS (english-corpus), RUN_TIME (10m), BATCH (16), SEQ (128), MINI_H (100),
# SMALL_H (20), SMALL_TIME (2m),
# EMBED_LINES (80000: english-corpus has 73,059 non-blank lines, so all of them), PORT (7177). GRAFT_JAR / GRAFT_SPARK_JAR run given jars instead of building.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-runs/spark-scaling}"
CORPUS="${CORPUS:-english-corpus}"
RUN_TIME="${RUN_TIME:-10m}"
BATCH="${BATCH:-16}"
SEQ="${SEQ:-128}"
MINI_H="${MINI_H:-100}"
SMALL_H="${SMALL_H:-20}"
SMALL_TIME="${SMALL_TIME:-2m}"
EMBED_LINES="${EMBED_LINES:-80000}"
PORT="${PORT:-7177}"
MASTER="spark://127.0.0.1:$PORT"
G="$ROOT/graft"

command -v python3 >/dev/null || { echo "python3 is needed for the report" >&2; exit 2; }
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
now() { date +%s.%N; }
# the last line a graft command prints is its JSON summary
summary() { tail -n 1 "$1"; }

COMMON=(--corpus "$CORPUS" --batch-size "$BATCH" --seq-len "$SEQ" --seed 42 --eval-every 0
  --validation-sequences 64 --overwrite)

echo "== tokenizer (trained once, shared by every run)" >&2
"$G" pretrain --arch bert-mini "${COMMON[@]}" --steps 1 --threads 1 --out "$OUT/tokenizer-run" \
  > "$OUT/tokenizer-run.log" 2>&1
TOK="$OUT/tokenizer-run/tokenizer.json"

for t in 1 2; do
  echo "== graft pretrain --threads $t --max-time $RUN_TIME (bert-mini)" >&2
  s=$(now)
  "$G" pretrain --arch bert-mini "${COMMON[@]}" --tokenizer "$TOK" --max-time "$RUN_TIME" --threads "$t" \
    --out "$OUT/single-t$t" > "$OUT/single-t$t.log" 2>&1
  echo "$(now) $s" > "$OUT/single-t$t.wall"
done

echo "== cluster: 2 workers x 1 core on $MASTER" >&2
"$G" spark cluster start --workers 2 --cores 1 --memory 3g --port "$PORT" --dir "$OUT/cluster" >&2
trap '"$G" spark cluster stop --dir "$OUT/cluster" >&2 || true' EXIT

spark_run() { # $1: name, $2: arch, $3: H, $4: time
  echo "== graft spark pretrain --workers 2 --threads-per-task 1 --inner-steps $3 --max-time $4 ($2)" >&2
  local s
  s=$(now)
  "$G" spark pretrain --master "$MASTER" --conf spark.executor.memory=2g --arch "$2" "${COMMON[@]}" --tokenizer "$TOK" --workers 2 \
    --threads-per-task 1 --inner-steps "$3" --max-time "$4" --keep-checkpoints 1 --out "$OUT/$1" \
    > "$OUT/$1.log" 2>&1
  echo "$(now) $s" > "$OUT/$1.wall"
}
spark_run spark-mini bert-mini "$MINI_H" "$RUN_TIME"
spark_run spark-small bert-small "$SMALL_H" "$SMALL_TIME"

echo "== batch inference: $EMBED_LINES lines" >&2
CORPUS_FILE="$OUT/embed-input.txt"
"$G" data path "$CORPUS:train" > "$OUT/corpus-path.txt" 2>/dev/null || true
SOURCE="$CORPUS"
if [ -s "$OUT/corpus-path.txt" ] && [ -f "$(cat "$OUT/corpus-path.txt")" ]; then
  SOURCE="$(cat "$OUT/corpus-path.txt")"
fi
# the first EMBED_LINES non-blank lines (no pipe into head: with pipefail its early exit would fail the script)
awk -v n="$EMBED_LINES" 'NF { print; if (++c >= n) exit }' "$SOURCE" > "$CORPUS_FILE"
MODEL="$OUT/single-t1"
s=$(now)
"$G" embed --threads 1 --model "$MODEL" --input "$CORPUS_FILE" > "$OUT/embed-single.jsonl" 2> "$OUT/embed-single.log"
echo "$(now) $s" > "$OUT/embed-single.wall"
s=$(now)
"$G" spark embed --master "$MASTER" --conf spark.executor.memory=2g --model "$MODEL" --input "$CORPUS_FILE" --output "$OUT/embed-spark.jsonl" \
  > "$OUT/embed-spark.log" 2>&1
echo "$(now) $s" > "$OUT/embed-spark.wall"
cmp -s "$OUT/embed-single.jsonl" "$OUT/embed-spark.jsonl" || echo "warning: the embeddings differ" >&2

python3 - "$OUT" "$(wc -l < "$CORPUS_FILE")" <<'EOF' | tee "$OUT/report.md"
import json, statistics, sys
out, lines = sys.argv[1], int(sys.argv[2])

def summary(run):
    with open(f"{out}/{run}.log") as f:
        return json.loads([l for l in f if l.startswith("{")][-1])

def wall(run):
    end, start = map(float, open(f"{out}/{run}.wall").read().split())
    return end - start

def records(run, kind):
    with open(f"{out}/{run}/metrics.jsonl") as f:
        return [r for r in map(json.loads, f) if r.get("type") == kind]

print("## Pretraining throughput, bert-mini (all overheads of the training phase included)\n")
print("| run | tokens | training s | tokens/s | command wall s | tokens / wall s |")
print("|---|---:|---:|---:|---:|---:|")
tps = {}
for run, label in [("single-t1", "graft pretrain --threads 1"), ("single-t2", "graft pretrain --threads 2"),
                   ("spark-mini", "graft spark pretrain, 2 workers x 1 core, H = "
                   + str(json.load(open(f"{out}/spark-mini/run.json"))["inner_steps"]))]:
    s = summary(run)
    t = s.get("tokens_seen", 0)
    tps[run] = s["tokens_per_s"]
    print(f"| {label} | {t:,} | {s.get('wall_s', 0):.1f} | {s['tokens_per_s']:,.0f} | {wall(run):.1f} | "
          f"{t / wall(run):,.0f} |")
print()
print(f"2 workers against 1 thread: {tps['spark-mini'] / tps['single-t1']:.2f}x; "
      f"against 2 threads: {tps['spark-mini'] / tps['single-t2']:.2f}x (target: at least 1.8x against 1 thread)\n")

print("## Per-round overhead on the standalone cluster (medians over the rounds after the first)\n")
keys = ["seconds", "compute_seconds_max", "overhead_seconds", "spark_seconds", "task_setup_seconds_max",
        "task_state_save_seconds_max", "outer_step_seconds", "checkpoint_seconds", "eval_seconds"]
print("| model | H | rounds | " + " | ".join(keys) + " | overhead share | MB moved per round |")
print("|---|---:|---:|" + "---:|" * (len(keys) + 2))
for run, arch in [("spark-mini", "bert-mini"), ("spark-small", "bert-small")]:
    rs = records(run, "round")
    cfg = json.load(open(f"{out}/{run}/run.json"))
    later = rs[1:] if len(rs) > 1 else rs
    med = {k: statistics.median(r[k] for r in later) for k in keys}
    share = med["overhead_seconds"] / med["seconds"] if med["seconds"] else 0
    mb = later[0]["parameter_bytes_moved"] / 1e6
    print(f"| {arch} | {cfg['inner_steps']} | {len(rs)} | " + " | ".join(f"{med[k]:.2f}" for k in keys)
          + f" | {share:.1%} | {mb:.1f} |")
print("\n(compute: the slowest worker's inner steps; overhead: the round beyond them; spark: scheduling, "
      "broadcast, result transfer and the sum; MB moved: float32 parameters to each of the 2 workers and a delta "
      "back from each)\n")

print("## Batch inference, the model of the 1-thread run\n")
single, spark = wall("embed-single"), wall("embed-spark")
job = None
for l in open(f"{out}/embed-spark.log"):
    if l.startswith("embed: "):
        job = float(l.split(" s on ")[0].split(", ")[-1])
print("| run | lines | wall s | lines/s |")
print("|---|---:|---:|---:|")
print(f"| graft embed --threads 1 | {lines:,} | {single:.1f} | {lines / single:,.0f} |")
print(f"| graft spark embed, 2 executors x 1 core | {lines:,} | {spark:.1f} | {lines / spark:,.0f} |")
if job:
    print(f"| (the Spark job alone) | {lines:,} | {job:.1f} | {lines / job:,.0f} |")
EOF
