#!/usr/bin/env bash
# The prepared check for a lent GPU machine, as one short script (the device's time is scarce):
# the first lines of nvidia-smi, `selftest --backend cuda` in FP32 and TF32, `bench kernels --backend cuda` (GB/s
# per kernel) and `bench step --backend cuda` on the benchmark workloads in FP32 and in TF32. The
# GPU machine has no .NET SDK: a self-contained publish (publish/autolora, made here when missing)
# travels with the tree. Every step's output goes to OUT_DIR (default: $OUT when the device tool
# sets it, else bench/results/gpu-<date>): NAME.out and NAME.err per step, summary.md and
# summary.json at the end. A failing step is recorded and the script goes on to the next.
#
# Usage: bench/gpu-check.sh [OUT_DIR] [steps] [warmup]
# Shorter runs (and runs against the CUDA stand-ins of kernels/standins, selected with
# AUTOLORA_LIBCUDA, AUTOLORA_LIBCUBLAS and AUTOLORA_LIBCUDNN) narrow it with:
#   GPU_CHECK_WORKLOADS   workloads of `bench step` (default: r18w16-b64 r18-b32)
#   GPU_CHECK_STEPS       step kinds (default: autolora vanilla infer)
#   GPU_CHECK_KERNEL_SIZE elements per array of `bench kernels` (default: its own)
#   GPU_CHECK_KERNEL_REPS timed calls per kernel of `bench kernels` (default: its own)
#   GPU_CHECK_SKIP        steps to leave out, by name: selftest-fp32, selftest-tf32, bench-kernels
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-${OUT:-bench/results/gpu-$(date -u +%Y%m%d)}}"
steps="${2:-5}"
warmup="${3:-2}"
workloads="${GPU_CHECK_WORKLOADS:-r18w16-b64 r18-b32}"
kinds="${GPU_CHECK_STEPS:-autolora vanilla infer}"
skip=" ${GPU_CHECK_SKIP:-} "
mkdir -p "$out"
: >"$out/status.txt"
app=publish/autolora/autolora

# shellcheck source=bench/check-run.sh
source bench/check-run.sh  # the working directory is the repository root from here on

if [ ! -x "$app" ]; then
    run publish dotnet publish src/AutoLoRa.Cli -c Release -r linux-x64 --self-contained -o publish/autolora
fi
{
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi 2>&1 | head -n 12
        nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1
    else
        echo "nvidia-smi: not installed"
    fi
    uname -a
    for v in AUTOLORA_LIBCUDA AUTOLORA_LIBCUBLAS AUTOLORA_LIBCUDNN; do [ -n "${!v:-}" ] && echo "$v=${!v}"; done
} >"$out/machine.txt" 2>&1
# Both precisions: TF32 (the default) checks the tensor-core path against its widened bounds, FP32
# the same kernels against the tight ones.
for precision in fp32 tf32; do
    run "selftest-$precision" "$app" selftest --backend cuda --precision "$precision"
done
run bench-kernels "$app" bench kernels --backend cuda --json ${GPU_CHECK_KERNEL_SIZE:+--size "$GPU_CHECK_KERNEL_SIZE"} \
    ${GPU_CHECK_KERNEL_REPS:+--reps "$GPU_CHECK_KERNEL_REPS"}
for workload in $workloads; do
    for step in $kinds; do
        for precision in fp32 tf32; do
            run "step-$workload-$step-$precision" "$app" bench step --backend cuda --precision "$precision" \
                --workload "$workload" --step "$step" --steps "$steps" --warmup "$warmup" --json
        done
    done
done

# summary.md: one row per step; summary.json: the same with each bench step's own JSON line.
{
    echo "# GPU check $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo '```'
    cat "$out/machine.txt"
    echo '```'
    echo
    echo "| step | exit | seconds | result |"
    echo "| --- | --- | --- | --- |"
    while read -r name rc seconds; do
        line=$(grep -m1 -E 'selftest (passed|FAILED)|median_s' "$out/$name.out" 2>/dev/null || true)
        case "$name" in
            step-*) result=$(sed -nE 's/.*"precision":"([a-z0-9]+)".*"median_s":([0-9.]+).*"images_per_s":([0-9.]+).*/\1: median \2 s, \3 images\/s/p' <<<"$line") ;;
            bench-kernels) result="$(grep -c '"kernel"' "$out/$name.out" 2>/dev/null || echo 0) kernels timed" ;;
            *) result="$line" ;;
        esac
        echo "| $name | $rc | $seconds | ${result:-see $name.err} |"
    done <"$out/status.txt"
} >"$out/summary.md"
{
    echo "["
    first=1
    while read -r name rc seconds; do
        [ $first -eq 1 ] || echo ","
        first=0
        json=$(grep -m1 '^{' "$out/$name.out" 2>/dev/null || true)
        case "$name" in step-*) ;; *) json="" ;; esac
        printf '  {"step": "%s", "exit": %s, "seconds": %s, "result": %s}' "$name" "$rc" "$seconds" "${json:-null}"
    done <"$out/status.txt"
    echo
    echo "]"
} >"$out/summary.json"
cat "$out/summary.md"
echo "results in $out"
