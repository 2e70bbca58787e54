#!/usr/bin/env bash
# Regenerates src/*/PublicAPI.Unshipped.txt from the compiler: every public symbol that is not in
# PublicAPI.Shipped.txt is listed in PublicAPI.Unshipped.txt, sorted. Run it after adding, changing or
# removing public API (or after a merge), review `git diff -- '*PublicAPI*'`, commit.
#
#   eng/update-public-api.sh            # all projects under src/
#   eng/update-public-api.sh --check    # the same, and exit 1 if any Unshipped file changed (for CI)
#
# How: each Unshipped file is reset to "#nullable enable", the src projects are built with warnings
# kept as warnings, and the symbols of the RS0016 diagnostics ("Symbol '<api line>' is not part of the
# declared public API") are written back. A symbol in Shipped that no longer exists (RS0017) is
# reported, not removed: moving shipped API out is a decision for a person (*REMOVED* lines).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CHECK=0
[ "${1:-}" = "--check" ] && CHECK=1

TMP="$(mktemp -d -t public-api.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT

PROJECTS=()
for proj in src/*/*.csproj; do
  # Projects that ship no API of their own (the analyzers, packed inside SignalRLite) have no API files.
  grep -q '<IsSrcProject>false</IsSrcProject>' "$proj" && continue
  PROJECTS+=("$proj")
  dir="$(dirname "$proj")"
  [ -f "$dir/PublicAPI.Shipped.txt" ] || printf '#nullable enable\n' >"$dir/PublicAPI.Shipped.txt"
  [ -f "$dir/PublicAPI.Unshipped.txt" ] && cp "$dir/PublicAPI.Unshipped.txt" "$TMP/$(basename "$dir").before"
  # A changed AdditionalFile makes the compiler run again, so every diagnostic is reported.
  printf '#nullable enable\n' >"$dir/PublicAPI.Unshipped.txt"
done

: >"$TMP/build.log"
for proj in "${PROJECTS[@]}"; do
  dotnet build "$proj" -c Debug -nologo -v:q -clp:NoSummary \
    -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= -p:RunAnalyzersDuringBuild=true \
    >>"$TMP/build.log" 2>&1 || true
done

status=0
for proj in "${PROJECTS[@]}"; do
  dir="$(dirname "$proj")"
  name="$(basename "$dir")"
  {
    printf '#nullable enable\n'
    # No RS0016 at all is an empty list, not a failure (grep exits 1 on no match, which pipefail would carry).
    { grep -F "RS0016" "$TMP/build.log" || true; } | { grep -F "[$ROOT/$proj]" || true; } \
      | sed -nE "s/.*RS0016: Symbol '(.*)' is not part of the declared public API.*/\1/p" \
      | LC_ALL=C sort -u
  } >"$dir/PublicAPI.Unshipped.txt"
  echo "$dir/PublicAPI.Unshipped.txt: $(($(wc -l <"$dir/PublicAPI.Unshipped.txt") - 1)) symbols"
  if grep -F "RS0017" "$TMP/build.log" | grep -qF "[$ROOT/$proj]"; then
    echo "  $name: symbols in PublicAPI.Shipped.txt no longer exist (RS0017), edit it by hand:" >&2
    grep -F "RS0017" "$TMP/build.log" | grep -F "[$ROOT/$proj]" | sed -E 's/^[^:]*: *//' | sort -u >&2
    status=1
  fi
  if [ "$CHECK" = 1 ] && ! cmp -s "$TMP/$name.before" "$dir/PublicAPI.Unshipped.txt"; then
    echo "  $name: PublicAPI.Unshipped.txt is out of date (run eng/update-public-api.sh)" >&2
    diff -u "$TMP/$name.before" "$dir/PublicAPI.Unshipped.txt" >&2 || true
    status=1
  fi
done

# Anything else that failed the build (not an API-file diagnostic) is shown: the lists above may then be incomplete.
if grep -E ': error ' "$TMP/build.log" | grep -vE 'RS00(16|17)' | sort -u | head -n 20 | grep . >&2; then
  echo "the build had other errors (above); fix them and run this again" >&2
  status=1
fi
exit $status
