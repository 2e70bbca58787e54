#!/usr/bin/env bash
# Runs the SharpFuzz + afl-fuzz harnesses of the hub protocol parsers.
#
#   tests/Fuzz/run.sh <target|all> <seconds>
#
# <target>: handshake, json, messagepack, a comma-separated list, or all. Every target is
# fuzzed for <seconds> from its seeds (tests/Fuzz/seeds/<target>) with a fixed random seed, into
# a fresh output directory. Prints one line per target:
#
#   fuzz <target>: <execs> execs, <n> crashes, <n> hangs
#
# and exits non-zero when any target produced a crash or a hang (they are hex-dumped and
# replayed to show the exception) or could not run.
#
# Environment knobs (all optional):
#   FUZZ_WORK     working directory (default <repo>/artifacts/fuzz): tools, instrumented copies, outputs
#   FUZZ_SEED     afl-fuzz -s value (default 1)
#   FUZZ_TIMEOUT  afl-fuzz -t per-input timeout in ms (default 10000)
#   FUZZ_DEADLINE epoch second by which every target must be done: each target then gets
#                 min(<seconds>, its share of the time left), at least 5 s (used by ci.sh)
#   FUZZ_RESUME=1 continue from the previous output of the target instead of a fresh one (long runs)
#   SKIP_APT=1    never call apt-get (fail if afl-fuzz is missing)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
ALL_TARGETS=(handshake json messagepack)

if [ $# -ne 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 <handshake|json|messagepack|all|t1,t2> <seconds>" >&2
  exit 2
fi

if [ "$1" = all ]; then
  TARGETS=("${ALL_TARGETS[@]}")
else
  IFS=, read -r -a TARGETS <<<"$1"
fi
for t in "${TARGETS[@]}"; do
  case " ${ALL_TARGETS[*]} " in *" $t "*) ;; *) echo "unknown target '$t'" >&2; exit 2 ;; esac
done
SECONDS_PER_TARGET="$2"

WORK="${FUZZ_WORK:-$ROOT/artifacts/fuzz}"
SEED="${FUZZ_SEED:-1}"
TIMEOUT_MS="${FUZZ_TIMEOUT:-10000}"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
mkdir -p "$WORK"

START_TIME=$(date +%s)
log() { echo "[fuzz +$(( $(date +%s) - START_TIME ))s] $*" >&2; }

# ----------------------------------------------------------------------------- prerequisites
ensure_afl() {
  command -v afl-fuzz >/dev/null 2>&1 && return 0
  if [ "${SKIP_APT:-0}" = 1 ]; then
    echo "afl-fuzz is missing and SKIP_APT=1" >&2
    return 1
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "installing afl++"
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -qq afl++ >"$WORK/apt.log" 2>&1; then
    $sudo apt-get update -qq >>"$WORK/apt.log" 2>&1 || true
    $sudo apt-get install -y -qq afl++ >>"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log" >&2; return 1; }
  fi
  command -v afl-fuzz >/dev/null 2>&1
}

SHARPFUZZ="$WORK/tools/sharpfuzz"
ensure_sharpfuzz() {
  [ -x "$WORK/tools/sharpfuzz" ] && return 0
  log "installing SharpFuzz.CommandLine 2.3.0"
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$WORK/tools" >"$WORK/tool-install.log" 2>&1 \
    || { cat "$WORK/tool-install.log" >&2; return 1; }
}

# Release build of the harness, then a fresh copy whose library dlls get instrumented
# (instrumenting an already instrumented dll fails, so never instrument in place).
build_and_instrument() {
  log "building the harness (Release)"
  dotnet build "$HERE/SignalRLite.Fuzz/SignalRLite.Fuzz.csproj" -c Release -nologo -v q -clp:ErrorsOnly \
    >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; return 1; }
  BIN="$WORK/bin"
  rm -rf "$BIN"
  cp -r "$HERE/SignalRLite.Fuzz/bin/Release/net10.0" "$BIN"
  local dll
  for dll in SignalRLite.dll SignalRLite.Protocols.MessagePack.dll MessagePack.dll; do
    log "instrumenting $dll"
    "$SHARPFUZZ" "$BIN/$dll" >"$WORK/instrument.log" 2>&1 || { cat "$WORK/instrument.log" >&2; return 1; }
  done
}

# ----------------------------------------------------------------------------- one target
# Sets RESULT_LINE; returns non-zero on findings or when afl-fuzz did not run.
fuzz_target() {
  local target="$1" out="$WORK/out/$1" input="$HERE/seeds/$1"
  if [ "${FUZZ_RESUME:-0}" = 1 ] && [ -d "$out/default/queue" ]; then
    input="-"
  else
    rm -rf "$out"
  fi
  mkdir -p "$out"
  local dict=()
  [ -f "$HERE/dictionaries/$target.dict" ] && dict=(-x "$HERE/dictionaries/$target.dict")
  log "afl-fuzz $target for ${SECONDS_PER_TARGET}s -> $out"
  local rc=0
  AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_FAST_CAL=1 \
  AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    timeout $((SECONDS_PER_TARGET + 120)) \
    afl-fuzz -V "$SECONDS_PER_TARGET" -s "$SEED" -i "$input" -o "$out" -t "$TIMEOUT_MS" -m none "${dict[@]}" \
      -- dotnet "$BIN/SignalRLite.Fuzz.dll" "$target" >"$out/afl.log" 2>&1 || rc=$?

  local stats="$out/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    RESULT_LINE="fuzz $target: afl-fuzz did not run (exit $rc), see $out/afl.log"
    tail -n 30 "$out/afl.log" >&2 || true
    return 1
  fi

  local execs crashes hangs f
  execs="$(awk -F' *: *' '$1=="execs_done"{print $2}' "$stats")"
  crashes="$(find "$out/default/crashes" -maxdepth 1 -name 'id:*' 2>/dev/null | wc -l)"
  hangs="$(find "$out/default/hangs" -maxdepth 1 -name 'id:*' 2>/dev/null | wc -l)"
  RESULT_LINE="fuzz $target: ${execs:-0} execs, $crashes crashes, $hangs hangs"
  if [ "$crashes" -eq 0 ] && [ "$hangs" -eq 0 ]; then
    return 0
  fi

  for f in "$out"/default/crashes/id:* "$out"/default/hangs/id:*; do
    [ -f "$f" ] || continue
    echo "--- $target finding: $f" >&2
    od -A x -t x1z -v "$f" | head -n 64 >&2
    # Show the exception (uninstrumented build, so this is exactly what the regression test sees).
    timeout 60 dotnet "$HERE/SignalRLite.Fuzz/bin/Release/net10.0/SignalRLite.Fuzz.dll" "$target" --replay "$f" 2>&1 \
      | head -n 20 >&2 || true
  done
  echo "copy findings to tests/Fuzz/regressions/$target/ once fixed (see docs/security.md)" >&2
  return 1
}

# ----------------------------------------------------------------------------- main
ensure_afl || { for t in "${TARGETS[@]}"; do echo "fuzz $t: afl-fuzz unavailable"; done; exit 1; }
ensure_sharpfuzz || { for t in "${TARGETS[@]}"; do echo "fuzz $t: SharpFuzz unavailable"; done; exit 1; }
build_and_instrument || { for t in "${TARGETS[@]}"; do echo "fuzz $t: build or instrumentation failed"; done; exit 1; }

status=0
REQUESTED_SECONDS="$SECONDS_PER_TARGET"
left=${#TARGETS[@]}
for t in "${TARGETS[@]}"; do
  if [ -n "${FUZZ_DEADLINE:-}" ]; then
    # About 4 s per target go to starting dotnet and afl-fuzz's dry run of the seeds.
    share=$(( (FUZZ_DEADLINE - $(date +%s)) / left - 4 ))
    SECONDS_PER_TARGET=$(( share < REQUESTED_SECONDS ? share : REQUESTED_SECONDS ))
    [ "$SECONDS_PER_TARGET" -ge 5 ] || SECONDS_PER_TARGET=5
  fi
  left=$((left - 1))
  if fuzz_target "$t"; then :; else status=1; fi
  echo "$RESULT_LINE"
done
exit "$status"
