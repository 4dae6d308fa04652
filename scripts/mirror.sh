#!/usr/bin/env bash
# Makes a provider mirror from the files scripts/release.sh wrote: the zips (checked against
# SHA256SUMS first), and the JSON files of Terraform's provider network mirror protocol.
#
# Usage: bash scripts/mirror.sh [--dist DIR] [--hostname HOST] [--namespace NS] OUT
#   --dist DIR       the release files (default dist/)
#   --hostname HOST  the provider's registry host in its source address (default registry.terraform.io)
#   --namespace NS   its namespace (default dispatchframework)
#
# It writes OUT/HOST/NS/dispatch/ with
#   terraform-provider-dispatch_V_<os>_<arch>.zip   copied from dist/
#   V.json        {"archives": {"<os>_<arch>": {"url": "<zip>", "hashes": ["h1:…"]}}}
#   index.json    {"versions": {"V": {}, …}}, every version published into OUT so far
# OUT is then both a filesystem mirror (Terraform's packed layout: the JSON files are ignored)
# and, served as static files by any HTTPS server, a network mirror. Run it once per release
# into the same OUT to publish several versions.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dist="$here/../dist"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dist) [ $# -ge 2 ] || { echo "mirror: --dist needs a directory" >&2; exit 1; }; dist="$2"; shift 2 ;;
    --hostname|--namespace) [ $# -ge 2 ] || { echo "mirror: $1 needs a value" >&2; exit 1; }
      args+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "mirror: unknown option $1 (see --help)" >&2; exit 1 ;;
    *) [ -z "${out:-}" ] || { echo "mirror: one OUT directory only" >&2; exit 1; }; out="$1"; shift ;;
  esac
done
[ -n "${out:-}" ] || { echo "mirror: where to? (see --help)" >&2; exit 1; }
exec python3 "$here/package.py" mirror --dist "$dist" --out "$out" ${args[@]+"${args[@]}"}
