#!/usr/bin/env bash
# The whole test suite, as CI runs it: dependencies, the thread-sanitizer stress run, a short
# fuzzing run, a warnings-as-errors build, the tests, and the formatting check. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

# Every process the tests start carries this marker; afterwards none may still run.
export VHR_TEST_RUN="test-sh-$$-$(date +%s)"
trap 'status=$?; scripts/check-no-orphans.sh || status=1; exit $status' EXIT

# First, so the suite's own summary is the last word of the run.
start=$(date +%s)
scripts/tsan.sh
echo "thread sanitizer stress (short mode): $(($(date +%s) - start)) s"

start=$(date +%s)
scripts/fuzz.sh
echo "fuzzing (short mode): $(($(date +%s) - start)) s"

start=$(date +%s)
swift build --build-tests -Xswiftc -warnings-as-errors
echo "build: $(($(date +%s) - start)) s"

swift format lint --strict --recursive Package.swift Sources Tests
echo "swift format: clean"

start=$(date +%s)
swift test --skip-build
echo "tests: $(($(date +%s) - start)) s"
