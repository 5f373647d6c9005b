#!/usr/bin/env bash
# Installs the real FHIR lab the integration tests run against, in a Python venv inside the repo
# (.build-fhirlab/venv, ignored by git): the sekmet-fhir server, the fhirkit-rs and pyfhircheck
# validators, fhirpathpy for check_vitals_profile.py, and mitmproxy for the fault proxy.
# Versions are pinned: these are young tools whose behaviour the tests rely on.
# Idempotent and quick when everything is already there. Prints the venv's path.
# Usage: scripts/install-fhir-lab.sh            (VHR_FHIRLAB_VENV overrides the venv's path)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${VHR_FHIRLAB_VENV:-$repo/.build-fhirlab/venv}"

pins=(
    sekmet-fhir==0.1.1  # the FHIR R4 server: transactions, conditional create, _summary=count
    fhirkit-rs==0.1.0   # validator: R4 4.0.1 structure and cardinality
    pyfhircheck==0.2.0  # validator: required bindings and Bundle rules
    fhirpathpy==2.2.4   # Tests/Fixtures/fhirlab/check_vitals_profile.py
    mitmproxy==11.0.2   # the fault-injecting reverse proxy (Tests/Fixtures/fhirlab/fhir_faults.py)
)
# The file that says this exact set is installed, so a second run does no network round trip.
stamp="$venv/.vhr-fhirlab-pins"
wanted="$(printf '%s\n' "${pins[@]}")"

python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "error: $python is missing; install python3 (Debian: python3 python3-venv)" >&2; exit 1; }

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    echo "fhir lab: up to date in $venv"
    exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv" || {
        echo "error: cannot create a venv with $python; on Debian install python3-venv" >&2
        exit 1
    }
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"

# Every tool the tests start must be there, or the tests would fail later with a vaguer message.
for tool in sekmet fhirkit pyfhircheck mitmdump; do
    [ -x "$venv/bin/$tool" ] || { echo "error: $venv/bin/$tool is missing after the install" >&2; exit 1; }
done
"$venv/bin/python" -c 'import fhirpathpy' || { echo "error: fhirpathpy does not import" >&2; exit 1; }
printf '%s\n' "$wanted" >"$stamp"
echo "fhir lab: installed in $venv"
