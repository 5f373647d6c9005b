#!/usr/bin/env bash
# Builds vhr in release and runs the benchmark (docs/benchmark.md). Arguments go to vhr-bench:
#   scripts/bench.sh            the full run, about 70 s after the build
#   scripts/bench.sh --quick    a smoke run of about 12 s after the build (CI)
#   scripts/bench.sh --json     one JSON object per configuration
# Set SCRATCH to build somewhere else than .build (e.g. SCRATCH=/tmp/build-bench).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

scratch=(--scratch-path "${SCRATCH:-.build}")
start=$(date +%s)
# vhrd too: the end-to-end scenario starts it from the same directory as vhr-bench.
swift build -c release "${scratch[@]}" --product vhrd >&2
swift build -c release "${scratch[@]}" --product vhr-bench >&2
echo "release build: $(($(date +%s) - start)) s" >&2

bin=$(swift build -c release "${scratch[@]}" --show-bin-path)
start=$(date +%s)
"$bin/vhr-bench" "$@"
echo "vhr-bench: $(($(date +%s) - start)) s" >&2
