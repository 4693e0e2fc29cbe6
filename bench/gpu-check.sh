#!/usr/bin/env bash
# The prepared check for a lent GPU machine, as one short script (the device's time is scarce):
# a self-contained publish (the GPU machine has no .NET SDK), then `selftest --backend cuda`,
# `bench kernels --backend cuda` and `bench step --backend cuda` for the benchmark workloads.
# Every step's output goes to OUT_DIR (default: $OUT when the device tool sets it, else
# bench/results/gpu-<date>); a failing step is recorded and the script goes on to the next.
# Usage: bench/gpu-check.sh [OUT_DIR] [steps] [warmup]
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-${OUT:-bench/results/gpu-$(date -u +%Y%m%d)}}"
steps="${2:-5}"
warmup="${3:-2}"
mkdir -p "$out"
app=publish/autolora/autolora

run() {  # run NAME COMMAND...: output to $out/NAME.txt, exit status to $out/status.txt
    local name="$1"; shift
    echo "== $name: $*"
    "$@" >"$out/$name.txt" 2>&1
    local rc=$?
    echo "$name $rc" >>"$out/status.txt"
    tail -n 5 "$out/$name.txt"
}

if [ ! -x "$app" ]; then
    run publish dotnet publish src/AutoLoRa.Cli -c Release -r linux-x64 --self-contained -o publish/autolora
fi
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1; uname -a; } >"$out/machine.txt"
run selftest "$app" selftest --backend cuda
run bench-kernels "$app" bench kernels --backend cuda --json
for workload in r18w16-b64 r18-b32; do
    for step in autolora vanilla infer; do
        run "step-$workload-$step" "$app" bench step --backend cuda --workload "$workload" --step "$step" \
            --steps "$steps" --warmup "$warmup" --json
    done
done
echo "results in $out (status per step: $out/status.txt)"
