#!/usr/bin/env bash
# Times whole steps of this checkout and of another one (e.g. a worktree at the commit before a
# refactor) back to back, case by case, and prints a Markdown table: per side the median over
# ROUNDS runs of each run's median step time (the smallest step time in brackets), and the ratio.
# Rounds alternate the two builds, because machines drift: read the ratios.
# Usage: bench/compare-builds.sh OTHER_CHECKOUT [steps] [warmup] [rounds] [workloads] [step kinds]
#   e.g. git worktree add --detach ../base HEAD~3 && bench/compare-builds.sh ../base 3 1 3
set -euo pipefail
other="$(cd "${1:?usage: bench/compare-builds.sh OTHER_CHECKOUT [steps] [warmup] [rounds] [workloads] [step kinds]}" && pwd)"
steps="${2:-5}"
warmup="${3:-2}"
rounds="${4:-3}"
workloads="${5:-r18w16-b64}"
kinds="${6:-autolora vanilla infer}"
cd "$(dirname "$0")/.."
for checkout in . "$other"; do dotnet build "$checkout/src/AutoLoRa.Cli" -c Release -v quiet -nologo >/dev/null; done
ours=src/AutoLoRa.Cli/bin/Release/net10.0/autolora
theirs="$other/src/AutoLoRa.Cli/bin/Release/net10.0/autolora"

field() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read().strip().splitlines()[-1]); print(d[sys.argv[1]])' "$1"; }
median() { python3 -c 'import statistics,sys; print(f"{statistics.median(float(v) for v in sys.argv[1:]):.4g}")' "$@"; }
smallest() { python3 -c 'import sys; print(f"{min(float(v) for v in sys.argv[1:]):.4g}")' "$@"; }
run() { "$1" bench step --backend cpu --workload "$2" --step "$3" --steps "$steps" --warmup "$warmup" --json 2>/dev/null; }

echo "| workload | step | this checkout (s) | $(basename "$other") (s) | this ÷ other |"
echo "| --- | --- | --- | --- | --- |"
for workload in $workloads; do
    for step in $kinds; do
        a_medians=(); a_mins=(); b_medians=(); b_mins=()
        for ((round = 0; round < rounds; round++)); do
            a="$(run "$ours" "$workload" "$step")"
            b="$(run "$theirs" "$workload" "$step")"
            a_medians+=("$(field median_s <<<"$a")"); a_mins+=("$(field min_s <<<"$a")")
            b_medians+=("$(field median_s <<<"$b")"); b_mins+=("$(field min_s <<<"$b")")
        done
        m=$(median "${a_medians[@]}"); t=$(median "${b_medians[@]}")
        echo "| $workload | $step | $m ($(smallest "${a_mins[@]}")) | $t ($(smallest "${b_mins[@]}")) | $(python3 -c "print(f'{$m / $t:.2f}')") |"
    done
done
