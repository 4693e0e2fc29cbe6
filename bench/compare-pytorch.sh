#!/usr/bin/env bash
# Times whole steps of ours and of the PyTorch peer back to back, case by case, and prints a
# Markdown table: per side the median over ROUNDS runs of each run's median step time (the
# smallest step time in brackets), and the ratio. Rounds alternate ours and the peer's, because
# machines drift: compare the ratios, not the absolute times across sessions.
# Usage: bench/compare-pytorch.sh PEER_DIR [steps] [warmup] [rounds] [workloads]
#   workloads: any of r18w16-b64 r18-b32 vit-ti4-b32 vit-s16-b8 (default: the two ResNet-18 ones)
#   PEER_DIR: the directory holding the peer's run.sh (in this workplace ../shared/peers/pytorch)
set -euo pipefail
peer="$(cd "${1:?usage: bench/compare-pytorch.sh PEER_DIR [steps] [warmup]}" && pwd)"
steps="${2:-5}"
warmup="${3:-2}"
rounds="${4:-3}"
workloads="${5:-r18w16-b64 r18-b32}"
# Debian's PyTorch is built with BLAS_INFO=generic: its linears and batched multiplies call whatever
# libblas.so.3 the alternatives system points at. With only the reference BLAS installed they run
# about ten times slower (a ViT-Ti/4 inference of 128 images: 22 s instead of 2.0 s, measured on
# Zen 5), which would make every ratio below a comparison with a crippled peer.
blas="$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)"
case "$blas" in
    *openblas*|*blis*|*mkl*) ;;
    *) echo "compare-pytorch.sh: the peer's PyTorch would use the reference BLAS (${blas:-none found}); install an optimised one first: apt-get install -y libopenblas0-pthread" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
dotnet build src/AutoLoRa.Cli -c Release -v quiet -nologo >/dev/null
ours=src/AutoLoRa.Cli/bin/Release/net10.0/autolora

field() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read().strip().splitlines()[-1]); print(d[sys.argv[1]])' "$1"; }
median() { python3 -c 'import statistics,sys; print(f"{statistics.median(float(v) for v in sys.argv[1:]):.4g}")' "$@"; }
smallest() { python3 -c 'import sys; print(f"{min(float(v) for v in sys.argv[1:]):.4g}")' "$@"; }

echo "Peer BLAS: $blas"
echo
echo "| workload | step | AutoLoRa.Native | PyTorch | ours ÷ PyTorch | our bytes/step |"
echo "| --- | --- | --- | --- | --- | --- |"
for workload in $workloads; do
    case "$workload" in  # our workload names → the peer's
        r18w16-b64) peer_workload=w16b64 ;;
        r18-b32) peer_workload=w64b32 ;;
        vit-ti4-b32) peer_workload=vitti4b32 ;;
        vit-s16-b8) peer_workload=vits16b8 ;;
        *) echo "compare-pytorch.sh: the peer has no workload matching '$workload'" >&2; exit 2 ;;
    esac
    for step in autolora vanilla infer; do
        peer_step=$([ "$step" = vanilla ] && echo trades || echo "$step")
        our_medians=(); our_mins=(); peer_medians=(); peer_mins=()
        for ((round = 0; round < rounds; round++)); do
            mine="$("$ours" bench step --backend cpu --workload "$workload" --step "$step" --steps "$steps" --warmup "$warmup" --json 2>/dev/null)"
            theirs="$("$peer/run.sh" "$peer_workload" "$peer_step" "$steps" "$warmup" 2>/dev/null)"
            our_medians+=("$(field median_s <<<"$mine")"); our_mins+=("$(field min_s <<<"$mine")")
            peer_medians+=("$(field median_s <<<"$theirs")"); peer_mins+=("$(field min_s <<<"$theirs")")
            bytes=$(field alloc_bytes_per_step <<<"$mine")
        done
        m=$(median "${our_medians[@]}"); t=$(median "${peer_medians[@]}")
        ratio=$(python3 -c "print(f'{$m / $t:.2f}')")
        echo "| $workload | $step | $m ($(smallest "${our_mins[@]}")) | $t ($(smallest "${peer_mins[@]}")) | $ratio | $bytes |"
    done
done
