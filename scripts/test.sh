#!/usr/bin/env bash
# The whole test suite: unit tests, the Kong sandbox's contract tests, and the end-to-end tests
# that drive the real terraform CLI against the sandbox. Installs what it needs first.
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
