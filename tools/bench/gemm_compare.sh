#!/usr/bin/env bash
# GEMM throughput, graft's Java kernels vs numpy/OpenBLAS, run one after the other on this machine.
#
#   tools/bench/gemm_compare.sh                    # 1 and 2 threads, one round each
#   ROUNDS=3 tools/bench/gemm_compare.sh           # alternate Java/numpy 3 times, median of the medians
#   THREADS="1" CORETYPE=native tools/bench/gemm_compare.sh
#
# For each thread count it runs dev.graft.bench.GemmBench (from graft-core/target/classes, built
# with mvn when missing) and then tools/bench/gemm_numpy.py with the same shapes, forms and thread
# count, and prints the ratio Java/numpy of the median GFLOP/s per shape. OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE are removed for the numpy command only; CORETYPE (auto|native|NAME, default
# auto) is passed to gemm_numpy.py, which prints the OpenBLAS kernel it runs. These machines are
# shared and noisy: compare ratios measured side by side, and prefer several rounds.
# PYTHON overrides the interpreter (default /usr/bin/python3, Debian's numpy with OpenBLAS);
# CLASSES the Java class directory (default graft-core/target/classes).
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
THREADS="${THREADS:-1 2}"
ROUNDS="${ROUNDS:-1}"
CORETYPE="${CORETYPE:-auto}"
PYTHON="${PYTHON:-/usr/bin/python3}"

. tools/bench/common.sh

JDK="$(find_java)" || { echo "gemm_compare: no JDK 21 or newer found (JAVA_HOME, /usr/lib/jvm)" >&2; exit 2; }
CLASSES="${CLASSES:-graft-core/target/classes}"
if [ ! -f "$CLASSES/dev/graft/bench/GemmBench.class" ]; then
    echo "== building graft-core (mvn -q -pl graft-core compile)" >&2
    JAVA_HOME="$JDK" mvn -q -B -ntp -pl graft-core compile >&2 || { echo "gemm_compare: build failed" >&2; exit 2; }
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Keeps the table rows "FORM M N K MEDIAN ..." of a benchmark output.
rows_of() {
    grep -E '^(NN|NT|TN)[[:space:]]+[0-9]+[[:space:]]+[0-9]+[[:space:]]+[0-9]+[[:space:]]+[0-9.]+' "$1" \
        | awk '{print $1, $2, $3, $4, $5}'
}

failed=0
for threads in $THREADS; do
    for ((round = 1; round <= ROUNDS; round++)); do
        echo "== Java, $threads thread(s), round $round" >&2
        "$JDK/bin/java" --add-modules jdk.incubator.vector -cp "$CLASSES" dev.graft.bench.GemmBench "$threads" \
            2>&1 | grep -v 'WARNING: Using incubator modules' | tee "$tmp/java.$threads.$round.out" >&2
        [ "${PIPESTATUS[0]}" -eq 0 ] || failed=1
        echo "== numpy, $threads thread(s), round $round" >&2
        env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PYTHON" tools/bench/gemm_numpy.py "$threads" \
            --coretype "$CORETYPE" 2>&1 | tee "$tmp/numpy.$threads.$round.out" >&2
        [ "${PIPESTATUS[0]}" -eq 0 ] || failed=1
        rows_of "$tmp/java.$threads.$round.out" > "$tmp/java.$threads.$round.rows"
        rows_of "$tmp/numpy.$threads.$round.out" > "$tmp/numpy.$threads.$round.rows"
    done
done

echo
echo "GEMM GFLOP/s, median over repetitions (and over $ROUNDS round(s)); ratio = Java / numpy"
printf '%-7s %-4s %6s %6s %6s %10s %10s %8s\n' threads form M N K java numpy ratio
for threads in $THREADS; do
    cat "$tmp"/java."$threads".*.rows | sed 's/^/java /' > "$tmp/all.$threads"
    cat "$tmp"/numpy."$threads".*.rows | sed 's/^/numpy /' >> "$tmp/all.$threads"
    awk -v t="$threads" '
        function median(list,   n, a, i, j, x) {
            n = split(list, a, " ")
            for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        {
            key = $2 " " $3 " " $4 " " $5
            if (!(key in seen)) { seen[key] = 1; order[++count] = key }
            v[$1, key] = v[$1, key] " " $6
        }
        END {
            for (i = 1; i <= count; i++) {
                key = order[i]; split(key, f, " ")
                j = (("java", key) in v) ? median(v["java", key]) : 0
                p = (("numpy", key) in v) ? median(v["numpy", key]) : 0
                r = (p > 0 && j > 0) ? sprintf("%.2f", j / p) : "n/a"
                printf "%-7s %-4s %6s %6s %6s %10.1f %10.1f %8s\n", t, f[1], f[2], f[3], f[4], j, p, r
            }
        }' "$tmp/all.$threads"
done
exit $failed
