#!/usr/bin/env bash
# The real-Kong lane: the end-to-end tests (tests/acceptance) against a Kong Admin API that runs
# outside the tests, instead of an in-process sandbox per test. See CONTRIBUTING.md.
#
#   scripts/real-kong-lane.sh URL               every end-to-end test against the Admin API at URL
#   scripts/real-kong-lane.sh --sandbox         the same against a kong-sandbox process started here
#   scripts/real-kong-lane.sh URL -- ARGS       extra arguments for the test runner (a filter, say)
#
# The URL can also come from DISPATCH_TEST_KONG_URL. The tests run one at a time (they use fixed
# names and look at whole collections); each test deletes what it added when it ends, and this
# script fails if anything is left over. Tests that need a sandbox of their own (fault injection,
# request counts, an HTTPS or Enterprise sandbox) skip, and the list of skips is printed at the end.
# The Kong must be one the lane may write to: a throwaway one, such as the compose files in
# scripts/kong/ start.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
target="${CARGO_TARGET_DIR:-$root/target}"
work="$target/real-kong-lane"
mkdir -p "$work"

url="${DISPATCH_TEST_KONG_URL:-}"
sandbox=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sandbox) sandbox=1 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "real-kong-lane: unknown option $1" >&2; exit 2 ;;
    *) url="$1" ;;
  esac
  shift
done

. scripts/setup.sh
command -v curl >/dev/null 2>&1 || {
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >&2
}

if [ -n "$sandbox" ]; then
  # A sandbox as a separate process, on ports the system picks; its first line names them.
  cargo build -q -p kong-sandbox --bin kong-sandbox
  "$target/debug/kong-sandbox" --listen 127.0.0.1:0 --control-listen 127.0.0.1:0 \
    >"$work/sandbox.out" 2>"$work/sandbox.err" &
  pid=$!
  trap 'kill "$pid" 2>/dev/null || true' EXIT
  for _ in $(seq 200); do
    [ -s "$work/sandbox.out" ] && break
    sleep 0.05
  done
  # "kong-sandbox listening on http://127.0.0.1:PORT (control on ...)"
  url="$(head -n 1 "$work/sandbox.out" | awk '{print $4}')"
  case "$url" in
    http://127.0.0.1:*) ;;
    *) echo "real-kong-lane: the sandbox did not start" >&2; cat "$work/sandbox.err" >&2; exit 1 ;;
  esac
fi
if [ -z "$url" ]; then
  echo "real-kong-lane: name the Admin API (an argument or DISPATCH_TEST_KONG_URL), or --sandbox" >&2
  exit 2
fi
url="${url%/}"

# Kong answers (a Kong just started by docker compose takes a while).
for _ in $(seq 120); do
  curl -fsS "$url/status" >/dev/null 2>&1 && break
  sleep 1
done
root_info="$(curl -fsS "$url/")" || { echo "real-kong-lane: no Kong Admin API at $url" >&2; exit 1; }
version="$(printf '%s' "$root_info" | sed -n 's/.*"version":"\([^"]*\)".*/\1/p')"
edition="$(printf '%s' "$root_info" | sed -n 's/.*"edition":"\([^"]*\)".*/\1/p')"
echo "real-kong-lane: Kong ${version:-?} (${edition:-community}) at $url"

# Every id Kong holds (top-level and nested), to find what the run leaves behind.
collections=(services routes plugins consumers certificates snis ca_certificates upstreams)
ids() {
  for c in "${collections[@]}"; do
    # (a collection this Kong does not have answers 404: nothing to compare)
    curl -fsS "$url/$c?size=1000" 2>/dev/null | grep -o '"id": *"[^"]*"' || true
  done | sort -u
}
ids >"$work/ids.before"

skips="$work/skips.tsv"
: >"$skips"
started=$(date +%s)
status=0
if cargo nextest --version >/dev/null 2>&1; then
  DISPATCH_TEST_KONG_URL="$url" DISPATCH_TEST_LANE_SKIPS="$skips" \
    cargo nextest run -p terraform-provider-dispatch --test acceptance --no-fail-fast \
    --test-threads 1 "${extra[@]}" || status=$?
else
  # Without nextest: the same, through libtest.
  DISPATCH_TEST_KONG_URL="$url" DISPATCH_TEST_LANE_SKIPS="$skips" \
    cargo test -p terraform-provider-dispatch --test acceptance -- --test-threads 1 \
    "${extra[@]}" || status=$?
fi
elapsed=$(( $(date +%s) - started ))

if [ -s "$skips" ]; then
  echo "real-kong-lane: $(grep -c '^SKIPPED' "$skips" || true) skipped, $(grep -c '^NOTE' "$skips" || true) on a sandbox of their own:"
  sort "$skips" | awk -F'\t' '{printf "  %-7s %s: %s\n", $1, $2, $3}'
fi

ids >"$work/ids.after"
leftovers="$(comm -13 "$work/ids.before" "$work/ids.after")"
if [ -n "$leftovers" ]; then
  echo "real-kong-lane: the run left entities in Kong:" >&2
  echo "$leftovers" >&2
  status=1
fi
echo "real-kong-lane: finished in ${elapsed}s against Kong ${version:-?} at $url (exit $status)"
exit "$status"
