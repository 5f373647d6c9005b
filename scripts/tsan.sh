#!/bin/sh
# Runs the ring stress suites under the thread sanitizer, halting at the first report (issue 3).
#
#   scripts/tsan.sh          short mode (CI): each stress test runs about 0.5 s
#   scripts/tsan.sh --long   each stress test runs 10 s (VHR_STRESS_SECONDS overrides either)
#
# Release build on purpose: in a debug build the generic SPSCRing is not specialized, so its sample
# copies run inside the Swift runtime's value witnesses, which TSan does not instrument, and a
# missing acquire would go unseen. -enable-testing because some test files use @testable import.
#
# Only SPSCRingTests and SampleRingTests run: the allocation counter is off under TSan (TSan brings
# its own allocator), so AllocationTests would fail by design. The build has its own scratch path,
# so it never disturbs the normal .build.
set -eu
cd "$(dirname "$0")/.."

seconds=0.5
if [ "${1:-}" = "--long" ]; then seconds=10; fi
VHR_STRESS_SECONDS="${VHR_STRESS_SECONDS:-$seconds}"
export VHR_STRESS_SECONDS

flags="-c release --sanitize=thread -Xswiftc -enable-testing --scratch-path .build-tsan"
# shellcheck disable=SC2086 # $flags is a list of words
swift build --build-tests $flags
# shellcheck disable=SC2086
TSAN_OPTIONS="halt_on_error=1 ${TSAN_OPTIONS:-}" \
    swift test --skip-build $flags --filter 'SPSCRingTests|SampleRingTests|SampleRingReadCacheTests'
