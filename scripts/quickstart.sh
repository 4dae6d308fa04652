#!/usr/bin/env bash
# The main job: build the provider, start a Kong sandbox (an in-memory Kong Admin API), apply
# examples/quickstart with the real terraform CLI, and print the APIs' URLs.
#   --keep   leave the sandbox running (its Admin API URL is printed) instead of stopping it
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
keep=false
[ "${1:-}" = "--keep" ] && keep=true

echo "==> building the provider and the Kong sandbox (release)"
cargo build --release --quiet -p terraform-provider-dispatch -p kong-sandbox --bins

work="$(mktemp -d)"
log="$work/sandbox.log"
target/release/kong-sandbox --listen 127.0.0.1:0 --control-listen 127.0.0.1:0 >"$log" 2>&1 &
sandbox=$!
cleanup() {
  if [ "$keep" = false ]; then kill "$sandbox" 2>/dev/null || true; fi
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$log" && break
  sleep 0.1
done
admin_url="$(sed -n 's/^kong-sandbox listening on \([^ ]*\).*/\1/p' "$log" | head -n 1)"
[ -n "$admin_url" ] || { echo "the sandbox did not start:"; cat "$log"; exit 1; }
echo "==> Kong sandbox Admin API at $admin_url"

cp examples/quickstart/*.tf examples/quickstart/*.pem "$work/"
cat > "$work/terraform.rc" <<RC
provider_installation {
  dev_overrides {
    "dispatchframework/dispatch" = "$PWD/target/release"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraform.rc" TF_IN_AUTOMATION=1
echo "==> terraform apply (examples/quickstart, in $work)"
"$TERRAFORM" -chdir="$work" apply -auto-approve -input=false -no-color -compact-warnings \
  -var "kong_admin_url=$admin_url"
echo "==> the quickstart's URLs"
"$TERRAFORM" -chdir="$work" output -json urls | python3 -c '
import json, sys
for api, urls in json.load(sys.stdin).items():
    for url in urls:
        print(f"{api:>14}  {url}")'

if [ "$keep" = true ]; then
  echo "==> the sandbox keeps running (pid $sandbox) at $admin_url; state in $work"
fi
