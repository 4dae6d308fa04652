#!/usr/bin/env bash
# The dependency policy of deny.toml: licenses, bans (duplicate versions included) and sources,
# with cargo-deny (installed from crates.io when missing: it compiles for a few minutes).
# RustSec advisories need the advisory database, a git repository that CI machines cannot fetch
# (no network but package registries): they are checked only when a copy is already on the
# machine (`cargo deny fetch` where GitHub is reachable), and the output says which happened.
set -euo pipefail
cd "$(dirname "$0")/.."
DENY_VERSION=0.20.2
if ! cargo deny --version 2>/dev/null | grep -qF "$DENY_VERSION"; then
  echo "deny: installing cargo-deny $DENY_VERSION"
  cargo install cargo-deny --locked --version "$DENY_VERSION"
fi
cargo deny --frozen check licenses bans sources
# cargo-deny's default place for its databases (deny.toml sets no `db-path`).
db="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
# A RustSec database is a git checkout with a `crates/` directory.
if ls -d "$db"/*/crates >/dev/null 2>&1; then
  echo "deny: advisories checked against the RustSec database already at $db (not refreshed)"
  cargo deny --frozen check advisories
else
  echo "deny: advisories NOT checked: no RustSec database at $db, and CI cannot fetch one"
fi
