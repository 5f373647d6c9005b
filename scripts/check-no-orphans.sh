#!/usr/bin/env bash
# Fails when a test run left a daemon behind: a vhrd, umockdev-run or fiu-run on a test's
# temporary directories (/tmp/vhr-*), or the swift-backtrace of a crashed vhrd. One the tests
# started and never stopped loads the CPU for whatever runs next (timing flakes). Lists them,
# kills them, exits 1.
#
#   export VHR_TEST_RUN=<any unique id>     # before the tests: every child inherits it
#   swift test ...
#   scripts/check-no-orphans.sh
#
# Only this run's processes count, those whose environment holds the same VHR_TEST_RUN: other
# people's vhrd on a shared machine are left alone. Without VHR_TEST_RUN (a fresh CI machine)
# every matching process counts. A process still shutting down gets a few seconds
# (VHR_ORPHAN_GRACE, default 10) before it is counted.
set -euo pipefail

run="${VHR_TEST_RUN:-}"
grace="${VHR_ORPHAN_GRACE:-10}"
temporary="${TMPDIR:-/tmp}"
temporary="${temporary%/}/vhr-"

# Prints "pid command line" for each leftover of this run.
leftovers() {
    local entry pid command word name environment
    for entry in /proc/[0-9]*; do
        pid="${entry#/proc/}"
        [ "$pid" = "$$" ] && continue
        command="$({ tr '\0' ' ' <"$entry/cmdline"; } 2>/dev/null)" || continue
        [ -n "$command" ] || continue
        # The program or its first arguments (env, setpriv, bash running the fiu-run script).
        name=""
        for word in $(printf '%s' "$command" | cut -d' ' -f1-4); do
            case "${word##*/}" in
            vhrd | umockdev-run | fiu-run | swift-backtrace) name="${word##*/}" ;;
            esac
        done
        [ -n "$name" ] || continue
        if [ -n "$run" ]; then
            environment="$({ tr '\0' '\n' <"$entry/environ"; } 2>/dev/null)" || continue
            grep -qxF "VHR_TEST_RUN=$run" <<<"$environment" || continue
        fi
        # swift-backtrace names no directory; only this run's (by its environment) counts.
        if [ "$name" = swift-backtrace ]; then
            [ -n "$run" ] || continue
        else
            case "$command" in *"$temporary"*) ;; *) continue ;; esac
        fi
        printf '%s %s\n' "$pid" "$command"
    done
}

deadline=$(($(date +%s) + grace))
found="$(leftovers)"
while [ -n "$found" ] && [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 1
    found="$(leftovers)"
done

if [ -z "$found" ]; then
    echo "no process left behind by the tests${run:+ (run $run)}"
    exit 0
fi

echo "error: the tests left these processes running (each test must stop what it starts):" >&2
printf '  %s\n' "$found" >&2
while read -r pid _; do
    kill -KILL "$pid" 2>/dev/null || true
done <<<"$found"
echo "killed them; see Tests/VHRIntegrationTests/RoomProcess.swift and ProcessGroup.swift" >&2
exit 1
