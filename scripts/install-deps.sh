#!/usr/bin/env bash
# Installs what vhr needs to build and test on Debian 12, and nothing that is already there.
# Usage: scripts/install-deps.sh
set -euo pipefail

packages=(
    pkg-config         # system-library targets find their flags with it
    libsqlite3-dev     # the state directory's store
    libusb-1.0-0-dev   # USB cuffs
    libserialport-dev  # serial cuffs
    libasound2-dev     # stethoscope capture (ALSA)
    libboost-dev       # vhr-bench: boost::lockfree::spsc_queue, a peer ring
    libjack-jackd2-dev # vhr-bench: jack_ringbuffer, a peer ring
    libspa-0.2-dev     # vhr-bench: PipeWire's spa_ringbuffer, a peer ring
    umockdev           # tests: emulated USB and serial devices
    sox                # tests: the audio tap read by a real sox
    socat              # tests and docs: the tap through socat
    alsa-utils         # tests: aplay reads the tap
    python3            # scripts/fuzz.sh: seeds from the JSON fixtures; the FHIR lab's venv
    python3-venv       # scripts/install-fhir-lab.sh: the FHIR server, validators and fault proxy
    libcurl4-openssl-dev # uploads: HTTPS through libcurl
    openssl            # tests: certificates for the TLS tests, made at test time
    curl               # tests: queries to the FHIR test server
    fiu-utils          # tests: I/O faults (failing fsync and write, a full disk) injected with libfiu
    libfiu-dev         # tests: libfiu's preload libraries for fiu-run
    sqlite3            # tests: PRAGMA integrity_check on the store after crashes
    udev               # tests: systemd-hwdb and udevadm check the generated udev rules and hwdb
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "error: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    # apt may be busy with another run (unattended upgrades): wait for its lock rather than fail.
    for attempt in 1 2 3 4 5 6; do
        if $sudo apt-get -o DPkg::Lock::Timeout=120 update -qq \
            && $sudo apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "${missing[@]}"; then
            break
        fi
        [ "$attempt" -eq 6 ] && { echo "error: apt-get could not install ${missing[*]}" >&2; exit 1; }
        sleep 10
    done
fi

if ! command -v swift >/dev/null; then
    cat >&2 <<'MSG'
error: no Swift toolchain on PATH.
vhr needs Swift 6.3: unpack the Debian 12 toolchain from swift.org (for example into /opt/swift)
and add its usr/bin to PATH, then run this again.
MSG
    exit 1
fi
swift --version 2>/dev/null | head -n 1

# The FHIR lab the upload tests run against (a real FHIR server, validators, a fault proxy), in a
# venv inside the repo; quick when it is already there.
"$(dirname "$0")/install-fhir-lab.sh"
