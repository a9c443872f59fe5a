#!/usr/bin/env bash
# In-process A/B of graft's sentence embedding (EncoderInference, all-MiniLM-L6-v2) between two git
# revisions: both trees in one JVM, each in its own class loader, alternating batch by batch, timed by
# the calling thread's CPU time at one thread. On these shared machines this is the measurement to
# trust for a change of a few percent (separate processes see different loads).
#
#   tools/bench/embed_ab.sh main speed              # 600 sentences, 5 rounds, 1 thread
#   tools/bench/embed_ab.sh main HEAD 600 7 1
#   BATCH=8 tools/bench/embed_ab.sh main HEAD       # sentences per batch (default 32)
#
# Each revision is extracted with git archive into a temporary directory and its graft-core built
# offline (mvn -o test-compile), with its own EmbedSide (graft-core test scope; this tree's when it has none), so
# revisions older than this script work as long as they have EncoderInference. Prints the speed-up B/A.
set -euo pipefail

cd "$(dirname "$0")/../.."
A="${1:?usage: embed_ab.sh REV_A REV_B [sentences] [rounds] [threads]}"
B="${2:?usage: embed_ab.sh REV_A REV_B [sentences] [rounds] [threads]}"
COUNT="${3:-600}"
ROUNDS="${4:-5}"
THREADS="${5:-1}"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
WORK="$(mktemp -d /tmp/graft-embed-ab.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

ROOT="$(pwd)"
SIDE="$ROOT/graft-core/src/test/java/dev/graft/model/EmbedSide.java"
for side in a b; do
    rev="$A"; [ "$side" = b ] && rev="$B"
    mkdir -p "$WORK/$side"
    # every module's pom (the reactor reads them all), graft-core's sources
    git archive "$rev" pom.xml graft-core graft-cli/pom.xml $(git ls-tree --name-only "$rev" graft-spark/pom.xml) \
        | tar -x -C "$WORK/$side"
    # the revision's own EmbedSide when it has one (it matches that revision's types), else this tree's
    if git cat-file -e "$rev:graft-core/src/test/java/dev/graft/model/EmbedSide.java" 2>/dev/null; then
        git show "$rev:graft-core/src/test/java/dev/graft/model/EmbedSide.java" \
            > "$WORK/$side/graft-core/src/test/java/dev/graft/model/EmbedSide.java"
    else
        cp "$SIDE" "$WORK/$side/graft-core/src/test/java/dev/graft/model/"
    fi
    echo "== building $rev ($(git rev-parse --short "$rev")) in $WORK/$side" >&2
    (cd "$WORK/$side" && mvn -o -q -B -ntp -pl graft-core test-compile >&2)
done
(cd "$WORK/b" && mvn -o -q -B -ntp -pl graft-core dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$WORK/classpath" >&2)
CP="$WORK/b/graft-core/target/classes:$WORK/b/graft-core/target/test-classes:$(cat "$WORK/classpath")"
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "$CP" dev.graft.model.EmbedSide "$WORK/model" \
    2>&1 | { grep -v 'WARNING: Using incubator' || true; } >&2
"$JAVA_HOME/bin/javac" -d "$WORK/driver" tools/bench/EmbedAB.java
echo "A = $A, B = $B: $COUNT sentences, $ROUNDS rounds, $THREADS thread(s)"
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC \
    -Xmx4g -Dbench.batch="${BATCH:-32}" -cp "$WORK/driver:$(cat "$WORK/classpath")" EmbedAB "$WORK/a" "$WORK/b" \
    "$WORK/model/minilm" "$WORK/model/tokenizer.json" "$COUNT" "$ROUNDS" "$THREADS" 2>&1 \
    | grep -v 'WARNING: Using incubator\|KernelProvider\|INFO: kernels'
