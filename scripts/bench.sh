#!/usr/bin/env bash
# The performance benchmark (see bench/bench.py): dispatch_api against Terraform's own floor
# (terraform_data), for N = 100 and 1000 by default. Pass bench.py's options, e.g. --sizes 100.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
cargo build --release --quiet -p terraform-provider-dispatch -p kong-sandbox -p bench-schema-floor --bins
python3 bench/bench.py "$@"
