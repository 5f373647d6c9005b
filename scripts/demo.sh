#!/usr/bin/env bash
# A whole virtual health room on simulated devices, with a short scripted visit to watch:
# the daemon starts, a patient's visit begins, the blood pressure is measured with live cuff
# pressure, a few seconds of heart sounds are saved to a WAV file, and the visit ends.
# Usage: scripts/demo.sh      (then look at out/heart-sounds.wav)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
echo "building vhr..."
swift build -Xswiftc -warnings-as-errors 2>&1 | tail -n 1
bin=$(swift build --show-bin-path)

room=$(mktemp -d /tmp/vhr-demo.XXXXXX)
mkdir -p out
cleanup() {
    [ -n "${daemon:-}" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
    rm -rf "$room"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
vhrctl() { echo "\$ vhrctl $*"; "$bin/vhrctl" --runtime-dir "$room/run" "$@"; }

step "starting vhrd --simulate (the cuff runs 4x faster than a real one)"
"$bin/vhrd" --simulate --runtime-dir "$room/run" --state-dir "$room/state" --sim-time-scale 4 \
    --sim-fault-rate 0 2> >(sed -u 's/^/    vhrd: /' >&2) &
daemon=$!
for _ in $(seq 100); do [ -S "$room/run/control.sock" ] && break; sleep 0.1; done
[ -S "$room/run/control.sock" ] || { echo "vhrd did not start" >&2; exit 1; }

step "the room"
vhrctl status
vhrctl devices

step "a patient arrives: the kiosk starts a visit"
vhrctl visit start --visit demo-visit-1 --patient 19121212-1212

step "blood pressure, with live cuff pressure"
vhrctl measure bp

step "the clinician listens: 5 s of heart sounds to out/heart-sounds.wav"
vhrctl listen --seconds 5 --format wav --output out/heart-sounds.wav
ls -l out/heart-sounds.wav

step "the visit ends and the room resets for the next patient"
vhrctl visit end
vhrctl status

step "stopping vhrd"
kill -TERM "$daemon"
wait "$daemon"
daemon=""
echo
echo "Done. Play the heart sounds with: aplay out/heart-sounds.wav"
echo "Run a room yourself:  $bin/vhrd --simulate --runtime-dir /tmp/vhr --state-dir /tmp/vhr-state"
echo "             and then: $bin/vhrctl --runtime-dir /tmp/vhr status"
