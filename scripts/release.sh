#!/usr/bin/env bash
# Builds the provider and writes its release into dist/, in the Terraform Registry's format
# (V is the version in Cargo.toml):
#
#   terraform-provider-dispatch_V_<os>_<arch>.zip   one per target, holding one executable
#                                                   terraform-provider-dispatch_vV (.exe on Windows)
#   terraform-provider-dispatch_V_manifest.json     terraform-registry-manifest.json (protocol 6.0)
#   terraform-provider-dispatch_V_SHA256SUMS        "<sha256>  <file>" for each zip and the manifest
#   terraform-provider-dispatch_V_SHA256SUMS.sig    a detached GPG signature, when a key is given
#
# Usage: bash scripts/release.sh [options]
#   --target TRIPLE         build for this Rust target (repeatable; default: this machine's).
#                           Its toolchain must be installed: `rustup target add TRIPLE`, and a C
#                           compiler and linker for it (pcre2 and ring compile C code).
#   --prebuilt TRIPLE=FILE  package an executable built elsewhere for TRIPLE (repeatable), e.g.
#                           on a Mac with `cargo build --release --locked --target aarch64-apple-darwin`
#   --cargo COMMAND         what builds (default `cargo`; e.g. `cross` or `cargo zigbuild`)
#   --dist DIR              where to write (default dist/); its terraform-provider-dispatch_*
#                           files from earlier runs are removed first
#   --gpg-key KEY           sign SHA256SUMS with this secret key (id or fingerprint; also taken
#                           from GPG_FINGERPRINT). gpg runs with --batch: the key must sign
#                           without a prompt, or its passphrase be in GPG_PASSPHRASE.
#                           Without a key the sums are written unsigned, and the output says so.
#
# Every file comes from one run, so that one SHA256SUMS (and one signature) covers every
# platform of the release: give all --target and --prebuilt options at once.
set -euo pipefail
script="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"

usage() { sed -n '2,/^set -euo/p' "$script" | sed '$d' | sed 's/^# \{0,1\}//'; }
fail() { echo "release: $*" >&2; exit 1; }
# Paths given on the command line are relative to where the script was started.
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

targets=()
prebuilt=()
cargo_command=cargo
dist="$(cd "$(dirname "$script")/.." && pwd)/dist"
gpg_key="${GPG_FINGERPRINT:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --target) [ $# -ge 2 ] || fail "--target needs a triple"; targets+=("$2"); shift 2 ;;
    --prebuilt) [ $# -ge 2 ] && [[ "$2" == ?*=?* ]] || fail "--prebuilt needs TRIPLE=FILE"
      prebuilt+=("${2%%=*}=$(absolute "${2#*=}")"); shift 2 ;;
    --cargo) [ $# -ge 2 ] || fail "--cargo needs a command"; cargo_command="$2"; shift 2 ;;
    --dist) [ $# -ge 2 ] || fail "--dist needs a directory"; dist="$(absolute "$2")"; shift 2 ;;
    --gpg-key) [ $# -ge 2 ] || fail "--gpg-key needs a key id"; gpg_key="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) fail "unknown option $1 (see --help)" ;;
  esac
done
cd "$(dirname "$script")/.."

# protoc and the rest of the build's needs, and gpg.
. scripts/setup.sh
# The packaging is Python (standard library only).
command -v python3 >/dev/null 2>&1 || { _dispatch_as_root apt-get update -qq >&2 && \
  DEBIAN_FRONTEND=noninteractive _dispatch_as_root apt-get install -y -qq python3 >&2; }

metadata="$(cargo metadata --no-deps --locked --format-version 1)"
read -r version target_dir < <(python3 -c '
import json, sys
m = json.load(sys.stdin)
p = next(p for p in m["packages"] if p["name"] == "terraform-provider-dispatch")
print(p["version"], m["target_directory"])' <<<"$metadata")
[ -n "$version" ] || fail "no version for terraform-provider-dispatch in Cargo.toml"
grep -q "^## \[$version\]" CHANGELOG.md || fail "CHANGELOG.md has no section \"## [$version]\""
host="$(rustc -vV | sed -n 's/^host: //p')"
[ "${#targets[@]}" -gt 0 ] || [ "${#prebuilt[@]}" -gt 0 ] || targets=("$host")

# Refuse an unknown triple before spending minutes on a build.
for triple in "${targets[@]}" "${prebuilt[@]%%=*}"; do
  python3 scripts/package.py os-arch "$triple" >/dev/null
done

binaries=()
for triple in "${targets[@]}"; do
  echo "==> building terraform-provider-dispatch $version for $triple" >&2
  exe=terraform-provider-dispatch
  case "$triple" in *-windows-*) exe="$exe.exe" ;; esac
  if [ "$triple" = "$host" ]; then
    # Without --target the build shares target/release with scripts/quickstart.sh and the bench.
    $cargo_command build --release --locked -p terraform-provider-dispatch --bin terraform-provider-dispatch >&2
    binary="$target_dir/release/$exe"
    # What users will run must say which release it is.
    answer="$("$binary" --version)"
    [ "$answer" = "terraform-provider-dispatch $version" ] || \
      fail "$binary --version says '$answer', not 'terraform-provider-dispatch $version'"
  else
    $cargo_command build --release --locked -p terraform-provider-dispatch --bin terraform-provider-dispatch \
      --target "$triple" >&2
    binary="$target_dir/$triple/release/$exe"
  fi
  binaries+=("$triple=$binary")
done
for spec in "${prebuilt[@]}"; do
  file="${spec#*=}"
  [ -f "$file" ] || fail "$file: no such file (--prebuilt $spec)"
  # Its User-Agent string is compiled in: a binary of another version does not carry it.
  grep -aqF "terraform-provider-dispatch/$version" "$file" || \
    fail "$file is not terraform-provider-dispatch $version (--prebuilt $spec)"
  binaries+=("$spec")
done

mkdir -p "$dist"
rm -f "$dist"/terraform-provider-dispatch_*
# A run that does not finish (an error, Ctrl-C) leaves no files that could pass for a release.
trap 'rm -f "$dist"/terraform-provider-dispatch_*' EXIT
# Reproducible zips: entries carry SOURCE_DATE_EPOCH, else the time of the commit built.
epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 315532800)}"
python3 scripts/package.py release --version "$version" --dist "$dist" \
  --manifest terraform-registry-manifest.json --epoch "$epoch" "${binaries[@]}"

sums="$dist/terraform-provider-dispatch_${version}_SHA256SUMS"
if [ -n "$gpg_key" ]; then
  gpg_args=(--batch --yes --local-user "$gpg_key" --output "$sums.sig" --detach-sign)
  if [ -n "${GPG_PASSPHRASE:-}" ]; then
    # On a descriptor, never on the command line (where `ps` would show it).
    gpg_args=(--pinentry-mode loopback --passphrase-fd 3 "${gpg_args[@]}")
  fi
  gpg "${gpg_args[@]}" "$sums" 3<<<"${GPG_PASSPHRASE:-}" || \
    fail "signing failed with GPG key $gpg_key; nothing is left in $dist"
  echo "$sums.sig"
  echo "==> SHA256SUMS signed with GPG key $gpg_key" >&2
else
  echo "==> SHA256SUMS is unsigned: no GPG key given (--gpg-key or GPG_FINGERPRINT)" >&2
fi
trap - EXIT
