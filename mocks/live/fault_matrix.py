#!/usr/bin/env python3
"""The fault matrix: every API the collector calls, made to fail alone on every call, for one
task and one cluster sweep, through aws-proxy in front of the emulator.

  fault_matrix.py [--proxy mocks/live/aws-proxy] [--kinds denied,unknown-op,5xx] [--scenario NAME]
                  [--targets task,cluster] [--latency-ms 0] [--budget-s 15] [--stock] [--json FILE]

The actions are those of docs/iam-policy.json, so a new call is covered as soon as the policy
lists it. Each run must: exit 0, 1 or 3, or, when the failing action is one that names the
target (describing the task or the service, listing the cluster's services), exit 2 with one
line; report no error finding that the fault-free run lacks; name the failed action in a PC901
finding whenever the action was called and the run did not end; and finish within the budget.
Prints a table per kind (runs, passed, worst wall time) and exits 1 when any run breaks the
contract. Build first (cargo build), or point ECR_PATHCHECK_BIN at a build.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench import ROOT, free_port, seed, start, wait_listening  # noqa: E402

DEFAULT_SCENARIO = "s3-prefix-list-egress-missing"
# The calls whose failure may end the run, per target: they name what is diagnosed.
TARGET_CALLS = {
    "task": {"ecs:DescribeTasks"},
    "cluster": {"ecs:DescribeClusters", "ecs:ListServices", "ecs:DescribeServices"},
}


# aws-proxy names a REST call by its method and path (Route 53 is REST-XML): the pattern that
# matches each such action of the policy. Zone ids are uppercase, so GetHostedZone's pattern
# (ending in one) leaves out ListResourceRecordSets' `/rrset`.
REST_PATTERNS = {
    "route53:ListHostedZonesByVPC": "route53:GET /2013-04-01/hostedzonesbyvpc",
    "route53:ListHostedZonesByName": "route53:GET /2013-04-01/hostedzonesbyname",
    "route53:GetHostedZone": "route53:GET /2013-04-01/hostedzone/Z*[A-Z0-9]",
    "route53:ListResourceRecordSets": "route53:GET /2013-04-01/hostedzone/Z*/rrset",
}


def binary():
    configured = os.environ.get("ECR_PATHCHECK_BIN")
    if configured:
        return pathlib.Path(configured)
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / "ecr-pathcheck"


def policy_actions():
    policy = json.loads((ROOT / "docs/iam-policy.json").read_text())
    return sorted({action for statement in policy["Statement"] for action in statement["Action"]})


def errors_of(report):
    return {(f["check"], f.get("flow") or "", f["target"]) for f in report["findings"] if f["severity"] == "error"}


def run_once(proxy, moto_port, latency, args, env, fail=None):
    """One run of the binary through a fresh proxy; `fail` is (action, kind) or None."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False).name
    command = [proxy, "serve", "--listen", f"127.0.0.1:{port}", "--target", f"http://127.0.0.1:{moto_port}",
               "--latency-ms", str(latency), "--log", log]
    if fail:
        command += ["--fail-only", REST_PATTERNS.get(fail[0], fail[0]), "--fail-rate", "1", "--fail-kind", fail[1]]
    server = start(command)
    wait_listening(port)
    started = time.monotonic()
    done = subprocess.run([str(binary()), *args, "--output", "json"], capture_output=True, text=True,
                          env=dict(env, AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}"))
    wall = time.monotonic() - started
    server.terminate()
    server.wait()
    calls = [json.loads(line) for line in open(log) if line.strip()]
    os.unlink(log)
    return done, wall, calls


def judge(target, action, done, wall, calls, clean_errors, budget):
    """The contract's breaches for one run (empty: it passed)."""
    problems = []
    injected = any(call.get("injected") for call in calls)
    if done.returncode == 2:
        lines = done.stderr.strip().splitlines()
        if action not in TARGET_CALLS[target]:
            problems.append(f"exit 2: {done.stderr.strip()[:200]}")
        elif len(lines) != 1:
            problems.append(f"exit 2 with {len(lines)} lines")
    elif done.returncode not in (0, 1, 3):
        problems.append(f"exit {done.returncode}: {done.stderr.strip()[:200]}")
    else:
        report = json.loads(done.stdout)
        invented = errors_of(report) - clean_errors
        if invented:
            problems.append(f"errors the clean run lacks: {sorted(invented)}")
        # A gap is a PC901 finding; the simulator's absence is named in the IAM hop's evidence
        # instead (it is a cross-check, the engine evaluates the policies either way).
        named = any(f["check"] == "PC901" and action in f["title"] for f in report["findings"]) or any(
            action in hop["evidence"] for t in report["targets"] for flow in t["flows"] for hop in flow["hops"])
        if injected and not named:
            problems.append("no PC901 names the action")
    if wall > budget:
        problems.append(f"took {wall:.1f} s (budget {budget} s)")
    return problems, injected


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--proxy", default=str(ROOT / "mocks/live/aws-proxy"))
    parser.add_argument("--kinds", default="denied,unknown-op,5xx")
    parser.add_argument("--targets", default="task,cluster")
    parser.add_argument("--actions", default="", help="comma-separated subset (default: the policy's)")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--budget-s", type=float, default=15.0)
    parser.add_argument("--stock", action="store_true", help="moto as it is, without the emulator's added actions")
    parser.add_argument("--json", help="write every run's result here")
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO,
                        help="the mocks/ scenario to seed (one with a stopped task; default: the classic)")
    options = parser.parse_args()
    if not binary().exists():
        raise SystemExit(f"build first: cargo build ({binary()} is missing)")
    moto_port = free_port()
    emulator_args = [sys.executable, str(ROOT / "mocks/live/emulator.py"), str(moto_port)] + (["--stock"] if options.stock else [])
    emulator = start(emulator_args, ready="ready", env=dict(os.environ, MOTO_ACCOUNT_ID="111122223333"))
    endpoint = f"http://127.0.0.1:{moto_port}"
    env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1")
    env.pop("AWS_PROFILE", None)
    actions = options.actions.split(",") if options.actions else policy_actions()
    kinds = options.kinds.split(",")
    results, failures = [], []
    try:
        ids = seed(endpoint, ROOT / f"mocks/{options.scenario}/snapshot.json")
        task_arn = next((v for k, v in ids.items() if ":task/" in k), None)
        targets = {"cluster": ["diagnose", "--cluster", "prod"]}
        if task_arn:
            targets["task"] = ["diagnose", "--task-arn", task_arn]
        elif "task" in options.targets.split(","):
            print(f"{options.scenario} has no stopped task: the task target is skipped")
        targets = {name: args for name, args in targets.items() if name in options.targets.split(",")}
        clean = {}
        for name, args in targets.items():
            done, wall, calls = run_once(options.proxy, moto_port, options.latency_ms, args, env)
            if done.returncode not in (0, 1):
                raise SystemExit(f"the fault-free {name} run failed ({done.returncode}): {done.stderr}")
            clean[name] = errors_of(json.loads(done.stdout))
            print(f"clean {name}: exit {done.returncode}, {len(calls)} calls, {wall:.2f} s, errors {sorted(c for c, _, _ in clean[name])}")
        for kind in kinds:
            for action in actions:
                for name, args in targets.items():
                    done, wall, calls = run_once(options.proxy, moto_port, options.latency_ms, args, env, (action, kind))
                    problems, injected = judge(name, action, done, wall, calls, clean[name], options.budget_s)
                    result = {"kind": kind, "action": action, "target": name, "exit": done.returncode,
                              "wall_s": round(wall, 2), "called": injected, "problems": problems}
                    results.append(result)
                    if problems:
                        failures.append(result)
                        print(f"FAIL {kind} {action} {name}: {'; '.join(problems)}", flush=True)
    finally:
        emulator.terminate()
        emulator.wait()
    print()
    print(f"| kind | runs | passed | called | exit 2 (target calls) | worst wall (s) | median wall (s) |")
    print("|---|---|---|---|---|---|---|")
    for kind in kinds:
        rows = [r for r in results if r["kind"] == kind]
        walls = sorted(r["wall_s"] for r in rows)
        print(f"| {kind} | {len(rows)} | {sum(not r['problems'] for r in rows)} | {sum(r['called'] for r in rows)} | "
              f"{sum(r['exit'] == 2 for r in rows)} | {walls[-1] if walls else '-'} | {walls[len(walls) // 2] if walls else '-'} |")
    if options.json:
        pathlib.Path(options.json).write_text(json.dumps(results, indent=1))
    print(f"{len(results) - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
