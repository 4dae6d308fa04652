#!/usr/bin/env python3
"""Benchmark: terraform-provider-dispatch against Terraform's own floor and the schema floor.

Three cases, reported in one run on one machine, with the real `terraform` CLI against Kong
sandboxes:

- main: for each N, apply N public `dispatch_api` resources from empty state, run a no-change
  `plan`, and destroy them; the same three steps for N built-in `terraform_data` resources (the
  floor: what Terraform itself costs) and for N `dispatch_api` served by `bench/schema-floor`, a
  provider with `dispatch_api`'s exact schema that does no Kong work (what Terraform costs for a
  resource of this shape). Each run interleaves the three kinds step by step (apply floor, apply
  schema, apply dispatch, plan ..., destroy ...), rotating their order from run to run, so that
  machine noise hits all three alike. Reported: medians over the runs with their spread, the
  ratios, Admin API requests per API, the provider's peak memory and the CPU time of the
  provider and of the sandbox.
- crowded: a no-change plan of a few APIs (100) of one organization, alone in a sandbox and
  beside many (10 000) foreign managed APIs written straight into another sandbox, half of the
  same organization (other states), half of another organization; alone and crowded alternate.
  Target: crowded / alone <= 1.2. Reported with the Admin API requests of each.
- remote: a no-change plan of 1000 APIs with 20 ms added to every Admin API answer (the
  sandbox's latency control), alternating with the same plan without latency. Target: at most
  0.5 s more.
- profile (not run by default): the instructions the provider processes execute for each step,
  counted by valgrind's callgrind for dispatch and for the schema floor. Unlike times, the counts
  are the same on a loaded machine; the callgrind files are kept for `callgrind_annotate`.

Run it with `bash scripts/bench.sh` (which installs what is missing and builds in release mode).
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from tools import (KINDS, MANAGED_TAG, PROVIDER, ROOT, SANDBOX, SCHEMA_FLOOR, STEPS, TARGETS,
                   Sandbox, measured_step, median, ratios, run_step, spread, terraform_cmd,
                   terraform_env, write_cli_configs, write_config)

CROWDED_ORG, FOREIGN_ORG = "bench", "elsewhere"


# --- main: floor, schema floor and dispatch, interleaved -------------------------------------

def bench_main(sizes, runs, parallelism, cli_configs, sandbox, workdir, report):
    binaries = {"floor": PROVIDER, "schema": SCHEMA_FLOOR, "dispatch": PROVIDER}
    header = (f"{'N':>5} {'step':<8} {'floor s':>8} {'schema s':>9} {'dispatch s':>10} "
              f"{'dispatch range':>14} {'dispatch/schema':>15} {'ratio range':>11} "
              f"{'schema/floor':>12} {'dispatch/floor':>14} {'req/API':>8} {'peak MB':>8} "
              f"{'prov CPU s':>10} {'schema CPU s':>12} {'sandbox CPU s':>13}")
    print(f"main: medians of {runs} interleaved runs (range: min-max over the runs)")
    print(header)
    print("-" * len(header), flush=True)
    for n in sizes:
        samples = {(kind, step): [] for kind in KINDS for step in STEPS}
        dirs = {}
        for kind in KINDS:
            dirs[kind] = workdir / f"main-{kind}-{n}"
            dirs[kind].mkdir()
            write_config(dirs[kind], n, kind, sandbox.admin_url)
        for run in range(runs):
            order = KINDS[run % 3:] + KINDS[:run % 3]
            for step in STEPS:
                for kind in order:
                    env = terraform_env(cli_configs[kind])
                    samples[(kind, step)].append(
                        measured_step(dirs[kind], step, parallelism, env, sandbox, binaries[kind]))
        report["main"][n] = {}
        for step in STEPS:
            times = {kind: [s["seconds"] for s in samples[(kind, step)]] for kind in KINDS}
            ours = samples[("dispatch", step)]
            per_run = ratios(times["dispatch"], times["schema"])
            row = {
                "floor_seconds": median(times["floor"]),
                "schema_floor_seconds": median(times["schema"]),
                "dispatch_seconds": median(times["dispatch"]),
                "dispatch_seconds_range": [min(times["dispatch"]), max(times["dispatch"])],
                "dispatch_to_schema_floor": median(per_run),
                "dispatch_to_schema_floor_range": [min(per_run), max(per_run)],
                "schema_floor_ratio": median(ratios(times["schema"], times["floor"])),
                "ratio": median(ratios(times["dispatch"], times["floor"])),
                "requests": median([s["requests"] for s in ours]),
                "requests_per_api": median([s["requests"] for s in ours]) / n,
                "by_method": ours[-1]["by_method"],
                "provider_peak_mb": max(s["peak_kib"] for s in ours) / 1024,
                "provider_cpu_seconds": median([s["provider_cpu"] for s in ours]),
                "schema_floor_cpu_seconds": median(
                    [s["provider_cpu"] for s in samples[("schema", step)]]),
                "sandbox_cpu_seconds": median([s["sandbox_cpu"] for s in ours]),
                "runs": {kind: times[kind] for kind in KINDS},
            }
            report["main"][n][step] = row
            print(f"{n:>5} {step:<8} {row['floor_seconds']:>8.2f} "
                  f"{row['schema_floor_seconds']:>9.2f} {row['dispatch_seconds']:>10.2f} "
                  f"{spread(times['dispatch']):>14} {row['dispatch_to_schema_floor']:>15.2f} "
                  f"{spread(per_run):>11} {row['schema_floor_ratio']:>12.2f} "
                  f"{row['ratio']:>14.2f} {row['requests_per_api']:>8.3f} "
                  f"{row['provider_peak_mb']:>8.1f} {row['provider_cpu_seconds']:>10.2f} "
                  f"{row['schema_floor_cpu_seconds']:>12.2f} {row['sandbox_cpu_seconds']:>13.2f}",
                  flush=True)


# --- crowded: a few APIs beside many foreign ones -------------------------------------------

def foreign_apis(count, organization, first):
    """Admin API writes for `count` APIs as another Terraform state of `organization` would
    have created them: a service and a route each, with the ownership tags."""
    requests = []
    for i in range(first, first + count):
        name = f"foreign-{i}"
        kong_name = f"{organization}.{name}"
        tags = [MANAGED_TAG, f"dispatch-org:{organization}", f"dispatch-api:{name}"]
        service_id = str(uuid.uuid4())
        requests.append({"method": "PUT", "path": f"/services/{service_id}", "body": {
            "name": kong_name, "protocol": "http", "host": "dispatch-function-manager",
            "port": 80, "path": f"/v1/functions/fn-{i}/runs", "tags": tags}})
        requests.append({"method": "PUT", "path": f"/routes/{uuid.uuid4()}", "body": {
            "name": kong_name, "protocols": ["http", "https"],
            "paths": [f"/{organization}/{name}"], "service": {"id": service_id}, "tags": tags}})
    return requests


def bench_crowded(apis, foreign, runs, parallelism, cli_configs, workdir, report):
    env = terraform_env(cli_configs["dispatch"])
    sandboxes = {"alone": Sandbox(), "crowded": Sandbox()}
    try:
        same = foreign // 2
        started = time.perf_counter()
        sandboxes["crowded"].seed(foreign_apis(same, CROWDED_ORG, 0)
                                  + foreign_apis(foreign - same, FOREIGN_ORG, same))
        seeded = time.perf_counter() - started
        dirs = {}
        for case, sandbox in sandboxes.items():
            dirs[case] = workdir / f"crowded-{case}"
            dirs[case].mkdir()
            write_config(dirs[case], apis, "dispatch", sandbox.admin_url, CROWDED_ORG)
            run_step(dirs[case], "apply", parallelism, env)
        samples = {case: [] for case in sandboxes}
        for run in range(runs):
            for case in (("alone", "crowded") if run % 2 == 0 else ("crowded", "alone")):
                samples[case].append(measured_step(dirs[case], "plan", parallelism, env,
                                                   sandboxes[case], PROVIDER))
        for case, sandbox in sandboxes.items():
            run_step(dirs[case], "destroy", parallelism, env)
    finally:
        for sandbox in sandboxes.values():
            sandbox.stop()
    times = {case: [s["seconds"] for s in samples[case]] for case in samples}
    per_run = ratios(times["crowded"], times["alone"])
    row = {
        "apis": apis, "foreign_apis": foreign, "seed_seconds": seeded,
        "alone_seconds": median(times["alone"]), "crowded_seconds": median(times["crowded"]),
        "crowded_to_alone": median(per_run), "crowded_to_alone_range": [min(per_run), max(per_run)],
        "alone_requests": median([s["requests"] for s in samples["alone"]]),
        "crowded_requests": median([s["requests"] for s in samples["crowded"]]),
        "alone_provider_cpu_seconds": median([s["provider_cpu"] for s in samples["alone"]]),
        "crowded_provider_cpu_seconds": median([s["provider_cpu"] for s in samples["crowded"]]),
        "alone_sandbox_cpu_seconds": median([s["sandbox_cpu"] for s in samples["alone"]]),
        "crowded_sandbox_cpu_seconds": median([s["sandbox_cpu"] for s in samples["crowded"]]),
        "target": TARGETS["crowded/alone"], "runs": times,
    }
    row["met"] = row["crowded_to_alone"] <= row["target"]
    report["crowded"] = row
    print(f"\ncrowded: no-change plan of {apis} APIs of one organization, alone and beside "
          f"{foreign} foreign managed APIs ({same} same organization, {foreign - same} another; "
          f"seeded in {seeded:.1f} s); medians of {runs} alternating runs")
    print(f"{'case':<8} {'plan s':>7} {'range':>10} {'requests':>9} {'prov CPU s':>10} "
          f"{'sandbox CPU s':>13}")
    for case in ("alone", "crowded"):
        print(f"{case:<8} {row[case + '_seconds']:>7.2f} {spread(times[case]):>10} "
              f"{row[case + '_requests']:>9.0f} {row[case + '_provider_cpu_seconds']:>10.2f} "
              f"{row[case + '_sandbox_cpu_seconds']:>13.2f}")
    print(f"crowded / alone = {row['crowded_to_alone']:.2f} (range {spread(per_run)}; "
          f"target <= {row['target']}: {'met' if row['met'] else 'MISSED'})", flush=True)


# --- remote: latency on every Admin API answer -----------------------------------------------

def bench_remote(apis, latency_ms, runs, parallelism, cli_configs, workdir, report):
    env = terraform_env(cli_configs["dispatch"])
    sandbox = Sandbox()
    try:
        directory = workdir / "remote"
        directory.mkdir()
        write_config(directory, apis, "dispatch", sandbox.admin_url)
        run_step(directory, "apply", parallelism, env)
        samples = {"near": [], "remote": []}
        for run in range(runs):
            for case in (("near", "remote") if run % 2 == 0 else ("remote", "near")):
                sandbox.set_latency(latency_ms if case == "remote" else 0)
                samples[case].append(
                    measured_step(directory, "plan", parallelism, env, sandbox, PROVIDER))
        sandbox.set_latency(0)
        run_step(directory, "destroy", parallelism, env)
    finally:
        sandbox.stop()
    times = {case: [s["seconds"] for s in samples[case]] for case in samples}
    extra = [r - n for r, n in zip(times["remote"], times["near"])]
    row = {
        "apis": apis, "latency_ms": latency_ms,
        "near_seconds": median(times["near"]), "remote_seconds": median(times["remote"]),
        "extra_seconds": median(extra), "extra_seconds_range": [min(extra), max(extra)],
        "requests": median([s["requests"] for s in samples["remote"]]),
        "target": TARGETS["remote extra s"], "runs": times,
    }
    row["met"] = row["extra_seconds"] <= row["target"]
    report["remote"] = row
    print(f"\nremote: no-change plan of {apis} APIs, {latency_ms} ms added to every Admin API "
          f"answer; medians of {runs} alternating runs")
    print(f"{'case':<8} {'plan s':>7} {'range':>10} {'requests':>9}")
    for case in ("near", "remote"):
        print(f"{case:<8} {row[case + '_seconds']:>7.2f} {spread(times[case]):>10} "
              f"{median([s['requests'] for s in samples[case]]):>9.0f}")
    print(f"remote - near = {row['extra_seconds']:+.2f} s (range {spread(extra)}; "
          f"target <= +{row['target']} s: {'met' if row['met'] else 'MISSED'})", flush=True)


# --- profile: instruction counts, deterministic on a busy machine ------------------------------

def write_callgrind_wrapper(directory, binary, out_dir):
    """A directory serving `binary` under the provider's name, run by callgrind."""
    directory.mkdir()
    wrapper = directory / PROVIDER.name
    wrapper.write_text(
        "#!/bin/sh\n"
        f"exec valgrind --tool=callgrind --log-file={out_dir}/valgrind.%p.log "
        f"--callgrind-out-file={out_dir}/callgrind.out.%p {binary} \"$@\"\n")
    wrapper.chmod(0o755)
    config = directory / "cli.tfrc"
    config.write_text(
        'provider_installation {\n  dev_overrides {\n'
        f'    "dispatchframework/dispatch" = "{directory}"\n  }}\n  direct {{}}\n}}\n')
    return config


def callgrind_total(path):
    """The instructions a callgrind output file counted (its `totals:` or `summary:` line)."""
    for line in path.read_text().splitlines():
        if line.startswith(("totals:", "summary:")):
            return int(line.split()[1])
    return 0


def bench_profile(n, parallelism, workdir, profile_dir, report):
    if not shutil.which("valgrind"):
        raise SystemExit("the profile case needs valgrind (apt-get install valgrind)")
    profile_dir.mkdir(parents=True, exist_ok=True)
    sandbox = Sandbox()
    results = {}
    try:
        for kind, binary in (("schema", SCHEMA_FLOOR), ("dispatch", PROVIDER)):
            directory = workdir / f"profile-{kind}"
            directory.mkdir()
            write_config(directory, n, kind, sandbox.admin_url)
            for step in STEPS:
                out_dir = profile_dir / f"{kind}-{n}-{step}"
                out_dir.mkdir(exist_ok=True)
                for old in out_dir.glob("callgrind.out.*"):
                    old.unlink()
                config = write_callgrind_wrapper(workdir / f"cg-{kind}-{step}", binary, out_dir)
                sandbox.reset()
                run_step(directory, step, parallelism, terraform_env(config))
                files = sorted(out_dir.glob("callgrind.out.*"))
                results[(kind, step)] = {
                    "instructions": sum(callgrind_total(f) for f in files),
                    "processes": len(files), "requests": sandbox.counts()["count"],
                }
    finally:
        sandbox.stop()
    report["profile"] = {"apis": n, "callgrind_files": str(profile_dir), "steps": {}}
    print(f"\nprofile: instructions executed by the provider processes (callgrind), N = {n}; "
          f"files in {profile_dir}")
    print(f"{'step':<8} {'schema floor':>14} {'dispatch':>14} {'dispatch - schema':>18} "
          f"{'per API':>9} {'processes':>9}")
    for step in STEPS:
        schema, ours = results[("schema", step)], results[("dispatch", step)]
        extra = ours["instructions"] - schema["instructions"]
        report["profile"]["steps"][step] = {
            "schema_floor_instructions": schema["instructions"],
            "dispatch_instructions": ours["instructions"], "processes": ours["processes"],
            "requests": ours["requests"]}
        print(f"{step:<8} {schema['instructions']:>14,} {ours['instructions']:>14,} "
              f"{extra:>18,} {extra // n:>9,} {ours['processes']:>9}", flush=True)


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
        "load_average": os.getloadavg(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="main case: comma-separated N (default 100,1000)")
    parser.add_argument("--runs", type=int, default=5, help="interleaved runs of every case (default 5)")
    parser.add_argument("--parallelism", type=int, default=10, help="terraform -parallelism (default 10)")
    parser.add_argument("--cases", default="main,crowded,remote",
                        help="which of main, crowded, remote, profile (default the first three)")
    parser.add_argument("--crowded-apis", type=int, default=100, help="crowded: APIs of the state (default 100)")
    parser.add_argument("--foreign", type=int, default=10000, help="crowded: foreign APIs in Kong (default 10000)")
    parser.add_argument("--remote-apis", type=int, default=1000, help="remote: APIs of the state (default 1000)")
    parser.add_argument("--latency-ms", type=int, default=20, help="remote: added latency (default 20)")
    parser.add_argument("--profile-apis", type=int, default=1000, help="profile: APIs (default 1000)")
    parser.add_argument("--profile-dir", default="target/bench-profile",
                        help="profile: where the callgrind files go (default target/bench-profile)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    cases = {c.strip() for c in args.cases.split(",") if c.strip()}
    if args.runs < 1 or not cases <= {"main", "crowded", "remote", "profile"}:
        parser.error("--runs must be at least 1; --cases among main, crowded, remote, profile")
    for binary in (PROVIDER, SANDBOX, SCHEMA_FLOOR):
        if not binary.exists():
            raise SystemExit(f"{binary} is missing: build with `cargo build --release --bins`")

    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, Linux {info['kernel']}; "
          f"{info['terraform']}; load average at start {info['load_average'][0]:.2f}")
    report = {"machine": info, "parallelism": args.parallelism, "runs": args.runs, "main": {}}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(tmp)
        cli_configs = write_cli_configs(workdir)
        if "main" in cases:
            sandbox = Sandbox()
            try:
                bench_main(sizes, args.runs, args.parallelism, cli_configs, sandbox, workdir, report)
            finally:
                sandbox.stop()
        if "crowded" in cases:
            bench_crowded(args.crowded_apis, args.foreign, args.runs, args.parallelism,
                          cli_configs, workdir, report)
        if "remote" in cases:
            bench_remote(args.remote_apis, args.latency_ms, args.runs, args.parallelism,
                         cli_configs, workdir, report)
        if "profile" in cases:
            bench_profile(args.profile_apis, args.parallelism, workdir,
                          ROOT / args.profile_dir, report)
    report["machine"]["load_average_at_end"] = os.getloadavg()
    if "main" in cases:
        print(f"\ntarget: dispatch / schema floor <= {TARGETS['dispatch/schema']} (median) "
              "for every step at the largest N:")
        largest = max(sizes)
        for step in STEPS:
            value = report["main"][largest][step]["dispatch_to_schema_floor"]
            verdict = "met" if value <= TARGETS["dispatch/schema"] else "MISSED"
            print(f"  N = {largest} {step}: {value:.2f} {verdict}")
    print(f"load average at end {report['machine']['load_average_at_end'][0]:.2f} "
          "(timings on a loaded machine are noise)")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
