#!/bin/bash
# Coverage-guided fuzzing of VHRCore's pure decoders with libFuzzer and AddressSanitizer (issue 4).
#
#   scripts/fuzz.sh                 short mode (CI): 8 s per target, about 2 minutes in all with the build
#   scripts/fuzz.sh --long          60 s per target
#   scripts/fuzz.sh --seconds N     N seconds per target
#   scripts/fuzz.sh ... apdu wav    only the targets named (default: all)
#   scripts/fuzz.sh --list          the target names
#
# Environment: VHR_FUZZ_DIR keeps the work directory (binary, corpora, logs, reproducers) at that
# path instead of a temporary one; VHR_FUZZ_JOBS runs that many targets at once (default 1: the
# CI machine has 2 cores and a fuzzer keeps one busy).
#
# One binary serves every target (scripts/fuzz/*.swift, chosen by VHR_FUZZ_TARGET): compiling
# VHRCore is the slow part, and the harness is compiled into the same module as VHRCore so
# internal API is reachable. -wmo keeps the build near 35 s instead of 100 s per-file.
# Each target starts from the repository's own fixtures plus seeds the harness writes with the
# encoders under test. A crash (trap, sanitizer report), a hang (-timeout) or an allocation past
# -rss_limit_mb/-malloc_limit_mb fails the run; the reproducer's path is printed, and
#   VHR_FUZZ_TARGET=<target> <binary> <reproducer>
# replays it. Exit status 0 only if every target ran to its time limit without a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

all_targets="apdu suntech omron ble-bpm wav control stream config profile"
seconds=8
targets=""
while [ $# -gt 0 ]; do
    case "$1" in
        --long) seconds=60 ;;
        --seconds)
            seconds="${2:?--seconds needs a number}"
            shift
            ;;
        --list)
            echo "$all_targets" | tr ' ' '\n'
            exit 0
            ;;
        -h | --help)
            sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        -*)
            echo "fuzz.sh: unknown option $1 (try --help)" >&2
            exit 2
            ;;
        *)
            case " $all_targets " in
                *" $1 "*) targets="$targets $1" ;;
                *)
                    echo "fuzz.sh: unknown target $1; targets are: $all_targets" >&2
                    exit 2
                    ;;
            esac
            ;;
    esac
    shift
done
targets="${targets:-$all_targets}"
case "$seconds" in '' | *[!0-9]*)
    echo "fuzz.sh: --seconds takes a whole number of seconds, not '$seconds'" >&2
    exit 2
    ;;
esac
command -v python3 > /dev/null || {
    echo "fuzz.sh: python3 is needed to read the hex fixtures; install python3" >&2
    exit 2
}

if [ -n "${VHR_FUZZ_DIR:-}" ]; then
    work="$VHR_FUZZ_DIR"
    mkdir -p "$work"
else
    work=$(mktemp -d /tmp/vhr-fuzz.XXXXXX)
fi
binary="$work/vhr-fuzz"
started=$(date +%s)

# --- build ------------------------------------------------------------------------------------
echo "== building $binary"
# ld.gold warns "Cannot export local symbol" for every instrumented local symbol: harmless, hidden.
if ! swiftc -O -wmo -num-threads 2 -sanitize=fuzzer,address -parse-as-library -module-name VHRCore \
    scripts/fuzz/*.swift $(find Sources/VHRCore -name '*.swift' | sort) -o "$binary" \
    > "$work/build.log" 2>&1; then
    grep -v 'Cannot export local symbol' "$work/build.log" >&2 || true
    echo "fuzz.sh: the fuzzer did not build (log: $work/build.log)" >&2
    exit 1
fi
grep -v 'Cannot export local symbol' "$work/build.log" || true
built=$(date +%s)
echo "== built in $((built - started)) s"

# --- seeds ------------------------------------------------------------------------------------
seeds="$work/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"
VHR_FUZZ_SEEDS_OUT="$seeds" "$binary" > /dev/null 2>&1
python3 - "$repo" "$seeds" << 'EOF'
import glob, json, os, re, sys

repo, out = sys.argv[1], sys.argv[2]
count = {}

def seed(target, data):
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    count[target] = count.get(target, 0) + 1
    with open(os.path.join(folder, "fixture-%d" % count[target]), "wb") as f:
        f.write(data)

def hexbytes(text):
    # Placeholders such as "xx" or "<bank>" in the research notes become zero bytes.
    return bytes(int(t, 16) if re.fullmatch(r"[0-9a-fA-F]{2}", t) else 0 for t in text.split())

def strings(node, keys):
    """Every string under one of `keys`, anywhere in the JSON (lists of strings are joined)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in keys and isinstance(value, str):
                yield value
            elif key in keys and isinstance(value, list) and all(isinstance(v, str) for v in value):
                yield " ".join(value)
            else:
                yield from strings(value, keys)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value, keys)

fixtures = os.path.join(repo, "Tests/Fixtures/bp")
by_target = {"apdu": ["antidote", "atmel-asf-phdc", "freescale-phdc-bpm"], "suntech": ["suntech-advantage"],
             "omron": ["omron-hem7322u-obpm", "omron-hem790it-libomron"], "ble-bpm": ["ble-2a35"]}
for target, names in by_target.items():
    for name in names:
        path = os.path.join(fixtures, name + ".json")
        if os.path.exists(path):
            for text in strings(json.load(open(path)), {"hex", "in_reports", "out_reports", "payload"}):
                seed(target, hexbytes(text))

# The first 4 KiB of each recording: the header and some samples are what the parser reads.
wavs = glob.glob(os.path.join(repo, "**/*.wav"), recursive=True)
for path in sorted(wavs)[:8]:
    seed("wav", open(path, "rb").read(4096))

for path in [os.path.join(repo, "docs/vhrd.conf.example")]:
    if os.path.exists(path):
        seed("config", open(path, "rb").read())
for path in sorted(glob.glob(os.path.join(repo, "DeviceProfiles/*.json"))):
    seed("profile", open(path, "rb").read())
# Example NDJSON lines from the control protocol's documentation.
doc = os.path.join(repo, "docs/control-protocol.md")
if os.path.exists(doc):
    lines = [l for l in open(doc, encoding="utf-8").read().splitlines() if l.startswith('{"')]
    for line in lines:
        seed("control", (line + "\n").encode())
    seed("control", "".join(l + "\n" for l in lines).encode())
EOF

# --- run --------------------------------------------------------------------------------------
run_target() {
    local target="$1" corpus="$work/corpus/$1" artifacts="$work/artifacts/$1"
    mkdir -p "$corpus" "$artifacts" "$seeds/$target"
    local status=0
    # The corpus directory comes first: libFuzzer writes new inputs there, not into the seeds.
    VHR_FUZZ_TARGET="$target" ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}" "$binary" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=5 -max_len=4096 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "$seeds/$target" \
        < /dev/null > "$work/$target.log" 2>&1 || status=$?
    echo "$status" > "$work/$target.status"
}

echo "== fuzzing $(echo $targets | wc -w) targets for $seconds s each (work directory: $work)"
jobs_max="${VHR_FUZZ_JOBS:-1}"
for target in $targets; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do sleep 0.2; done
    run_target "$target" &
done
wait

failed=0
printf '\n%-9s %12s %8s %14s  %s\n' target executions seconds coverage result
for target in $targets; do
    log="$work/$target.log"
    status=$(cat "$work/$target.status")
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    start_cov=$(sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' "$log" | tail -1)
    end_cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    coverage="${end_cov:-?} (+$((${end_cov:-0} - ${start_cov:-0})))"
    reproducer=$(ls -1 "$work/artifacts/$target/" 2> /dev/null | head -1)
    if [ "$status" -eq 0 ] && [ -z "$reproducer" ] && grep -q '^Done ' "$log"; then
        result=ok
    else
        failed=1
        kind=$(grep -o -m1 'ERROR: libFuzzer: [a-z-]*\|ERROR: AddressSanitizer: [a-z-]*\|Fatal error[^\n]*' "$log" \
            | head -1)
        result="FAILED (${kind:-exit $status})"
    fi
    printf '%-9s %12s %8s %14s  %s\n' "$target" "${execs:-?}" "${secs:-?}" "$coverage" "$result"
    if [ "$result" != ok ]; then
        [ -n "$reproducer" ] && echo "          reproducer: $work/artifacts/$target/$reproducer"
        echo "          log: $log"
        echo "          replay: VHR_FUZZ_TARGET=$target $binary <reproducer>"
    fi
done
echo "== $(($(date +%s) - started)) s in all (build $((built - started)) s)"

if [ "$failed" -ne 0 ]; then
    echo "fuzz.sh: a target failed; its work directory is kept: $work" >&2
    exit 1
fi
[ -n "${VHR_FUZZ_DIR:-}" ] || rm -rf "$work"
