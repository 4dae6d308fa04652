#!/usr/bin/env bash
# Peer suite: Kong's own Go client, go-kong, runs its integration tests against the Kong sandbox
# for the entity groups the provider uses (services, routes, plugins, certificates, SNIs,
# consumers, basic-auth, ACLs, jwt) plus its client basics. A test that fails shows a place where
# the sandbox differs from Kong (go-kong's tests were written against a real Kong).
#
# go-kong and Go come from Debian (packages golang-github-kong-go-kong-dev, golang-go, and the
# libraries they depend on), and the tests build offline in GOPATH mode: no module download.
# go-kong's test client is wired to http://localhost:8001, so the sandbox and the tests run in a
# network namespace of their own (`unshare --net`, loopback only), which also keeps parallel runs
# and anything else on this machine's port 8001 apart. Without unshare the run needs port 8001 free.
#
# The groups run one after the other against one sandbox, reset between groups through the
# sandbox's control port (POST /reset). The summary line is "go-kong: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
target="${CARGO_TARGET_DIR:-$root/target}"
work="$target/peer-go-kong"
gokong=github.com/kong/go-kong/kong

# Each group: a go-kong test file (its tests are read from it, so a newer package brings its
# new tests along).
groups=(
  service_service_test.go
  route_service_test.go
  plugin_service_test.go
  certificate_service_test.go
  sni_service_test.go
  consumer_service_test.go
  basic_auth_service_test.go
  acl_service_test.go
  jwt_auth_service_test.go
  kong_test.go
  list_test.go
  error_test.go
  response_test.go
  types_test.go
  utils_test.go
)

# Tests of those files that cannot pass for a reason outside the sandbox, with the reason.
declare -A skip=(
  [TestRunWhenEnterprise]="needs Kong Enterprise: the peer run imitates Kong OSS 3.9.3 (go-kong skips it itself on OSS)"
)

if [ "${PEER_GO_KONG_IN_NETNS:-}" != 1 ]; then
  src=/usr/share/gocode/src/$gokong
  packages=()
  { command -v go >/dev/null 2>&1 && [ -d "$src" ]; } || packages+=(golang-go golang-github-kong-go-kong-dev)
  command -v ip >/dev/null 2>&1 || packages+=(iproute2)
  if [ "${#packages[@]}" -gt 0 ]; then
    echo "peer-go-kong: installing ${packages[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >&2
  fi
  echo "peer-go-kong: $(dpkg-query -W -f '${Package} ${Version}' golang-github-kong-go-kong-dev), $(go version)"
  cargo build -q -p kong-sandbox --bin kong-sandbox
  mkdir -p "$work"
  # GOPATH mode against Debian's /usr/share/gocode: every import is a packaged library.
  GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= GOCACHE="$work/gocache" \
    go test -c -o "$work/go-kong.test" "$gokong"
  if unshare --net true 2>/dev/null; then
    exec unshare --net env PEER_GO_KONG_IN_NETNS=1 bash "$0"
  fi
  if (exec 3<>/dev/tcp/127.0.0.1/8001) 2>/dev/null; then
    echo "peer-go-kong: no network namespace (unshare) and port 8001 is taken" >&2
    exit 1
  fi
  PEER_GO_KONG_IN_NETNS=1 exec bash "$0"
fi

# In the namespace: loopback up, the sandbox on go-kong's port.
ip link set lo up 2>/dev/null || true
"$target/debug/kong-sandbox" --listen 127.0.0.1:8001 --control-listen 127.0.0.1:8002 \
  >"$work/sandbox.log" 2>&1 &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null || true' EXIT
up=
for _ in $(seq 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/8002) 2>/dev/null; then up=1; break; fi
  sleep 0.05
done
if [ -z "$up" ]; then
  echo "peer-go-kong: the sandbox did not come up on 127.0.0.1:8001" >&2
  cat "$work/sandbox.log" >&2
  exit 1
fi

passed=0 failed=0 skipped=0
failures=()
src=/usr/share/gocode/src/$gokong
for file in "${groups[@]}"; do
  run=()
  for t in $(sed -n 's/^func \(Test[A-Za-z0-9_]*\)(.*\*testing\.T).*/\1/p' "$src/$file"); do
    if [ -n "${skip[$t]:-}" ]; then
      echo "SKIP $t: ${skip[$t]}"
      skipped=$((skipped + 1))
    else
      run+=("$t")
    fi
  done
  [ "${#run[@]}" -gt 0 ] || continue
  regex="^($(IFS='|'; echo "${run[*]}"))\$"
  log="$work/${file%.go}.log"
  set +e
  timeout 300 "$work/go-kong.test" -test.run "$regex" -test.count=1 -test.v >"$log" 2>&1
  set -e
  for t in "${run[@]}"; do
    if grep -q "^--- PASS: $t " "$log"; then
      passed=$((passed + 1))
    else
      # a FAIL, an unexpected SKIP (a version check), or a panic that stopped the run
      failed=$((failed + 1))
      failures+=("$t ($file)")
    fi
  done
  if grep -qE "^(--- FAIL|panic:)" "$log"; then
    grep -A12 -E "^(--- FAIL|panic:)" "$log" | head -60 >&2
  fi
  reset=$( { exec 3<>/dev/tcp/127.0.0.1/8002; printf 'POST /reset HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' >&3; head -n 1 <&3; } 2>/dev/null || true)
  case "$reset" in
    *" 200 "*) ;;
    *) echo "peer-go-kong: reset failed: $reset" >&2; exit 1 ;;
  esac
done

for f in "${failures[@]}"; do echo "FAIL $f" >&2; done
echo "go-kong: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
