#!/usr/bin/env bash
# The fuzzing suite of the CI run: every target (handshake, json, messagepack) for a short seeded
# run, one "test" per target. Ends with exactly one line:
#
#   fuzz: N passed, N failed
#
# A target passes when afl-fuzz ran and found no crash and no hang. The whole run (build,
# instrumentation, three targets) is held to FUZZ_CI_BUDGET seconds: each target gets up to
# FUZZ_CI_SECONDS, less when the build was slow.
#
#   FUZZ_CI_SECONDS  seconds per target at most (default 30)
#   FUZZ_CI_BUDGET   seconds for the whole run (default 115)
# Other knobs (FUZZ_WORK, SKIP_APT, ...) are those of run.sh.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TARGETS=(handshake json messagepack)
SECONDS_PER_TARGET="${FUZZ_CI_SECONDS:-30}"
export FUZZ_DEADLINE=$(( $(date +%s) + ${FUZZ_CI_BUDGET:-115} ))

output="$("$HERE/run.sh" all "$SECONDS_PER_TARGET" 2> >(cat >&2))"
echo "$output"

passed=0
failed=0
for t in "${TARGETS[@]}"; do
  line="$(grep -E "^fuzz $t: " <<<"$output" | tail -n 1)"
  if [[ "$line" =~ ^fuzz\ $t:\ [1-9][0-9]*\ execs,\ 0\ crashes,\ 0\ hangs$ ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
