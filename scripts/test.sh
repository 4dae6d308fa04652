#!/usr/bin/env bash
# The whole test suite: unit tests, the Kong sandbox's contract tests, the end-to-end tests
# that drive the real terraform CLI against the sandbox, and the peer suite (go-kong's own
# integration tests against the sandbox, scripts/peer-go-kong.sh), and the real-Kong lane against a
# sandbox started as a separate process (scripts/real-kong-lane.sh). Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
echo "terraform: $("$TERRAFORM" version | head -n 1)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@"
else
  cargo test --workspace --no-fail-fast "$@"
fi
cargo test --workspace --doc --quiet
bash scripts/peer-go-kong.sh
bash scripts/real-kong-lane.sh --sandbox
