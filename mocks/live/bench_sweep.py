#!/usr/bin/env python3
"""The sweep benchmark: ACCOUNTS accounts × REGIONS regions × SERVICES services, read through
aws-proxy (per-call latency like a region) in front of the emulator, against one account's
regions alone: calls, dependent rounds, wall time and peak memory.

  bench_sweep.py [--accounts 20] [--regions 2] [--services 10] [--latency-ms 50] [--runs 3]

The caller's account is 111122223333; the others are read through a role assumed into them
(`--accounts … --role-name`). Half the accounts hold a healthy service set, half the one whose
task security group lacks the S3 prefix-list egress rule. Point ECR_PATHCHECK_BIN at the binary
(default: target/release/ecr-pathcheck).
"""
import argparse
import json
import os
import pathlib
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
LIVE = ROOT / "mocks" / "live"
BINARY = pathlib.Path(os.environ.get("ECR_PATHCHECK_BIN", ROOT / "target" / "release" / "ecr-pathcheck"))
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"]
CALLER = "111122223333"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def accounts(count):
    return [CALLER] + [f"2000000000{n:02d}" for n in range(1, count)]


def run_sweep(proxy_port, log, accounts_swept, regions):
    env = dict(os.environ, AWS_ENDPOINT_URL=f"http://127.0.0.1:{proxy_port}", AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1")
    env.pop("AWS_PROFILE", None)
    command = [str(BINARY), "diagnose", "--all-clusters", "--regions", ",".join(regions), "--output", "json"]
    others = [a for a in accounts_swept if a != CALLER]
    if others:
        command += ["--accounts", ",".join(others), "--role-name", "ecr-pathcheck-reader"]
    # Wall time and peak RSS of the binary alone: timed by a python that runs only it.
    wrapper = ("import resource, subprocess, sys, time\n"
               "t = time.monotonic()\n"
               "p = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], 'wb'), stderr=subprocess.PIPE)\n"
               "sys.stderr.buffer.write(p.stderr)\n"
               "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
               "print(p.returncode, time.monotonic() - t, u.ru_maxrss, u.ru_utime + u.ru_stime)")
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        done = subprocess.run([sys.executable, "-c", wrapper, out.name, *command], env=env, capture_output=True, text=True)
        report = pathlib.Path(out.name).read_bytes()
    code, wall, maxrss, cpu = done.stdout.split()
    if code not in ("0", "1", "3"):
        raise SystemExit(f"sweep failed ({code}): {done.stderr}")
    summary = json.loads(report)["summary"]
    calls = json.loads(subprocess.run([str(LIVE / "aws-proxy"), "summarize", "--json", log], capture_output=True, text=True, check=True).stdout)
    return float(wall), int(maxrss) / 1024, float(cpu), summary, calls


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--regions", type=int, default=2)
    parser.add_argument("--services", type=int, default=10)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not BINARY.exists():
        raise SystemExit(f"{BINARY} not found: cargo build --release, or set ECR_PATHCHECK_BIN")
    regions = REGIONS[: args.regions]
    swept = accounts(args.accounts)
    moto_port, proxy_port = free_port(), free_port()
    emulator = subprocess.Popen([sys.executable, str(LIVE / "emulator.py"), str(moto_port)], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, env=dict(os.environ, MOTO_ACCOUNT_ID=CALLER))
    assert emulator.stdout.readline().strip() == "ready"
    try:
        started = time.monotonic()
        specs = []
        for n, account in enumerate(swept):
            scenario = "healthy-endpoints" if n % 2 else "s3-prefix-list-egress-missing"
            specs += [f"{account}:{region}:{scenario}:{args.services}" for region in regions]
        subprocess.run([sys.executable, str(LIVE / "seed_sweep.py"), f"http://127.0.0.1:{moto_port}", *specs], check=True)
        print(f"seeded {len(specs)} account-regions × {args.services} services in {time.monotonic() - started:.0f} s", file=sys.stderr)
        results = {}
        for case, case_accounts in (("one account", swept[:1]), (f"{args.accounts} accounts", swept)):
            walls, rss, rounds, cpus = [], [], [], []
            for _ in range(args.runs):
                with tempfile.NamedTemporaryFile(suffix=".jsonl") as log:
                    proxy = subprocess.Popen([str(LIVE / "aws-proxy"), "serve", "--listen", f"127.0.0.1:{proxy_port}",
                                              "--target", f"http://127.0.0.1:{moto_port}", "--latency-ms", str(args.latency_ms),
                                              "--log", log.name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    wait_listening(proxy_port)
                    try:
                        wall, peak, cpu, summary, calls = run_sweep(proxy_port, log.name, case_accounts, regions)
                    finally:
                        proxy.terminate()
                        proxy.wait()
                    walls.append(wall)
                    cpus.append(cpu)
                    rss.append(peak)
                    rounds.append((calls["total"], calls["rounds"], calls["max_inflight"], calls["mean_ms"]))
            results[case] = dict(
                account_regions=summary["account_regions_read"], targets=summary["targets"],
                blocked=summary["blocked"], calls=rounds[0][0], rounds=rounds[0][1], max_in_flight=max(r[2] for r in rounds), mean_call_ms=round(statistics.median(r[3] for r in rounds), 1),
                median_wall_s=round(statistics.median(walls), 2), walls=[round(w, 2) for w in walls],
                peak_rss_mib=round(max(rss), 1), median_cpu_s=round(statistics.median(cpus), 2),
            )
            print(case, json.dumps(results[case]), file=sys.stderr)
        print(json.dumps(results, indent=1))
    finally:
        emulator.terminate()
        emulator.wait()


if __name__ == "__main__":
    main()
