#!/usr/bin/env python3
"""Builds an organisation for sweeps in the emulator: scenarios seeded into several accounts
and regions.

  seed_sweep.py ENDPOINT_URL ACCOUNT:REGION:SCENARIO[:SERVICES] ...

Each argument seeds mocks/SCENARIO/snapshot.json into ACCOUNT and REGION (the scenario's own
account id and region replaced throughout), with SERVICES copies of its first service (default
1) named svc000, svc001, … Accounts other than the emulator's default are reached through a
role assumed into them (the emulator acts in the account a role is assumed into, as AWS does).
Nothing is reset first. Prints nothing on success.
"""
import copy
import json
import pathlib
import sys

import boto3

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import seed  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
NAMES = ("ec2", "ecs", "ecr", "iam", "kms", "secretsmanager", "ssm", "route53", "route53resolver")
DEFAULT_ACCOUNT = "111122223333"


def scope_snapshot(scenario, account, region, services):
    text = (ROOT / "mocks" / scenario / "snapshot.json").read_text()
    original = json.loads(text)
    text = text.replace(original["account_id"], account).replace(original["region"], region)
    snap = json.loads(text)
    template = snap["services"][0]
    snap["services"] = []
    for n in range(services):
        service = copy.deepcopy(template)
        service["name"] = f"svc{n:03d}"
        service["arn"] = template["arn"].rsplit("/", 1)[0] + f"/svc{n:03d}"
        snap["services"].append(service)
    snap["tasks"] = []
    return snap


def clients(endpoint, region, account):
    keys = dict(aws_access_key_id="testing", aws_secret_access_key="testing")
    if account != DEFAULT_ACCOUNT:
        sts = boto3.client("sts", endpoint_url=endpoint, region_name=region, **keys)
        credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/seeder", RoleSessionName="seeder")["Credentials"]
        keys = dict(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
    return {name: boto3.client(name, endpoint_url=endpoint, region_name=region, **keys) for name in NAMES}


# IAM is global: an account's roles are created once, with its first region.
identities = set()


def seed_scope(endpoint, account, region, scenario, services):
    snap = scope_snapshot(scenario, account, region, services)
    seed.ids.clear()
    aws = clients(endpoint, region, account)
    seed.seed_network(aws["ec2"], snap)
    seed.seed_dns(aws["route53"], aws["route53resolver"], snap)
    seed.seed_keys(aws["kms"], snap)
    seed.seed_secrets(aws["secretsmanager"], aws["ssm"], snap)
    if account not in identities:
        seed.seed_identity(aws["iam"], snap)
        identities.add(account)
    seed.seed_registry(aws["ecr"], snap)
    seed.seed_workloads(aws["ecs"], aws["ec2"], endpoint, snap)
    seed.finish_network(aws["ec2"], snap)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    endpoint = sys.argv[1]
    for spec in sys.argv[2:]:
        account, region, scenario, *rest = spec.split(":")
        seed_scope(endpoint, account, region, scenario, int(rest[0]) if rest else 1)


if __name__ == "__main__":
    main()
