#!/usr/bin/env bash
# The one test command: builds everything once, runs every suite, prints "N passed, N failed".
#
#   ./test.sh
#   ./test.sh --aot-only   only the Native AOT step (after a build of the solution): publish (or reuse) samples/AotChat
#                          natively and run the interop tests against it
#
# Suites: every .NET test project in SignalRLite.sln (dotnet test, trx), the JavaScript client
# suite in tests/js against tests/SignalRLite.TestServer (node --test), the Native AOT step (samples/AotChat published
# natively, cached in artifacts/aot; the official JS and .NET clients against the binary: docs/aot.md), and fuzzing. A redis-server is started on a free port for tests that want a backplane
# (SIGNALRLITE_REDIS=127.0.0.1:<port>).
#
# Environment knobs (all optional):
#   CONFIGURATION      dotnet build configuration (default Release)
#   SIGNALRLITE_MATRIX transport/protocol list for the JS suite (default: every transport x protocol that applies)
#   SKIP_APT=1         never call apt-get
#   SKIP_AOT=1         skip the Native AOT step (publish samples/AotChat, interop tests against the binary)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

CONFIGURATION="${CONFIGURATION:-Release}"
RESULTS="$ROOT/artifacts/test-results"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export SIGNALRLITE_MATRIX="${SIGNALRLITE_MATRIX:-websockets/json,sse/json,longpolling/json,websockets/messagepack,longpolling/messagepack}"

TOTAL_PASSED=0
TOTAL_FAILED=0
SUMMARY=()
PIDS_TO_STOP=()
TMP_DIR="$(mktemp -d -t signalrlite-test.XXXXXX)"

log() { printf '\n=== %s\n' "$*" >&2; }

# record_suite NAME PASSED FAILED
record_suite() {
  TOTAL_PASSED=$((TOTAL_PASSED + $2))
  TOTAL_FAILED=$((TOTAL_FAILED + $3))
  SUMMARY+=("$(printf '%-50s %5d passed, %5d failed' "$1" "$2" "$3")")
}

cleanup() {
  local pid
  for pid in "${PIDS_TO_STOP[@]:-}"; do
    [ -n "$pid" ] || continue
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS_TO_STOP[@]:-}"; do
    [ -n "$pid" ] || continue
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP_DIR"
}
trap cleanup EXIT

finish() {
  log "Summary"
  local line
  for line in "${SUMMARY[@]:-}"; do
    [ -n "$line" ] && echo "$line" >&2
  done
  echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
  if [ "$TOTAL_FAILED" -ne 0 ]; then exit 1; fi
  exit 0
}

# wait_for_health NAME URL PID SECONDS POLL_MS: polls URL/health until it answers 2xx; fails when the process PID
# exits or SECONDS pass.
wait_for_health() {
  node -e '
    const [name, url, pid, seconds, pollMs] = process.argv.slice(1);
    const deadline = Date.now() + Number(seconds) * 1000;
    (async () => {
      for (;;) {
        try { const r = await fetch(url + "/health"); if (r.ok) process.exit(0); } catch {}
        try { process.kill(Number(pid), 0); } catch { console.error(name + " exited"); process.exit(1); }
        if (Date.now() > deadline) { console.error(name + " not ready after " + seconds + " s"); process.exit(1); }
        await new Promise((r) => setTimeout(r, Number(pollMs)));
      }
    })();' "$@"
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# ---------------------------------------------------------------------------------------------
# Prerequisites
# ---------------------------------------------------------------------------------------------
ensure_system_packages() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v afl-fuzz >/dev/null 2>&1 || missing+=(afl++)
  command -v clang >/dev/null 2>&1 || missing+=(clang)   # the native linker of the AOT step
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "${SKIP_APT:-0}" = 1 ]; then
    echo "missing system packages (${missing[*]}), SKIP_APT=1 so not installing" >&2
    return 0
  fi
  log "Installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -qq "${missing[@]}" >"$TMP_DIR/apt.log" 2>&1; then
    $sudo apt-get update -qq >>"$TMP_DIR/apt.log" 2>&1 || true
    $sudo apt-get install -y -qq "${missing[@]}" >>"$TMP_DIR/apt.log" 2>&1 || {
      cat "$TMP_DIR/apt.log" >&2
      echo "apt-get install ${missing[*]} failed" >&2
    }
  fi
}

# ---------------------------------------------------------------------------------------------
# Hook: Redis (backplane tests read SIGNALRLITE_REDIS)
# ---------------------------------------------------------------------------------------------
start_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "redis-server not available; SIGNALRLITE_REDIS not set" >&2
    return 0
  fi
  local port
  port="$(free_port)"
  mkdir -p "$TMP_DIR/redis"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP_DIR/redis" \
    >"$RESULTS/redis.log" 2>&1 &
  local pid=$!
  PIDS_TO_STOP+=("$pid")
  local i
  for i in $(seq 1 100); do
    if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
      export SIGNALRLITE_REDIS="127.0.0.1:$port"
      log "redis-server ready on $SIGNALRLITE_REDIS (pid $pid)"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "redis-server did not start; see $RESULTS/redis.log" >&2
}

# ---------------------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------------------
build_all() {
  log "npm ci (tests/js)"
  (cd tests/js && npm ci --no-audit --no-fund --loglevel=error) || return 1
  log "dotnet build SignalRLite.sln -c $CONFIGURATION"
  dotnet build SignalRLite.sln -c "$CONFIGURATION" -nologo -v:minimal -clp:ErrorsOnly || return 1
}

# ---------------------------------------------------------------------------------------------
# .NET test projects (every project in the solution that is a test project)
# ---------------------------------------------------------------------------------------------
dotnet_test_projects() {
  dotnet sln SignalRLite.sln list | grep -E '\.csproj$' | tr '\\' '/' | while read -r proj; do
    # The AOT interop tests need the native binary: run_aot runs them.
    grep -q '<SignalRLiteAotInterop>true</SignalRLiteAotInterop>' "$proj" && continue
    if grep -qE '<IsTestProject>\s*true\s*</IsTestProject>|Include="Microsoft.NET.Test.Sdk"' "$proj"; then
      echo "$proj"
    fi
  done
}

# trx_count FILE ATTRIBUTE -> the value of ATTRIBUTE in the trx <Counters> element (0 if absent)
trx_count() {
  local v
  v="$(grep -o "<Counters [^>]*" "$1" | grep -oE "[[:space:]]$2=\"[0-9]+\"" | head -n1 | grep -oE '[0-9]+' || true)"
  echo "${v:-0}"
}

# trx_failures FILE -> for each failed test in FILE: "    failed: NAME", then up to 20 lines of its message, so that
# the reason is in the summary at the end of the log (CI keeps only the log's tail).
trx_failures() {
  awk '
    function unescape(s) { gsub(/&quot;/, "\"", s); gsub(/&apos;/, "\047", s); gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&#xD;/, "", s); gsub(/&amp;/, "\\&", s); return s }
    /<UnitTestResult / {
      failed = match($0, /outcome="(Failed|Error|Timeout|Aborted)"/)
      if (failed && match($0, /testName="[^"]*"/)) { print "    failed: " unescape(substr($0, RSTART + 10, RLENGTH - 11)); lines = 0 }
    }
    failed && /<Message>/ { inmsg = 1; sub(/.*<Message>/, "") }
    failed && inmsg {
      done = sub(/<\/Message>.*/, "")
      if (lines < 20) { print "      | " unescape($0) } else if (lines == 20) { print "      | ..." }
      lines++
      if (done) { inmsg = 0; failed = 0 }
    }
  ' "$1" || true
}

run_dotnet_tests() {
  local proj name trx rc passed failed
  while read -r proj; do
    [ -n "$proj" ] || continue
    name="$(basename "$proj" .csproj)"
    trx="$RESULTS/$name.trx"
    rm -f "$trx"
    log "dotnet test $name"
    rc=0
    # The solution was just built with the same configuration, so --no-build tests exactly that build.
    dotnet test "$proj" -c "$CONFIGURATION" --no-build --nologo \
      --logger "trx;LogFileName=$trx" --logger "console;verbosity=minimal" \
      --results-directory "$RESULTS" </dev/null || rc=$?
    if [ -f "$trx" ]; then
      passed="$(trx_count "$trx" passed)"
      failed=$(( $(trx_count "$trx" failed) + $(trx_count "$trx" error) + $(trx_count "$trx" timeout) + $(trx_count "$trx" aborted) ))
      if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi   # crash/abort after results
    else
      passed=0
      failed=1
      echo "no trx produced for $name (exit code $rc)" >&2
    fi
    record_suite "dotnet: $name" "$passed" "$failed"
    if [ -f "$trx" ]; then
      local t
      while IFS= read -r t; do
        [ -n "$t" ] && SUMMARY+=("$t")
      done < <(trx_failures "$trx")
    fi
  done < <(dotnet_test_projects)
}

# ---------------------------------------------------------------------------------------------
# JavaScript suite against the TestServer
# ---------------------------------------------------------------------------------------------
TESTSERVER_DLL="tests/SignalRLite.TestServer/bin/$CONFIGURATION/net10.0/SignalRLite.TestServer.dll"

start_testserver() {
  local port url pid
  port="$(free_port)"
  url="http://127.0.0.1:$port"
  dotnet "$TESTSERVER_DLL" --urls "$url" >"$RESULTS/testserver.log" 2>&1 &
  pid=$!
  PIDS_TO_STOP+=("$pid")
  if ! wait_for_health TestServer "$url" "$pid" 60 200; then
    cat "$RESULTS/testserver.log" >&2
    return 1
  fi
  export SIGNALRLITE_URL="$url"
  log "TestServer ready on $url (pid $pid)"
}

run_js_tests() {
  log "node --test tests/js (matrix: $SIGNALRLITE_MATRIX)"
  if [ ! -f "$TESTSERVER_DLL" ] || ! start_testserver; then
    record_suite "js: @microsoft/signalr" 0 1
    return 0
  fi
  local tap="$RESULTS/js.tap" rc=0
  (cd tests/js && node --test \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$tap" \
      test/) || rc=$?
  local passed failed cancelled
  passed="$(grep -E '^# pass [0-9]+' "$tap" | tail -n1 | grep -oE '[0-9]+' || true)"
  failed="$(grep -E '^# fail [0-9]+' "$tap" | tail -n1 | grep -oE '[0-9]+' || true)"
  cancelled="$(grep -E '^# cancelled [0-9]+' "$tap" | tail -n1 | grep -oE '[0-9]+' || true)"
  passed="${passed:-0}"
  failed=$(( ${failed:-0} + ${cancelled:-0} ))
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  record_suite "js: @microsoft/signalr ($SIGNALRLITE_MATRIX)" "$passed" "$failed"
}

# ---------------------------------------------------------------------------------------------
# Hook: fuzzing (a later issue fills this in: SharpFuzz + afl-fuzz -V <seconds>; fail on any
# file in <out>/default/crashes/id:*). Call record_suite with its result.
# ---------------------------------------------------------------------------------------------
run_fuzz() {
  log "fuzz: seeded afl-fuzz run of every parser (tests/Fuzz/ci.sh, about 2 minutes)"
  local line
  line="$(tests/Fuzz/ci.sh 2>"$RESULTS/fuzz.log" | tail -n 1)" || true
  if [[ "$line" =~ ^fuzz:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    record_suite "fuzz (afl-fuzz, 3 targets)" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
  else
    tail -n 40 "$RESULTS/fuzz.log" >&2 || true
    record_suite "fuzz (afl-fuzz, 3 targets)" 0 3
  fi
}

# ---------------------------------------------------------------------------------------------
# Native AOT: publish samples/AotChat natively (cached: artifacts/aot/publish is reused while a hash of its inputs is
# unchanged), count the trim/AOT warnings of the publish, start the binary (with the Redis backplane when redis-server
# runs) and run the official JS and .NET clients against it.
# ---------------------------------------------------------------------------------------------
AOT_DIR="$ROOT/artifacts/aot"

# A hash of everything the native binary is built from: sources, build files, the SDK version.
aot_inputs_hash() {
  {
    dotnet --version
    find src samples/AotChat Directory.Build.props Directory.Build.targets Directory.Packages.props -type f \
      -not -path '*/bin/*' -not -path '*/obj/*' -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
}

aot_publish() {
  local out="$AOT_DIR/publish" stamp="$AOT_DIR/publish.stamp" hash
  hash="$(aot_inputs_hash)"
  if [ -x "$out/AotChat" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] && [ -f "$AOT_DIR/publish.warnings" ]; then
    log "aot: inputs unchanged (${hash:0:12}), reusing $out"
    return 0
  fi
  log "aot: dotnet publish samples/AotChat -r linux-x64 (Native AOT, about 3 minutes)"
  rm -rf "$out" "$stamp" "$AOT_DIR/publish.warnings"
  mkdir -p "$AOT_DIR"
  local start=$SECONDS
  # ILC warnings stay warnings here so that they are counted (below) rather than stopping the build.
  if ! dotnet publish samples/AotChat/AotChat.csproj -c "$CONFIGURATION" -r linux-x64 -o "$out" \
      -p:IlcTreatWarningsAsErrors=false -nologo >"$AOT_DIR/publish.log" 2>&1; then
    grep -E ': error ' "$AOT_DIR/publish.log" | sort -u | tail -n 20 >&2 || tail -n 40 "$AOT_DIR/publish.log" >&2
    return 1
  fi
  # Every distinct IL2xxx/IL3xxx warning of the publish (ILC prints each once with TrimmerSingleWarn=false).
  { grep -E 'warning IL[23][0-9]{3}:' "$AOT_DIR/publish.log" || true; } | sed -E 's/ \[[^]]*\.csproj\]$//' | sort -u >"$AOT_DIR/publish.warnings"
  echo "$hash" >"$stamp"
  log "aot: published in $((SECONDS - start)) s"
}

run_aot() {
  if [ "${SKIP_AOT:-0}" = 1 ]; then
    return 0
  fi
  if ! aot_publish; then
    record_suite "aot: publish samples/AotChat (Native AOT)" 0 1
    return 0
  fi

  # The proof: no trim/AOT warning from SignalRLite's assemblies or the app (others are listed, not counted).
  local ours others
  ours="$(grep -cE 'SignalRLite|AotChat' "$AOT_DIR/publish.warnings" || true)"
  others="$(grep -cvE 'SignalRLite|AotChat' "$AOT_DIR/publish.warnings" || true)"
  if [ "${ours:-0}" -eq 0 ]; then
    record_suite "aot: publish, 0 trim/AOT warnings from SignalRLite ($others elsewhere)" 1 0
  else
    record_suite "aot: publish, $ours trim/AOT warnings from SignalRLite" 0 1
    while read -r line; do SUMMARY+=("    $line"); done < <(grep -E 'SignalRLite|AotChat' "$AOT_DIR/publish.warnings" | head -n 30)
  fi

  local port url pid
  port="$(free_port)"
  url="http://127.0.0.1:$port"
  local args=(--urls "$url")
  [ -n "${SIGNALRLITE_REDIS:-}" ] && args+=(--redis "$SIGNALRLITE_REDIS")
  "$AOT_DIR/publish/AotChat" "${args[@]}" >"$RESULTS/aotchat.log" 2>&1 &
  pid=$!
  PIDS_TO_STOP+=("$pid")
  if ! wait_for_health AotChat "$url" "$pid" 30 50; then
    cat "$RESULTS/aotchat.log" >&2
    record_suite "aot: AotChat native binary starts" 0 1
    return 0
  fi
  log "aot: native AotChat ready on $url (pid $pid${SIGNALRLITE_REDIS:+, Redis backplane $SIGNALRLITE_REDIS})"

  # The official JavaScript client.
  local tap="$RESULTS/aot-js.tap" rc=0 passed failed cancelled
  (cd tests/js && SIGNALRLITE_URL="$url" node --test \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$tap" \
      aot/) || rc=$?
  passed="$(grep -E '^# pass [0-9]+' "$tap" | tail -n1 | grep -oE '[0-9]+' || true)"
  failed="$(grep -E '^# fail [0-9]+' "$tap" | tail -n1 | grep -oE '[0-9]+' || true)"
  cancelled="$(grep -E '^# cancelled [0-9]+' "$tap" | tail -n1 | grep -oE '[0-9]+' || true)"
  passed="${passed:-0}"
  failed=$(( ${failed:-0} + ${cancelled:-0} ))
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  record_suite "aot js: @microsoft/signalr vs native AotChat" "$passed" "$failed"

  # The official .NET client (built with the solution, run only here).
  local trx="$RESULTS/SignalRLite.AotInterop.Tests.trx"
  rm -f "$trx"
  rc=0
  SIGNALRLITE_AOT_URL="$url" dotnet test tests/SignalRLite.AotInterop.Tests/SignalRLite.AotInterop.Tests.csproj \
    -c "$CONFIGURATION" --no-build --nologo \
    --logger "trx;LogFileName=$trx" --logger "console;verbosity=minimal" \
    --results-directory "$RESULTS" </dev/null || rc=$?
  if [ -f "$trx" ]; then
    passed="$(trx_count "$trx" passed)"
    failed=$(( $(trx_count "$trx" failed) + $(trx_count "$trx" error) + $(trx_count "$trx" timeout) + $(trx_count "$trx" aborted) ))
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
    local t
    while read -r t; do
      [ -n "$t" ] && SUMMARY+=("    failed: $t")
    done < <(grep -oE '<UnitTestResult [^>]*outcome="(Failed|Error|Timeout|Aborted)"' "$trx" | grep -oE 'testName="[^"]*"' | sed -E 's/^testName="(.*)"$/\1/; s/&quot;/"/g' || true)
  else
    passed=0
    failed=1
  fi
  record_suite "aot dotnet: official client 10.0.15 vs native AotChat" "$passed" "$failed"
  kill "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
main() {
  rm -rf "$RESULTS"
  mkdir -p "$RESULTS"
  if [ "${1:-}" = "--aot-only" ]; then
    start_redis
    run_aot
    finish
  fi
  ensure_system_packages
  if ! build_all; then
    record_suite "build" 0 1
    finish
  fi
  start_redis
  run_dotnet_tests
  run_js_tests
  run_aot
  run_fuzz
  finish
}

main "$@"
