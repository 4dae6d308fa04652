#!/usr/bin/env python3
"""Benchmark: terraform-provider-dispatch against Terraform's own floor.

For each N, in one run on one machine: apply N public `dispatch_api` resources from empty state,
run a no-change `plan`, and destroy them, against a Kong sandbox; then the same three steps for N
built-in `terraform_data` resources (the floor: what Terraform itself costs). Prints wall times,
the ratio to the floor, Admin API requests per API for each step (from the sandbox's counters),
the provider process's peak memory (VmHWM), and the CPU time the provider and the sandbox used.

A third column, the schema floor, runs the same steps with `bench/schema-floor`: a provider with
`dispatch_api`'s exact schema that does no Kong work. It splits the ratio in two: what Terraform
costs for a resource of this shape (schema floor / floor), and what the provider itself adds
(dispatch / schema floor).

Run it with `bash scripts/bench.sh` (which installs what is missing and builds in release mode).
"""

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROVIDER = ROOT / "target" / "release" / "terraform-provider-dispatch"
SANDBOX = ROOT / "target" / "release" / "kong-sandbox"
SCHEMA_FLOOR = ROOT / "target" / "release" / "schema-floor"
KINDS = ("floor", "schema", "dispatch")
STEPS = ("apply", "plan", "destroy")


def terraform_cmd():
    return os.environ.get("TERRAFORM") or shutil.which("terraform") or "terraform"


class Sandbox:
    """The Kong sandbox binary, with its control listener for request counts."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [str(SANDBOX), "--listen", "127.0.0.1:0", "--control-listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        match = re.search(r"listening on (\S+) \(control on (\S+)\)", line)
        if not match:
            raise SystemExit(f"the sandbox did not start: {line}")
        self.admin_url, self.control_url = match.group(1), match.group(2).rstrip(")")

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(f"{self.control_url}/requests", method="DELETE"))

    def counts(self):
        with urllib.request.urlopen(f"{self.control_url}/requests") as answer:
            return json.load(answer)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User plus system CPU time of a process so far, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class ProviderUsage:
    """Samples the peak resident memory (VmHWM) and the CPU time of every provider process."""

    def __init__(self, binary):
        self.binary = str(binary)
        self.peak_kib = 0
        self._cpu_by_pid = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def cpu_seconds(self):
        return sum(self._cpu_by_pid.values())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    if os.readlink(f"/proc/{pid}/exe") != self.binary:
                        continue
                    with open(f"/proc/{pid}/status") as status:
                        for line in status:
                            if line.startswith("VmHWM:"):
                                self.peak_kib = max(self.peak_kib, int(line.split()[1]))
                    self._cpu_by_pid[pid] = cpu_seconds(pid)
                except (OSError, ValueError, IndexError):
                    continue
            self._stop.wait(0.02)


def write_cli_configs(directory):
    """dev_overrides that serve `dispatch` from the real provider or from the schema floor."""
    floor_dir = directory / "schema-floor"
    floor_dir.mkdir()
    (floor_dir / PROVIDER.name).symlink_to(SCHEMA_FLOOR)
    configs = {}
    for kind, provider_dir in (("floor", PROVIDER.parent), ("schema", floor_dir),
                               ("dispatch", PROVIDER.parent)):
        path = directory / f"{kind}.tfrc"
        path.write_text(
            'provider_installation {\n  dev_overrides {\n'
            f'    "dispatchframework/dispatch" = "{provider_dir}"\n  }}\n  direct {{}}\n}}\n')
        configs[kind] = path
    return configs


def write_config(directory, n, kind, admin_url):
    if kind == "floor":
        body = "".join(
            f'resource "terraform_data" "r{i}" {{\n  input = "api-{i}"\n}}\n' for i in range(n))
    else:
        body = (
            'terraform {\n  required_providers {\n    dispatch = { source = "dispatchframework/dispatch" }\n  }\n}\n'
            f'provider "dispatch" {{\n  kong_admin_url = "{admin_url}"\n}}\n'
            + "".join(
                f'resource "dispatch_api" "r{i}" {{\n  name     = "api-{i}"\n  function = "fn-{i}"\n}}\n'
                for i in range(n)))
    (directory / "main.tf").write_text(body)


def run_step(directory, step, parallelism, env):
    args = {
        "apply": ["apply", "-auto-approve", "-input=false", "-no-color", f"-parallelism={parallelism}"],
        "plan": ["plan", "-detailed-exitcode", "-input=false", "-no-color", f"-parallelism={parallelism}"],
        "destroy": ["destroy", "-auto-approve", "-input=false", "-no-color", f"-parallelism={parallelism}"],
    }[step]
    started = time.perf_counter()
    done = subprocess.run([terraform_cmd(), *args], cwd=directory, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"terraform {step} failed ({done.returncode}):\n{done.stdout[-4000:]}")
    return elapsed


def bench_size(n, sandbox, parallelism, cli_configs):
    results = {}
    for kind in KINDS:
        env = dict(os.environ, TF_CLI_CONFIG_FILE=str(cli_configs[kind]), TF_IN_AUTOMATION="1",
                   CHECKPOINT_DISABLE="1", TF_INPUT="0")
        env.pop("TF_LOG", None)
        with tempfile.TemporaryDirectory(prefix=f"bench-{kind}-{n}-") as tmp:
            directory = Path(tmp)
            write_config(directory, n, kind, sandbox.admin_url)
            for step in STEPS:
                sandbox.reset()
                sandbox_cpu = cpu_seconds(sandbox.proc.pid)
                with ProviderUsage(PROVIDER) as usage:
                    seconds = run_step(directory, step, parallelism, env)
                counts = sandbox.counts()
                results[(kind, step)] = {
                    "seconds": seconds,
                    "requests": counts["count"],
                    "by_method": counts.get("by_method", {}),
                    "peak_kib": usage.peak_kib,
                    "provider_cpu": usage.cpu_seconds,
                    "sandbox_cpu": cpu_seconds(sandbox.proc.pid) - sandbox_cpu,
                }
    return results


def machine():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    version = subprocess.run([terraform_cmd(), "version"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True).stdout.splitlines()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "terraform": version[0] if version else "?",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="comma-separated N (default 100,1000)")
    parser.add_argument("--parallelism", type=int, default=10, help="terraform -parallelism (default 10)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    for binary in (PROVIDER, SANDBOX, SCHEMA_FLOOR):
        if not binary.exists():
            raise SystemExit(f"{binary} is missing: build with `cargo build --release --bins`")

    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, Linux {info['kernel']}; {info['terraform']}")
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        cli_configs = write_cli_configs(Path(tmp))
        sandbox = Sandbox()
        report = {"machine": info, "parallelism": args.parallelism, "sizes": {}}
        try:
            header = (f"{'N':>5} {'step':<8} {'floor s':>8} {'schema s':>9} {'dispatch s':>10} "
                      f"{'ratio':>6} {'schema/floor':>12} {'dispatch/schema':>15} {'req/API':>8} "
                      f"{'peak MB':>8} {'provider CPU s':>14} {'sandbox CPU s':>13}")
            print(header)
            print("-" * len(header))
            for n in sizes:
                results = bench_size(n, sandbox, args.parallelism, cli_configs)
                report["sizes"][n] = {}
                for step in STEPS:
                    floor = results[("floor", step)]["seconds"]
                    schema = results[("schema", step)]["seconds"]
                    ours = results[("dispatch", step)]
                    ratio = ours["seconds"] / floor if floor else float("inf")
                    schema_ratio = schema / floor if floor else float("inf")
                    provider_ratio = ours["seconds"] / schema if schema else float("inf")
                    per_api = ours["requests"] / n
                    peak_mb = ours["peak_kib"] / 1024
                    print(f"{n:>5} {step:<8} {floor:>8.2f} {schema:>9.2f} {ours['seconds']:>10.2f} "
                          f"{ratio:>6.2f} {schema_ratio:>12.2f} {provider_ratio:>15.2f} "
                          f"{per_api:>8.3f} {peak_mb:>8.1f} {ours['provider_cpu']:>14.2f} "
                          f"{ours['sandbox_cpu']:>13.2f}", flush=True)
                    report["sizes"][n][step] = {
                        "floor_seconds": round(floor, 3), "schema_floor_seconds": round(schema, 3),
                        "dispatch_seconds": round(ours["seconds"], 3),
                        "ratio": round(ratio, 3), "schema_floor_ratio": round(schema_ratio, 3),
                        "dispatch_to_schema_floor": round(provider_ratio, 3),
                        "requests": ours["requests"],
                        "requests_per_api": round(per_api, 4), "by_method": ours["by_method"],
                        "provider_peak_mb": round(peak_mb, 1),
                        "provider_cpu_seconds": round(ours["provider_cpu"], 2),
                        "sandbox_cpu_seconds": round(ours["sandbox_cpu"], 2),
                    }
        finally:
            sandbox.stop()
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
