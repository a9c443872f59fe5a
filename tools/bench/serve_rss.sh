#!/usr/bin/env bash
# Does graft serve hold its memory flat under a long load? Starts `graft serve` as its own process,
# warms it up, reads its resident set size (VmRSS), drives N more requests with `graft bench serve
# --url` from a second process, reading VmRSS after every block, and prints the end's RSS against
# the warm one.
#
#   tools/bench/serve_rss.sh MODEL_DIR                          # 100000 requests, 32 clients, 2 threads
#   tools/bench/serve_rss.sh MODEL_DIR 100000 32 2 sentences.txt
#
# The model is any folder graft serve takes (an imported encoder, a fine-tuned classifier or tagger);
# the endpoint follows the model's kind (the load generator reads it from the server's /info). The server's heap is left to its defaults (the launcher's
# GC settings), as a user would run it.
set -euo pipefail

cd "$(dirname "$0")/../.."
MODEL="${1:?usage: serve_rss.sh MODEL_DIR [requests] [clients] [threads] [sentences-file]}"
TOTAL="${2:-100000}"
CLIENTS="${3:-32}"
THREADS="${4:-2}"
INPUT="${5:-}"
BLOCK=$(( TOTAL / 10 ))
PORT="${PORT:-18181}"

./graft serve --model "$MODEL" --port "$PORT" --threads "$THREADS" > "${TMPDIR:-/tmp}/graft-serve-rss.log" 2>&1 &
PID=$!
trap 'kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
    if curl -fs "http://127.0.0.1:$PORT/health" > /dev/null 2>&1; then
        break
    fi
    sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/health" > /dev/null || { echo "the server did not start:"; cat "${TMPDIR:-/tmp}/graft-serve-rss.log"; exit 1; }

# the launcher runs java as its child (it forwards signals): read the JVM's own memory
JVM=""
for c in $(pgrep -P "$PID"); do
    if [ "$(cat "/proc/$c/comm")" = java ]; then JVM=$c; fi
done
[ -n "$JVM" ] || { echo "no java process under the launcher (pid $PID)"; exit 1; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$JVM/status"; }
drive() {
    local args=(bench serve --url "http://127.0.0.1:$PORT" --clients "$CLIENTS" --requests "$1" --warmup 0
        --max-time 3600s)
    if [ -n "$INPUT" ]; then args+=(--input "$INPUT"); fi
    local out
    out=$(./graft "${args[@]}")
    grep -E '^clients|first error' <<< "$out"
    # a block that had errors measured something other than the model's work: stop and say so
    if ! grep -q '^clients .* (0 errors)' <<< "$out"; then
        echo "requests failed (above); the server's log: ${TMPDIR:-/tmp}/graft-serve-rss.log"
        exit 1
    fi
}

echo "warm-up: 5000 requests"
drive 5000
WARM=$(rss)
echo "RSS after warm-up: $((WARM / 1024)) MiB"
DONE=0
while [ "$DONE" -lt "$TOTAL" ]; do
    drive "$BLOCK"
    DONE=$(( DONE + BLOCK ))
    echo "after $DONE requests: RSS $(( $(rss) / 1024 )) MiB"
done
END=$(rss)
awk -v w="$WARM" -v e="$END" -v n="$TOTAL" 'BEGIN { printf "RSS: warm %.0f MiB, after %d more requests %.0f MiB (end/warm %.3f)\n", w/1024, n, e/1024, e/w }'
