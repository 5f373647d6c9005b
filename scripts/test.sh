#!/usr/bin/env bash
# The whole test suite, as CI runs it: dependencies, a warnings-as-errors build, the tests,
# and the formatting check. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

start=$(date +%s)
swift build --build-tests -Xswiftc -warnings-as-errors
echo "build: $(($(date +%s) - start)) s"

start=$(date +%s)
swift test --skip-build
echo "tests: $(($(date +%s) - start)) s"

swift format lint --strict --recursive Package.swift Sources Tests
echo "swift format: clean"
