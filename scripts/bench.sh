#!/usr/bin/env bash
# The performance benchmark (see bench/bench.py): dispatch_api against Terraform's own floor
# (terraform_data) and the schema floor, for N = 100 and 1000, plus the crowded and remote
# cases, each as the median of 5 interleaved runs (about an hour on 2 cores). Pass bench.py's
# options, e.g. `--sizes 100 --runs 1 --foreign 1000 --remote-apis 100` for a quick check.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
cargo build --release --quiet -p terraform-provider-dispatch -p kong-sandbox -p bench-schema-floor --bins
python3 bench/bench.py "$@"
