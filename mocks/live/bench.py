#!/usr/bin/env python3
"""The collector's performance benchmark: calls, dependent rounds, wall time and peak memory
through aws-proxy (per-call latency like a region) in front of the patched moto.

  bench.py [--proxy mocks/live/aws-proxy] [--latency-ms 50] [--runs 5]

Cases: one stopped task (`diagnose --task-arn`); one stopped EC2 task; a service in a
hub-and-spoke landing zone, one behind centralized egress, one behind a NAT gateway (`--service`);
a cluster of 200 services over 2 VPCs and 10 task definitions (`diagnose --cluster`); the same sweep with 20% of calls throttled, whose
findings must equal the fault-free ones. Build first: cargo build --release (or point
ECR_PATHCHECK_BIN at another build).
"""
import argparse
import copy
import json
import os
import pathlib
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("ECR_PATHCHECK_BIN", ROOT / "target" / "release" / "ecr-pathcheck"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command, ready=None, env=None):
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    if ready:
        assert process.stdout.readline().strip() == ready
    return process


def wait_listening(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def sweep_snapshot():
    """200 services, 2 VPCs (twice the network whose task group lacks the S3 egress rule), 10 task definitions."""
    base = json.load(open(ROOT / "mocks/s3-prefix-list-egress-missing/snapshot.json"))
    network_keys = ["vpcs", "dhcp_options", "subnets", "route_tables", "network_acls", "security_groups", "vpc_endpoints", "internet_gateways"]
    second = json.loads(re.sub(r'"(vpc|subnet|rtb|acl|sg|vpce|igw|eni|dopt)-', r'"\1-two-', json.dumps({k: base.get(k, []) for k in network_keys})))
    for key in network_keys:
        base[key] = base.get(key, []) + second[key]
    template_def = base["task_definitions"][0]
    template_service = base["services"][0]
    base["task_definitions"] = []
    for n in range(10):
        definition = copy.deepcopy(template_def)
        definition["arn"] = template_def["arn"].replace("web:7", f"web{n}:1")
        base["task_definitions"].append(definition)
    base["services"] = []
    for n in range(200):
        service = copy.deepcopy(template_service)
        service["name"] = f"svc{n:03d}"
        service["arn"] = template_service["arn"].replace("/web", f"/svc{n:03d}")
        service["task_definition_arn"] = base["task_definitions"][n % 10]["arn"]
        if n % 2:
            service["network"]["subnet_ids"] = [s.replace("subnet-", "subnet-two-") for s in service["network"]["subnet_ids"]]
            service["network"]["security_group_ids"] = ["sg-two-app"]
        base["services"].append(service)
    base["tasks"] = []
    return base


def seed(endpoint, snapshot_path):
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).read()
    out = subprocess.run([sys.executable, str(ROOT / "mocks/live/seed.py"), endpoint, str(snapshot_path)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def measure(proxy, target_port, latency, fail_rate, args, runs, env):
    """Median wall time and peak RSS over `runs`, and the proxy's summary of the last run."""
    walls, rss, summary, findings = [], [], None, None
    for _ in range(runs):
        port = free_port()
        log = tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False).name
        command = [proxy, "serve", "--listen", f"127.0.0.1:{port}", "--target", f"http://127.0.0.1:{target_port}", "--latency-ms", str(latency), "--log", log]
        if fail_rate:
            command += ["--fail-rate", str(fail_rate), "--fail-kind", "throttle", "--seed", str(len(walls))]
        server = start(command)
        wait_listening(port)
        run_env = dict(env, AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}")
        started = time.monotonic()
        done = subprocess.run(["/usr/bin/time", "-f", "%M", str(BINARY), *args, "--output", "json"], env=run_env, capture_output=True, text=True)
        walls.append(time.monotonic() - started)
        rss.append(int(done.stderr.strip().splitlines()[-1]) / 1024)
        if done.returncode == 2:
            raise SystemExit(f"{args} failed: {done.stderr}")
        findings = sorted((f["target"], f["check"], f["severity"], f.get("flow") or "", f["title"]) for f in json.loads(done.stdout)["findings"])
        server.terminate()
        server.wait()
        summary = json.loads(subprocess.run([proxy, "summarize", "--json", log], capture_output=True, text=True, check=True).stdout)
        os.unlink(log)
    return {"wall_s_median": round(statistics.median(walls), 3), "peak_rss_mib_max": round(max(rss), 1), "summary": summary, "findings": findings}


def brief(name, result):
    summary = result["summary"]
    keys = {k: summary.get(k) for k in ("total", "rounds", "max_inflight", "injected", "wall_span_s")}
    print(f"{name}: median wall {result['wall_s_median']} s, peak RSS {result['peak_rss_mib_max']} MiB, " + ", ".join(f"{k} {v}" for k, v in keys.items() if v is not None))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--proxy", default=str(ROOT / "mocks/live/aws-proxy"))
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    if not BINARY.exists():
        raise SystemExit("build first: cargo build --release")
    moto_port = free_port()
    emulator = start([sys.executable, str(ROOT / "mocks/live/emulator.py"), str(moto_port)], ready="ready", env=dict(os.environ, MOTO_ACCOUNT_ID="111122223333"))
    endpoint = f"http://127.0.0.1:{moto_port}"
    env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1")
    try:
        ids = seed(endpoint, ROOT / "mocks/s3-prefix-list-egress-missing/snapshot.json")
        task_arn = next(v for k, v in ids.items() if ":task/" in k)
        one = measure(options.proxy, moto_port, options.latency_ms, 0, ["diagnose", "--task-arn", task_arn], options.runs, env)
        baseline = measure(options.proxy, moto_port, 0, 0, ["diagnose", "--task-arn", task_arn], options.runs, env)
        brief("one task", one)
        brief("one task, 0 ms latency (process start and emulator time)", baseline)
        print(json.dumps(one["summary"]["calls"], sort_keys=True))

        ids = seed(endpoint, ROOT / "mocks/ec2-instance-sg-no-s3-egress/snapshot.json")
        ec2_task = next(v for k, v in ids.items() if ":task/" in k)
        ec2 = measure(options.proxy, moto_port, options.latency_ms, 0, ["diagnose", "--task-arn", ec2_task], options.runs, env)
        brief("one EC2 task (its container instance, EC2 instance and instance profile too)", ec2)

        # Landing zones (issue 11): what is read beyond the task's VPC, only when its routes and
        # names lead there.
        for scenario, label in [
            ("hub-spoke-healthy", "service in a spoke: endpoints and zones in a hub VPC behind a transit gateway"),
            ("centralized-egress-healthy", "service in a spoke: centralized egress through a transit gateway"),
            ("nat-path-healthy", "service behind a NAT gateway (Route 53 zones read for the public names)"),
        ]:
            seed(endpoint, ROOT / "mocks" / scenario / "snapshot.json")
            landing = measure(options.proxy, moto_port, options.latency_ms, 0, ["diagnose", "--cluster", "prod", "--service", "web"], options.runs, env)
            brief(label, landing)

        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(sweep_snapshot(), handle)
        started = time.monotonic()
        seed(endpoint, handle.name)
        print(f"seeded 200 services in {time.monotonic() - started:.1f} s")
        sweep = measure(options.proxy, moto_port, options.latency_ms, 0, ["diagnose", "--cluster", "prod"], options.runs, env)
        brief("cluster of 200 services", sweep)
        print(json.dumps(sweep["summary"]["calls"], sort_keys=True))
        faulty = measure(options.proxy, moto_port, options.latency_ms, 0.2, ["diagnose", "--cluster", "prod"], options.runs, env)
        brief("cluster of 200 services, 20% throttled", faulty)
        print("findings identical under throttling:", faulty["findings"] == sweep["findings"], f"({len(sweep['findings'])} findings)")
        if faulty["findings"] != sweep["findings"]:
            raise SystemExit(1)
    finally:
        emulator.terminate()
        emulator.wait()


if __name__ == "__main__":
    main()
