#!/usr/bin/env python3
"""Release files in the Terraform Registry's format, and provider mirrors made of them.

Called by scripts/release.sh and scripts/mirror.sh (see them for the options users give);
standard library only.

  package.py os-arch TRIPLE
      Terraform's platform name (Go's GOOS_GOARCH) of a Rust target triple.
  package.py release --version V --dist DIR --manifest FILE --epoch SECONDS TRIPLE=BINARY...
      One zip per platform holding the single executable terraform-provider-dispatch_vV (.exe on
      Windows), the registry manifest as terraform-provider-dispatch_V_manifest.json, and
      terraform-provider-dispatch_V_SHA256SUMS over all of them. Zips are reproducible: entries
      carry the time --epoch, so the same executable always gives the same zip and sum.
  package.py mirror --dist DIR --out DIR [--hostname H] [--namespace N]
      Checks the zips against SHA256SUMS, then writes OUT/H/N/dispatch/ with the zips, V.json
      and index.json: both Terraform's packed filesystem-mirror layout and the static files of
      its provider network mirror protocol (terraform internal/getproviders/http_mirror_source.go:
      ListVersionsResponseBody, ListInstallationPackagesResponseBody).
"""

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import sys
import time
import zipfile

PROVIDER = "dispatch"
PROJECT = "terraform-provider-" + PROVIDER

# Rust's architecture names -> Go's GOARCH, which Terraform uses in platform names.
ARCHES = [
    (re.compile(r"^x86_64$"), "amd64"),
    (re.compile(r"^aarch64$"), "arm64"),
    (re.compile(r"^i[3-6]86$"), "386"),
    (re.compile(r"^(arm|armv[5-7]\w*|thumbv7\w*)$"), "arm"),
]
# The operating-system part of a triple -> GOOS.
SYSTEMS = [
    (re.compile(r"-linux(-|$)"), "linux"),
    (re.compile(r"-apple-darwin$"), "darwin"),
    (re.compile(r"-windows(-|$)"), "windows"),
    (re.compile(r"-freebsd$"), "freebsd"),
    (re.compile(r"-openbsd$"), "openbsd"),
    (re.compile(r"-netbsd$"), "netbsd"),
]


class Failure(Exception):
    """A message for the user; the script exits 1 with it."""


def os_arch(triple):
    arch = triple.split("-", 1)[0]
    goarch = next((go for rust, go in ARCHES if rust.match(arch)), None)
    goos = next((go for rust, go in SYSTEMS if rust.search(triple)), None)
    if goarch is None or goos is None:
        raise Failure(
            f"no Terraform platform for the target triple {triple!r} "
            "(known: x86_64, aarch64, i686, arm on linux, apple-darwin, windows, *bsd)"
        )
    return f"{goos}_{goarch}"


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def zip_time(epoch):
    # Zip times start in 1980 and have no time zone: UTC, as the SOURCE_DATE_EPOCH convention.
    return time.gmtime(max(epoch, 315532800))[:6]


def write_zip(path, name, executable, epoch):
    entry = zipfile.ZipInfo(name, date_time=zip_time(epoch))
    entry.create_system = 3  # Unix, so that the mode below is read
    entry.external_attr = (0o100755 & 0xFFFF) << 16
    entry.compress_type = zipfile.ZIP_DEFLATED
    with open(executable, "rb") as f:
        data = f.read()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(entry, data, compresslevel=9)


def release(args):
    dist = args.dist
    os.makedirs(dist, exist_ok=True)
    platforms = {}
    for spec in args.binaries:
        triple, sep, binary = spec.partition("=")
        if not sep or not binary:
            raise Failure(f"expected TRIPLE=BINARY, got {spec!r}")
        platform = os_arch(triple)
        if platform in platforms:
            raise Failure(f"{triple} and {platforms[platform][0]} are both {platform}")
        if not os.path.isfile(binary):
            raise Failure(f"{binary}: no such file (the executable for {triple})")
        platforms[platform] = (triple, binary)

    written = []
    for platform, (triple, binary) in sorted(platforms.items()):
        executable = f"{PROJECT}_v{args.version}"
        if platform.startswith("windows_"):
            executable += ".exe"
        name = f"{PROJECT}_{args.version}_{platform}.zip"
        write_zip(os.path.join(dist, name), executable, binary, args.epoch)
        written.append(name)

    manifest = f"{PROJECT}_{args.version}_manifest.json"
    with open(args.manifest, "rb") as f:
        content = f.read()
    try:
        protocols = json.loads(content)["metadata"]["protocol_versions"]
    except (ValueError, KeyError, TypeError) as error:
        raise Failure(f"{args.manifest}: not a registry manifest ({error})")
    if "6.0" not in protocols:
        raise Failure(f"{args.manifest}: protocol_versions {protocols} lacks 6.0")
    with open(os.path.join(dist, manifest), "wb") as f:
        f.write(content)
    written.append(manifest)

    sums = f"{PROJECT}_{args.version}_SHA256SUMS"
    with open(os.path.join(dist, sums), "w", newline="\n") as f:
        for name in sorted(written):
            f.write(f"{sha256_file(os.path.join(dist, name))}  {name}\n")
    for name in sorted(written) + [sums]:
        print(os.path.join(dist, name))


def read_sums(dist):
    found = [n for n in os.listdir(dist) if re.fullmatch(rf"{PROJECT}_(.+)_SHA256SUMS", n)]
    if len(found) != 1:
        raise Failure(f"{dist}: expected one {PROJECT}_<version>_SHA256SUMS, found {found}")
    version = found[0][len(PROJECT) + 1 : -len("_SHA256SUMS")]
    sums = {}
    with open(os.path.join(dist, found[0])) as f:
        for line in f:
            digest, _, name = line.rstrip("\n").partition("  ")
            sums[name] = digest
    return version, sums


def h1_of_zip(path):
    """Terraform's `h1:` hash of a package: Go's dirhash.Hash1 over the files in the zip (the
    sorted lines "<sha256 hex>  <name>\\n", hashed again with SHA-256, base64)."""
    lines = []
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            with archive.open(name) as f:
                lines.append(f"{hashlib.sha256(f.read()).hexdigest()}  {name}\n")
    summary = hashlib.sha256("".join(lines).encode()).digest()
    return "h1:" + base64.b64encode(summary).decode()


def mirror(args):
    version, sums = read_sums(args.dist)
    prefix = f"{PROJECT}_{version}_"
    target = os.path.join(args.out, args.hostname, args.namespace, PROVIDER)
    os.makedirs(target, exist_ok=True)
    archives = {}
    for name, digest in sorted(sums.items()):
        if not (name.startswith(prefix) and name.endswith(".zip")):
            continue
        source = os.path.join(args.dist, name)
        if sha256_file(source) != digest:
            raise Failure(f"{source} does not match its line in SHA256SUMS")
        platform = name[len(prefix) : -len(".zip")]
        shutil.copyfile(source, os.path.join(target, name))
        # The h1: hash, as `terraform providers mirror` writes it: Terraform checks a download
        # against it (internal/getproviders/package_authentication.go, packageHashAuthentication
        # takes only the hashes it prefers, and zh: is not one of them).
        archives[platform] = {"url": name, "hashes": [h1_of_zip(source)]}
    if not archives:
        raise Failure(f"{args.dist}: SHA256SUMS names no {prefix}<os>_<arch>.zip")
    with open(os.path.join(target, f"{version}.json"), "w") as f:
        json.dump({"archives": archives}, f, indent=2, sort_keys=True)
        f.write("\n")
    # Every version published into this mirror so far, not only this one.
    versions = sorted(
        n[: -len(".json")] for n in os.listdir(target) if n.endswith(".json") and n != "index.json"
    )
    with open(os.path.join(target, "index.json"), "w") as f:
        json.dump({"versions": {v: {} for v in versions}}, f, indent=2, sort_keys=True)
        f.write("\n")
    print(target)


def main(argv):
    parser = argparse.ArgumentParser(prog="package.py")
    commands = parser.add_subparsers(dest="command", required=True)
    platform = commands.add_parser("os-arch")
    platform.add_argument("triple")
    packaging = commands.add_parser("release")
    packaging.add_argument("--version", required=True)
    packaging.add_argument("--dist", required=True)
    packaging.add_argument("--manifest", required=True)
    packaging.add_argument("--epoch", type=int, required=True)
    packaging.add_argument("binaries", nargs="+", metavar="TRIPLE=BINARY")
    mirroring = commands.add_parser("mirror")
    mirroring.add_argument("--dist", required=True)
    mirroring.add_argument("--out", required=True)
    mirroring.add_argument("--hostname", default="registry.terraform.io")
    mirroring.add_argument("--namespace", default="dispatchframework")
    args = parser.parse_args(argv)
    try:
        if args.command == "os-arch":
            print(os_arch(args.triple))
        elif args.command == "release":
            release(args)
        else:
            mirror(args)
    except (Failure, OSError) as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
