#!/usr/bin/env bash
# Validation loss against tokens seen: one worker ('graft pretrain') next to DiLoCo with K = 2 workers at
# H = 50, 100 and 500 inner steps per round ('graft spark pretrain --master local[2]'), with the same corpus,
# seed, tokenizer, batch size, sequence length and total tokens: the one worker takes STEPS steps, each of the
# two workers STEPS/2 inner steps (worker k takes batches k, k+2, k+4, ... of the one worker's batch stream, so
# the two together see exactly the one worker's batches). Every run evaluates the same held-out sequences.
#
# This is measured in tokens, not time: it may run on a busy machine (the runs are niced), and the four runs
# run at once (PARALLEL=0: one after another; the results are the same). Each run trains the same tokenizer on
# the corpus (checked at the end: the four tokenizer.json files are identical). Printed at the end
# (and written to OUT/table.md): validation loss at equal tokens, and K = 2's loss relative to the one worker's.
#
#   tools/bench/spark_loss_vs_tokens.sh [OUT]          (default OUT: runs/loss-vs-tokens)
#
# Settings (environment): ARCH (bert-tiny), MODEL (preset overrides; default "--layers 2 --hidden-size 64
# --heads 2 --ffn-size 256": smaller than bert-tiny, so that it finishes niced on a busy machine; empty for the
# preset), CORPUS (english-corpus), VOCAB (1024, the trained tokenizer's vocabulary), STEPS (2000, the one
# worker's steps), BATCH (8), SEQ (64), EVAL (200, the one worker's steps between evaluations),
# H_LIST ("50 100 500"), SEED (42), NICE (15), PARALLEL (1). GRAFT_JAR / GRAFT_SPARK_JAR run given jars instead of building (see ./graft).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-runs/loss-vs-tokens}"
ARCH="${ARCH:-bert-tiny}"
CORPUS="${CORPUS:-english-corpus}"
STEPS="${STEPS:-2000}"
VOCAB="${VOCAB:-1024}"
MODEL="${MODEL---layers 2 --hidden-size 64 --heads 2 --ffn-size 256}"
BATCH="${BATCH:-8}"
SEQ="${SEQ:-64}"
EVAL="${EVAL:-200}"
H_LIST="${H_LIST:-50 100 500}"
SEED="${SEED:-42}"
NICE="${NICE:-15}"
PARALLEL="${PARALLEL:-1}"

[ $((STEPS % 2)) -eq 0 ] && [ $((EVAL % 2)) -eq 0 ] || { echo "STEPS and EVAL must be even" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is needed for the table" >&2; exit 2; }
mkdir -p "$OUT"
# shellcheck disable=SC2206
COMMON=(--arch "$ARCH" $MODEL --corpus "$CORPUS" --vocab-size "$VOCAB" --batch-size "$BATCH" --seq-len "$SEQ" --seed "$SEED"
  --log-every 10 --overwrite)

start=$(date +%s)
one_worker() {
  echo "== one worker: graft pretrain --steps $STEPS" >&2
  nice -n "$NICE" "$ROOT/graft" pretrain "${COMMON[@]}" --steps "$STEPS" --eval-every "$EVAL" --threads 1 \
    --checkpoint-every "$STEPS" --out "$OUT/one-worker" > "$OUT/one-worker.log" 2>&1
}
two_workers() { # $1: H
  echo "== K = 2, H = $1: graft spark pretrain --workers 2 --inner-steps $1 --steps $((STEPS / 2))" >&2
  nice -n "$NICE" "$ROOT/graft" spark pretrain --master 'local[2]' "${COMMON[@]}" --workers 2 --inner-steps "$1" \
    --steps $((STEPS / 2)) --eval-every $((EVAL / 2)) --threads-per-task 1 --keep-checkpoints 1 \
    --out "$OUT/k2-h$1" > "$OUT/k2-h$1.log" 2>&1
}
if [ "$PARALLEL" = 1 ]; then
  pids=()
  one_worker & pids+=($!)
  for h in $H_LIST; do two_workers "$h" & pids+=($!); done
  failed=0
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  [ "$failed" = 0 ] || { echo "a run failed: see $OUT/*.log" >&2; exit 1; }
else
  one_worker
  for h in $H_LIST; do two_workers "$h"; done
fi
for h in $H_LIST; do
  cmp -s "$OUT/one-worker/tokenizer.json" "$OUT/k2-h$h/tokenizer.json" \
    || { echo "the tokenizers of one-worker and k2-h$h differ" >&2; exit 1; }
done
echo "all runs: $(( $(date +%s) - start )) s" >&2

python3 - "$OUT" "$EVAL" "$H_LIST" <<'EOF' | tee "$OUT/table.md"
import json, sys
out, every, hs = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()

def records(run):
    with open(f"{out}/{run}/metrics.jsonl") as f:
        return [json.loads(l) for l in f if l.strip()]

one = records("one-worker")
tokens = {r["step"]: r["tokens"] for r in one if r["type"] == "train"}
one_val = {r["step"]: r["val_loss"] for r in one if r["type"] == "eval"}
k2 = {}
for h in hs:
    # a K = 2 run's inner step s has seen the one worker's first 2s batches
    k2[h] = {2 * r["step"]: r["val_loss"] for r in records(f"k2-h{h}") if r["type"] == "eval"}
print("| one worker's steps | tokens seen | one worker | " + " | ".join(f"K=2, H={h}" for h in hs) + " |")
print("|---:|---:|---:|" + "---:|" * len(hs))
for step in sorted(one_val):
    if step % every and step != max(one_val):
        continue
    base = one_val[step]
    cells = []
    for h in hs:
        v = k2[h].get(step)
        if v is None:
            cells.append("-")
        else:
            rel = (v - base) / base * 100
            cells.append(f"{v:.4f} ({rel:+.1f}%)")
    print(f"| {step} | {tokens.get(step, 0):,} | {base:.4f} | " + " | ".join(cells) + " |")
final = max(one_val)
print()
print(f"At the end ({final} steps): " + ", ".join(
    f"H={h}: {(k2[h][final] - one_val[final]) / one_val[final] * 100:+.2f}%" for h in hs if final in k2[h]))
EOF
