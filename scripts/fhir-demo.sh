#!/usr/bin/env bash
# Store-and-forward, shown end to end: a simulated room measures a blood pressure and vhrd
# uploads it to a real FHIR R4 server on loopback (sekmet-fhir, from the FHIR lab venv), which
# then holds exactly one blood-pressure panel and one pulse Observation for it. The upload is
# sent again (as after a crash that lost the acknowledgement) and the server still holds one.
# Usage: scripts/fhir-demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh >/dev/null
scripts/install-fhir-lab.sh
venv="${VHR_FHIRLAB_VENV:-$PWD/.build-fhirlab/venv}"
echo "building vhr..."
swift build -Xswiftc -warnings-as-errors 2>&1 | tail -n 1
bin=$(swift build --show-bin-path)

lab=$(mktemp -d /tmp/vhr-fhir-demo.XXXXXX)
cleanup() {
    [ -n "${daemon:-}" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
    [ -n "${server:-}" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    rm -rf "$lab"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
vhrctl() { echo "\$ vhrctl $*"; "$bin/vhrctl" --runtime-dir "$lab/run" "$@"; }
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port/fhir"
pretty() { "$venv/bin/python" -c 'import json,sys; print(json.dumps(json.load(sys.stdin), indent=1)[:4000])'; }

step "starting sekmet-fhir, a FHIR R4 server, on $base"
mkdir -p "$lab/fhir"
sed -e "s|@PORT@|$port|g" -e "s|@DATA_DIR@|$lab/fhir|g" -e "s|@AUTH_TYPE@|none|" -e "s|@TOKENS@||" \
    Tests/Fixtures/fhirlab/sekmet-settings.yaml.template >"$lab/sekmet.yaml"
"$venv/bin/sekmet" serve -c "$lab/sekmet.yaml" --host 127.0.0.1 --port "$port" >"$lab/sekmet.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "$base/metadata" >/dev/null && break; sleep 0.2; done
curl -sf "$base/metadata" >/dev/null || { echo "sekmet did not start:" >&2; cat "$lab/sekmet.log" >&2; exit 1; }

step "the care provider knows the patient (test personnummer 191212121212)"
curl -sf -X POST -H 'Content-Type: application/fhir+json' "$base/Patient" -d '{"resourceType":"Patient",
  "identifier":[{"system":"http://electronichealth.se/identifier/personnummer","value":"191212121212"}],
  "name":[{"family":"Tolvansson","given":["Tolvan"]}]}' >/dev/null && echo "Patient created"

step "starting vhrd --simulate --upload-url $base"
"$bin/vhrd" --simulate --runtime-dir "$lab/run" --state-dir "$lab/state" --sim-time-scale 8 --sim-fault-rate 0 \
    --upload-url "$base" 2> >(sed -u 's/^/    vhrd: /' >&2) &
daemon=$!
for _ in $(seq 100); do [ -S "$lab/run/control.sock" ] && break; sleep 0.1; done

step "a visit and a blood-pressure measurement"
vhrctl visit start --visit demo-visit-1 --patient 191212121212
vhrctl measure bp 2>/dev/null
id=$("$bin/vhrctl" --runtime-dir "$lab/run" --json readings | "$venv/bin/python" -c \
    'import json,sys; print(json.load(sys.stdin)["measurements"][-1]["id"])')

step "vhrd uploads it: the queue empties"
for _ in $(seq 50); do
    pending=$("$bin/vhrctl" --runtime-dir "$lab/run" --json queue | "$venv/bin/python" -c \
        'import json,sys; print(json.load(sys.stdin)["pending"])')
    [ "$pending" = 0 ] && break
    sleep 0.2
done
vhrctl queue
vhrctl status

step "the server holds the blood-pressure panel, found by the measurement's identifier urn:uuid:$id"
curl -sf "$base/Observation?identifier=urn:ietf:rfc:3986%7Curn:uuid:$id" | pretty

step "the same Bundle sent again (a lost acknowledgement): conditional creates answer 200, nothing is added"
count() { curl -sf "$base/Observation?_summary=count" | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }
before=$(count)
"$bin/vhrctl" --runtime-dir "$lab/run" visit end >/dev/null
kill -TERM "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=""
sqlite3 "$lab/state/vhr.sqlite" "UPDATE deliveries SET state = 'pending', next_attempt_at = 0"
"$bin/vhrd" --simulate --runtime-dir "$lab/run" --state-dir "$lab/state" --upload-url "$base" \
    2> >(sed -u 's/^/    vhrd: /' >&2) &
daemon=$!
for _ in $(seq 50); do
    [ -S "$lab/run/control.sock" ] && [ "$("$bin/vhrctl" --runtime-dir "$lab/run" --json queue 2>/dev/null \
        | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["pending"])' 2>/dev/null)" = 0 ] && break
    sleep 0.2
done
"$bin/vhrctl" --runtime-dir "$lab/run" status | grep '^upload'
echo "Observations on the server: $before before the resend, $(count) after"
