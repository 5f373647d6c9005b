#!/usr/bin/env bash
# kill -9 the uploading daemon N times at random points during capture and upload, then check that
# every measurement the kiosk was told was saved reached the FHIR server exactly once and that the
# store is intact. Prints: kills, confirmed, lost, duplicated (all but kills and confirmed must be 0).
# Usage: scripts/crash-test.sh [N]          (default 1000; CI runs the test with 200)
#        VHR_CRASH_SEED=S scripts/crash-test.sh N   repeats a run
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
kills="${1:-1000}"
[[ "$kills" =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/crash-test.sh [N]  (N: number of kills, > 0)" >&2; exit 2; }
scratch="${VHR_SCRATCH_PATH:-$repo/.build}"

scripts/install-fhir-lab.sh
swift build --build-tests --scratch-path "$scratch"
log="${TMPDIR:-/tmp}/vhr-crash-test.log"
set +e
VHR_CRASH_KILLS="$kills" swift test --skip-build --scratch-path "$scratch" --filter 'UploadCrashTests' >"$log" 2>&1
status=$?
set -e
grep -E 'crash test:|✘|error:' "$log" || true
echo "full output: $log"
exit "$status"
