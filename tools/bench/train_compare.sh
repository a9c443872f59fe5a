#!/usr/bin/env bash
# Training-step throughput, graft vs PyTorch, run one after the other on the same machine.
#
#   tools/bench/train_compare.sh                 # 20 measured steps per run
#   STEPS=50 tools/bench/train_compare.sh
#   THREADS="1" ARCHS="gpt-mini" tools/bench/train_compare.sh
#
# For each thread count and architecture it runs `./graft bench train` and then
# tools/bench/train_torch.py (same model, shapes, batch, optimizer and thread count; PyTorch
# with OMP_WAIT_POLICY=PASSIVE so idle OpenMP threads do not spin), takes the `tokens/s: X`
# last line of each, and prints a table with the ratio graft/torch. These machines are shared
# and noisy: run it several times and quote medians of the ratios, not a lone absolute figure.
# PYTHON overrides the interpreter (default /usr/bin/python3, which sees Debian's python3-torch).
# TORCH_CORETYPE (default SkylakeX on CPUs with AVX-512, else unset) is given to PyTorch's OpenBLAS
# as OPENBLAS_CORETYPE: Debian's OpenBLAS 0.3.21 does not recognise this machine's CPU and falls
# back to its "Prescott" kernels, about 5x slower (see gemm_numpy.py); this gives PyTorch its
# best GEMM, so the ratio is against PyTorch at its fastest.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
STEPS="${STEPS:-20}"
THREADS="${THREADS:-1 2}"
ARCHS="${ARCHS:-bert-mini gpt-mini}"
PYTHON="${PYTHON:-/usr/bin/python3}"
export OMP_WAIT_POLICY=PASSIVE
if [[ -z "${TORCH_CORETYPE+x}" ]]; then
    TORCH_CORETYPE=""
    grep -qw avx512f /proc/cpuinfo && TORCH_CORETYPE=SkylakeX
fi
TORCH_ENV=(env -u OPENBLAS_L2_SIZE -u OPENBLAS_CORETYPE)
[[ -n "$TORCH_CORETYPE" ]] && TORCH_ENV+=("OPENBLAS_CORETYPE=$TORCH_CORETYPE")

# Prints X when the last non-empty line of $1 is `tokens/s: X`, else nothing.
tokens_per_second() {
    printf '%s\n' "$1" | sed '/^[[:space:]]*$/d' | tail -n 1 \
        | sed -n 's/^tokens\/s:[[:space:]]*\([0-9][0-9.eE+-]*\)[[:space:]]*$/\1/p'
}

# Runs a command, echoing its output to stderr as it goes, and prints its tokens/s (or "n/a").
run() {
    local label="$1"
    shift
    echo "== $label: $*" >&2
    local output status rate
    # Echo through the inherited stderr (tee /dev/stderr would reopen, and truncate, a log file).
    output="$("$@" 2>&1 | while IFS= read -r line; do printf '%s\n' "$line" >&2; printf '%s\n' "$line"; done)"
    status=${PIPESTATUS[0]}
    rate="$(tokens_per_second "$output")"
    if [[ $status -ne 0 || -z "$rate" ]]; then
        echo "!! $label failed (exit $status) or its last line was not 'tokens/s: X'" >&2
        echo "n/a"
        return 1
    fi
    echo "$rate"
}

rows=()
failed=0
for threads in $THREADS; do
    for arch in $ARCHS; do
        graft_rate="$(run "graft $arch threads=$threads" ./graft bench train --arch "$arch" --threads "$threads" --steps "$STEPS")" || failed=1
        torch_rate="$(run "torch $arch threads=$threads" "${TORCH_ENV[@]}" "$PYTHON" tools/bench/train_torch.py --arch "$arch" --threads "$threads" --steps "$STEPS")" || failed=1
        ratio="n/a"
        if [[ "$graft_rate" != "n/a" && "$torch_rate" != "n/a" ]]; then
            ratio="$(awk -v g="$graft_rate" -v t="$torch_rate" 'BEGIN { printf "%.2f", g / t }')"
        fi
        rows+=("$arch $threads $graft_rate $torch_rate $ratio")
    done
done

echo
echo "steps: $STEPS measured per run (batch 16 x seq 128)"
printf '%-10s %7s %16s %16s %12s\n' arch threads "graft tokens/s" "torch tokens/s" "graft/torch"
for row in "${rows[@]}"; do
    # shellcheck disable=SC2086
    printf '%-10s %7s %16s %16s %12s\n' $row
done
exit $failed
