#!/usr/bin/env bash
# Every measurement behind the CPU performance targets, on this machine, in one run: the CPU's
# identity and GEMM rate, each ResNet-18 convolution of r18-b32 with its candidates timed side by
# side (GFLOP/s, the autotuned choice against the best), the LoRA overhead, and whole steps against
# the PyTorch peer, alternating. The choice cache starts empty (OUT_DIR/cache), so the algorithms are
# chosen on this machine in this run, and every step below runs the same choices.
# Each step's output goes to OUT_DIR (default bench/results/cpu-<date>): NAME.out and NAME.err, then
# summary.md. A failing step is recorded and the script goes on to the next. About 15 minutes on two
# Zen 3 cores; quiet machines only (other processes move every figure).
#
# Usage: bench/cpu-check.sh [OUT_DIR] [PEER_DIR] [rounds]
#   PEER_DIR  the PyTorch peer (default ../shared/peers/pytorch); rounds of compare-pytorch.sh (default 3)
#   CPU_CHECK_SKIP  steps to leave out, by name: gemm, conv-r18-b32, overhead-r18w16-b64, overhead-r18-b32, steps
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
# OUT_DIR and PEER_DIR as given are relative to where the script was started; their defaults to the repository.
out="${1:-$repo/bench/results/cpu-$(date -u +%Y%m%d)}"
peer="${2:-$repo/../shared/peers/pytorch}"
rounds="${3:-3}"
skip=" ${CPU_CHECK_SKIP:-} "
mkdir -p "$out/cache"
out="$(cd "$out" && pwd)"
peer="$(cd "$peer" 2>/dev/null && pwd || echo "$peer")"
cd "$repo"
: >"$out/status.txt"
export XDG_CACHE_HOME="$out/cache"
# shellcheck source=bench/check-run.sh
source bench/check-run.sh  # the working directory is the repository root from here on

dotnet build src/AutoLoRa.Cli -c Release -v quiet -nologo >/dev/null || { echo "cpu-check.sh: the build failed" >&2; exit 1; }
app=src/AutoLoRa.Cli/bin/Release/net10.0/autolora
{
    grep -m1 'model name' /proc/cpuinfo
    echo "vector extensions: $(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx2|fma|avx512f|avx512_bf16' | tr '\n' ' ')"
    echo "cores: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    uname -a
} >"$out/machine.txt" 2>&1

run gemm "$app" bench gemm --m 1024 --n 1024 --k 1024 --compare-openblas
run conv-r18-b32 "$app" bench conv --backend cpu --workload r18-b32 --candidates --reps 7
run overhead-r18w16-b64 "$app" bench overhead --backend cpu --workload r18w16-b64 --steps 15
run overhead-r18-b32 "$app" bench overhead --backend cpu --workload r18-b32 --steps 5
run steps bench/compare-pytorch.sh "$peer" 5 2 "$rounds"

# summary.md: the machine, each step's exit, the step table, the overheads, and the convolution
# passes that miss a target (below 300 GFLOP/s forward or data gradient; chosen more than 3 % behind the best).
ran() { grep -q "^$1 " "$out/status.txt"; }
{
    echo "# CPU check $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo '```'
    cat "$out/machine.txt"
    grep -h -m1 '^cpu:' "$out/gemm.out" "$out/conv-r18-b32.out" 2>/dev/null | head -n 1
    echo '```'
    echo
    echo "| step | exit | seconds |"
    echo "| --- | --- | --- |"
    while read -r name rc seconds; do echo "| $name | $rc | $seconds |"; done <"$out/status.txt"
    echo
    echo "## Steps against PyTorch"
    echo
    if ran steps; then grep '^|' "$out/steps.out" || echo "(no table: see steps.err)"; else echo "(not run)"; fi
    echo
    echo "## LoRA overhead"
    echo
    for workload in r18w16-b64 r18-b32; do
        if ran "overhead-$workload"; then
            echo "- $workload: $(sed -nE 's/^ *LoRA overhead +//p' "$out/overhead-$workload.out" | grep . || echo "see overhead-$workload.err")"
        else
            echo "- $workload: not run"
        fi
    done
    echo
    echo "## r18-b32 convolutions"
    echo
    echo '```'
    sed -n '/^layer /,$p' "$out/conv-r18-b32.out" 2>/dev/null
    echo '```'
    echo
    echo "Forward or data gradient below 300 GFLOP/s:"
    awk '/^(stem|layer[0-9.a-z]*) / && $(NF-7) ~ /^[0-9.]+$/ { if ($(NF-7) + 0 < 300) print "- " $1 " forward " $(NF-7); if ($(NF-6) + 0 < 300) print "- " $1 " data " $(NF-6) }' \
        "$out/conv-r18-b32.out" 2>/dev/null
    echo
    echo "Autotuned choice more than 3 % behind the best candidate:"
    awk '/^layer|^stem/ { layer = $1 } /over 1.03/ { print "- " layer " " $1 ": chosen/best " $(NF-2) }' "$out/conv-r18-b32.out" 2>/dev/null
} >"$out/summary.md"
# Empty files (a step that printed nothing there) and the cache's lock file say nothing worth keeping.
find "$out" -type f \( -empty -o -name '*.lock' \) -delete
cat "$out/summary.md"
echo "results in $out"
