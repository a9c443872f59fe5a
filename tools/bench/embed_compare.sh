#!/usr/bin/env bash
# Sentence-embedding throughput of all-MiniLM-L6-v2 (or another model graft knows by name): graft
# (imported from the ONNX file) vs ONNX Runtime (running that ONNX file), side by side in one JVM,
# same sentences, same batches.
#
#   tools/bench/embed_compare.sh                 # 1000 sentences, 5 rounds, 1 and 2 threads
#   tools/bench/embed_compare.sh 500 3 1         # 500 sentences, 3 rounds, 1 thread
#   JFR=/tmp/embed.jfr tools/bench/embed_compare.sh 1000 5 1   # with a flight recording
#   BACKBONE=1 tools/bench/embed_compare.sh      # also time the training-path Backbone.forward
#   PHASES=1 tools/bench/embed_compare.sh 600 3  # also graft's time per phase at 1 and 2 threads
#   BATCH=8 tools/bench/embed_compare.sh         # sentences per batch (default 32)
#   MODEL=bge-small-en tools/bench/embed_compare.sh 600 5 1   # also e5-small, bge-small-zh, minilm-q
#   BENCH_JAVA_OPTS=-XX:+UseTransparentHugePages tools/bench/embed_compare.sh   # extra JVM options
#
# Runs dev.graft.model.EmbedBench from graft-core's test classes (built with mvn test-compile when
# missing) on the test class path, which holds ONNX Runtime (native library inside its jar) and the
# model jars dev.langchain4j:langchain4j-embeddings-* (test-scope dependencies of graft-core, resolved
# by mvn from the local repository). Each model is pooled and normalized as its card says. Prints, per thread count, the median
# sentences/s of each engine over the rounds and the ratio graft/ORT, by wall-clock time and by the
# calling thread's CPU time (both engines compute on the caller at one thread). The engines are
# interleaved batch by batch. These machines are shared and noisy: quote the ratio, measured side
# by side, and prefer several runs.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1

. tools/bench/common.sh

JDK="$(find_java)" || { echo "embed_compare: no JDK 21 or newer found (JAVA_HOME, /usr/lib/jvm)" >&2; exit 2; }
CP="$(test_classpath "$JDK" dev/graft/model/EmbedBench.class)" || { echo "embed_compare: build failed" >&2; exit 2; }

JFR_FLAGS=(-Dbench.backbone="${BACKBONE:+true}" -Dbench.phases="${PHASES:+true}" -Dbench.batch="${BATCH:-32}" -Dbench.model="${MODEL:-minilm}")
if [ -n "${JFR:-}" ]; then
    JFR_FLAGS+=("-XX:StartFlightRecording=filename=$JFR,settings=profile")
fi
exec "$JDK/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC \
    -Xmx3g "${JFR_FLAGS[@]}" ${BENCH_JAVA_OPTS:-} \
    -cp "$CP" \
    dev.graft.model.EmbedBench "$@" 2>&1 | grep -v 'WARNING: Using incubator modules'
