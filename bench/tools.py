"""What every case of the benchmark shares: the Kong sandbox binary and its controls, the
Terraform and CLI configurations, running and measuring one step (wall time, Admin API
requests, CPU time and peak memory of the provider processes), and the statistics."""

import json
import os
import re
import shutil
import statistics
import subprocess
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
MANAGED_TAG = "managed-by:terraform-provider-dispatch"
TARGETS = {"dispatch/schema": 1.10, "crowded/alone": 1.2, "remote extra s": 0.5}


def terraform_cmd():
    return os.environ.get("TERRAFORM") or shutil.which("terraform") or "terraform"


class Sandbox:
    """The Kong sandbox binary, with its control listener (request counts, latency, seeding)."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [str(SANDBOX), "--listen", "127.0.0.1:0", "--control-listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        match = re.search(r"listening on (\S+) \(control on (\S+)\)", line)
        if not match:
            raise SystemExit(f"the sandbox did not start: {line}")
        self.admin_url, self.control_url = match.group(1), match.group(2).rstrip(")")

    def control(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.control_url}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as answer:
            return json.load(answer)

    def reset(self):
        self.control("DELETE", "/requests")

    def counts(self):
        return self.control("GET", "/requests")

    def set_latency(self, ms):
        self.control("PUT", "/latency", {"ms": ms})

    def seed(self, requests, chunk=2000):
        for start in range(0, len(requests), chunk):
            self.control("POST", "/seed", {"requests": requests[start:start + chunk]})

    def cpu(self):
        return cpu_seconds(self.proc.pid)

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
    """Samples the peak resident memory (VmHWM) and the CPU time of every process running
    `binary`. Processes already known to run something else are not looked at again (a new
    process is looked at until it has exec'd), so sampling stays cheap on a busy machine."""

    def __init__(self, binary):
        self.binary = os.path.realpath(binary)
        self.terraform = os.path.realpath(shutil.which(terraform_cmd()) or terraform_cmd())
        self.peak_kib = 0
        self._cpu_by_pid = {}
        self._ignored = set()
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
        while True:
            self._sample()
            if self._stop.wait(0.02):
                self._sample()
                return

    def _sample(self):
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or pid in self._ignored:
                continue
            try:
                exe = os.readlink(f"/proc/{pid}/exe")
                if exe != self.binary:
                    if exe != self.terraform:  # terraform forks before it execs a provider
                        self._ignored.add(pid)
                    continue
                with open(f"/proc/{pid}/status") as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            self.peak_kib = max(self.peak_kib, int(line.split()[1]))
                self._cpu_by_pid[pid] = cpu_seconds(pid)
            except (OSError, ValueError, IndexError):
                continue


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


def write_config(directory, n, kind, admin_url, organization=None):
    if kind == "floor":
        body = "".join(
            f'resource "terraform_data" "r{i}" {{\n  input = "api-{i}"\n}}\n' for i in range(n))
    else:
        org = f'  organization   = "{organization}"\n' if organization else ""
        body = (
            'terraform {\n  required_providers {\n    dispatch = { source = "dispatchframework/dispatch" }\n  }\n}\n'
            f'provider "dispatch" {{\n  kong_admin_url = "{admin_url}"\n{org}}}\n'
            + "".join(
                f'resource "dispatch_api" "r{i}" {{\n  name     = "api-{i}"\n  function = "fn-{i}"\n}}\n'
                for i in range(n)))
    (directory / "main.tf").write_text(body)


def terraform_env(cli_config):
    env = dict(os.environ, TF_CLI_CONFIG_FILE=str(cli_config), TF_IN_AUTOMATION="1",
               CHECKPOINT_DISABLE="1", TF_INPUT="0")
    env.pop("TF_LOG", None)
    return env


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
        raise SystemExit(f"terraform {step} in {directory} failed ({done.returncode}):\n"
                         f"{done.stdout[-4000:]}")
    return elapsed


def measured_step(directory, step, parallelism, env, sandbox, binary):
    """Runs one step; its wall time, the sandbox's request counts and the CPU and memory of
    the provider process(es) running `binary`."""
    sandbox.reset()
    sandbox_cpu = sandbox.cpu()
    with ProviderUsage(binary) as usage:
        seconds = run_step(directory, step, parallelism, env)
    counts = sandbox.counts()
    return {
        "seconds": seconds,
        "requests": counts["count"],
        "by_method": counts.get("by_method", {}),
        "peak_kib": usage.peak_kib,
        "provider_cpu": usage.cpu_seconds,
        "sandbox_cpu": sandbox.cpu() - sandbox_cpu,
    }


def median(values):
    return statistics.median(values) if values else float("nan")


def spread(values):
    return f"{min(values):.2f}-{max(values):.2f}" if values else "-"


def ratios(numerators, denominators):
    return [a / b for a, b in zip(numerators, denominators) if b]
