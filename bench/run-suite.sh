#!/usr/bin/env bash
# Runs the BenchmarkDotNet suites (short job: 3 warm-up, 3 measured iterations) and writes their
# Markdown tables to bench/results/, each headed by the machine they ran on.
# Usage: bench/run-suite.sh [filter]   e.g. bench/run-suite.sh '*Conv*'   (default: every suite)
set -euo pipefail
cd "$(dirname "$0")/.."
filter="${1:-*}"
artifacts="$(mktemp -d)"
dotnet run -c Release --project bench/AutoLoRa.Bench -- --filter "$filter" --job short \
    --artifacts "$artifacts"
cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
machine="$cpu, $(nproc) threads, $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -sr), .NET $(dotnet --version)"
mkdir -p bench/results
for table in "$artifacts"/results/*-report-github.md; do
    name="$(basename "$table" -report-github.md)"
    name="${name##*.}"
    { echo "# $name"; echo; echo "Machine: $machine; run $(date -u +%Y-%m-%d)."; echo; cat "$table"; } > "bench/results/$name.md"
    echo "wrote bench/results/$name.md"
done
