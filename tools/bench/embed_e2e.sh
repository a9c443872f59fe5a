#!/usr/bin/env bash
# graft embed against ONNX Runtime's Java API end to end, process start included (issue 22's start-up
# target): the same all-MiniLM-L6-v2 ONNX graph, the same lines, the same thread count, each as a whole
# process, alternating, several runs; then the two outputs compared vector by vector.
#
#   tools/bench/embed_e2e.sh FILE [THREADS] [RUNS]     # e.g. 200 sentences, 1 thread, 5 runs
#
# graft runs the model imported from that ONNX file (graft import, once, into ~/.cache/graft/bench/minilm);
# ONNX Runtime runs dev.graft.model.OrtEmbedMain from graft-core's test classes (its jar, with the native
# library, is a test dependency). Both read the file, tokenize with the same tokenizer.json, sort by length
# into batches of 32, mean-pool, normalize and print JSON arrays. Wall times from /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/../.." || exit 1
FILE="${1:?usage: tools/bench/embed_e2e.sh FILE [THREADS] [RUNS]}"
THREADS="${2:-1}"
RUNS="${3:-5}"
[ -f "$FILE" ] || { echo "embed_e2e: $FILE: no such file" >&2; exit 2; }

. tools/bench/common.sh
JDK="$(find_java)" || { echo "embed_e2e: no JDK 21 or newer found (JAVA_HOME, /usr/lib/jvm)" >&2; exit 2; }
CP="$(test_classpath "$JDK" dev/graft/model/OrtEmbedMain.class)" || { echo "embed_e2e: build failed" >&2; exit 2; }
WORK="${GRAFT_HOME:-$HOME/.cache/graft}/bench"
ORT_DIR="$WORK/minilm-onnx"
MODEL="$WORK/minilm"
if [ ! -f "$ORT_DIR/all-minilm-l6-v2.onnx" ]; then
    "$JDK/bin/java" -cp "$CP" dev.graft.model.OrtEmbedMain extract "$ORT_DIR"
fi
if [ ! -f "$MODEL/model.safetensors" ]; then
    ./graft import --from "$ORT_DIR/all-minilm-l6-v2.onnx" --tokenizer "$ORT_DIR/all-minilm-l6-v2-tokenizer.json" \
        --out "$MODEL" >&2
fi
ORT_CMD=("$JDK/bin/java" --enable-native-access=ALL-UNNAMED -cp "$CP" dev.graft.model.OrtEmbedMain "$ORT_DIR" "$FILE" "$THREADS")
GRAFT_CMD=(./graft embed --model "$MODEL" --input "$FILE" --threads "$THREADS" --pooling mean --normalize)
"${GRAFT_CMD[@]}" > /tmp/embed_e2e.graft.jsonl 2>/dev/null   # warm-up (and the AOT cache, if any)
"${ORT_CMD[@]}" > /tmp/embed_e2e.ort.jsonl 2>/dev/null
echo "lines: $(wc -l < "$FILE"), threads: $THREADS, runs: $RUNS"
for i in $(seq "$RUNS"); do
    /usr/bin/time -o /tmp/embed_e2e.time -f %e "${GRAFT_CMD[@]}" > /dev/null 2>&1
    g=$(tail -1 /tmp/embed_e2e.time)
    /usr/bin/time -o /tmp/embed_e2e.time -f %e "${ORT_CMD[@]}" > /dev/null 2>&1
    o=$(tail -1 /tmp/embed_e2e.time)
    echo "run $i: graft $g s, ONNX Runtime $o s, graft/ORT $(awk -v a="$g" -v b="$o" 'BEGIN{printf "%.2f", a/b}')"
done
python3 - /tmp/embed_e2e.graft.jsonl /tmp/embed_e2e.ort.jsonl <<'PY'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert len(a) == len(b), (len(a), len(b))
worst = max(max(abs(x - y) for x, y in zip(u, v)) for u, v in zip(a, b))
cos = min(sum(x * y for x, y in zip(u, v)) for u, v in zip(a, b))
print(f"outputs: {len(a)} vectors each; largest difference {worst:.2e}, lowest cosine {cos:.6f}")
PY
