#!/usr/bin/env python3
"""Runs moto on 127.0.0.1 for the live tests, with fixes that make it answer as AWS does.

  emulator.py PORT [--stock]   serve until SIGTERM/SIGINT; prints "ready" once listening

--stock leaves out the actions this script adds to moto (3 below), so the product meets moto's
own answer for them (HTTP 500), as users of other emulators, partitions or regions do. The other
fixes make moto answer as AWS does, or (4) let the seeder set what ECS sets itself; they stay.

1. moto reports a task container's `cpu` and `memory` as JSON numbers; AWS (and the Rust SDK's
   model) has strings, so the SDK rejects every DescribeTasks answer. They are made strings.
2. moto gives interface-endpoint and task ENIs random 10.x addresses outside their subnet;
   on AWS an ENI's address is always in its subnet. They get one from the subnet.
3. moto has no pull-through cache rules (HTTP 500); Create/DescribePullThroughCacheRules are
   added, kept on the ECR backend of the account and region.
4. The API cannot set a stopped task's `stopCode` or container `reason`s. For tests only,
   `StopTask` accepts a JSON reason `{"stoppedReason": ..., "stopCode": ..., "containerReasons":
   {NAME: REASON}, "containerExitCodes": {NAME: CODE}, "containerImageDigests": {NAME: DIGEST}}`
   and sets those fields, each container's own, as ECS reports them when a pull or a start
   fails (ECS resolves `imageDigest` at start; moto resolves none).
5. `MOTO_ACCOUNT_ID` pins every request to one account, even one signed with credentials from
   `sts:AssumeRole` into another account. Here it is taken as the default account instead (for
   keys moto does not know), so assumed-role credentials act in the role's account, as on AWS.
6. moto's tasks hold one container, the first definition's; ECS reports one per container
   definition (each with its name and image), so a sidecar's own reason can be seen.
"""
import json
import os
import signal
import sys
import threading

os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
DEFAULT_ACCOUNT = os.environ.pop("MOTO_ACCOUNT_ID", None)

from moto.ec2.models import vpcs as ec2_vpcs  # noqa: E402
from moto.core.responses import ActionResult, BaseResponse  # noqa: E402
from moto.sts import models as sts_models  # noqa: E402
from moto.ecr.responses import ECRResponse  # noqa: E402
from moto.ecs import models as ecs_models  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

_container_init = ecs_models.Container.__init__


def _container_init_with_string_sizes(self, task_def):
    _container_init(self, task_def)
    for name in ("cpu", "memory"):
        value = getattr(self, name, None)
        if value is not None:
            setattr(self, name, str(value))
    self.reason = None


_task_init = ecs_models.Task.__init__


def _task_init_with_every_container(self, cluster, task_definition, *args, **kwargs):
    _task_init(self, cluster, task_definition, *args, **kwargs)
    # moto describes only the first container definition; ECS reports one container per definition.
    containers = []
    for definition in task_definition.container_definitions:
        container = ecs_models.Container(task_definition)
        container.image = definition.get("image")
        container.name = definition.get("name")
        for name in ("cpu", "memory"):
            value = definition.get(name)
            setattr(container, name, None if value is None else str(value))
        containers.append(container)
    self.containers = containers


_stop_task = ecs_models.EC2ContainerServiceBackend.stop_task


def _stop_task_with_codes(self, cluster_str, task_str, reason):
    details = None
    if reason and reason.lstrip().startswith("{"):
        try:
            details = json.loads(reason)
        except ValueError:
            details = None
    task = _stop_task(self, cluster_str, task_str, details.get("stoppedReason", "") if details else reason)
    if details:
        task.stop_code = details.get("stopCode")
        # ECS gives each container its own reason: only the named containers get one.
        reasons = details.get("containerReasons") or {}
        exit_codes = details.get("containerExitCodes") or {}
        digests = details.get("containerImageDigests") or {}
        for container in task.containers:
            name = getattr(container, "name", None)
            container.reason = reasons.get(name)
            if name in exit_codes:
                container.exitCode = exit_codes[name]
            if name in digests:
                container.image_digest = digests[name]
    return task


def _rules(response):
    # On the backend object, so /moto-api/reset clears them with everything else.
    return response.ecr_backend.__dict__.setdefault("pull_through_cache_rules", [])


def _create_pull_through_cache_rule(self):
    rule = {
        "ecrRepositoryPrefix": self._get_param("ecrRepositoryPrefix"),
        "upstreamRegistryUrl": self._get_param("upstreamRegistryUrl"),
        "registryId": self.current_account,
    }
    _rules(self).append(rule)
    return ActionResult(rule)


def _describe_pull_through_cache_rules(self):
    return ActionResult({"pullThroughCacheRules": _rules(self)})


STOCK = "--stock" in sys.argv[2:]
if not STOCK:
    ECRResponse.create_pull_through_cache_rule = _create_pull_through_cache_rule
    ECRResponse.describe_pull_through_cache_rules = _describe_pull_through_cache_rules


def _address_from_subnet(*_args, **_kwargs):
    return None  # NetworkInterface then draws the address from its subnet's block


# Access key of each role assumed, to the role's account. moto's own lookup walks every account
# and partition's IAM backend per request, loading the managed policies for each: far slower.
_assumed_accounts = {}
_assume_role = sts_models.STSBackend.assume_role


def _assume_role_recorded(self, *args, **kwargs):
    role = _assume_role(self, *args, **kwargs)
    _assumed_accounts[role.access_key_id] = role.account_id
    return role


def _current_account(self):
    return _assumed_accounts.get(self.get_access_key(), DEFAULT_ACCOUNT)


if DEFAULT_ACCOUNT:
    sts_models.STSBackend.assume_role = _assume_role_recorded
    BaseResponse.get_current_account = _current_account

ec2_vpcs.random_private_ip = _address_from_subnet
ecs_models.random_private_ip = _address_from_subnet
ecs_models.Container.__init__ = _container_init_with_string_sizes
ecs_models.EC2ContainerServiceBackend.stop_task = _stop_task_with_codes
ecs_models.Task.__init__ = _task_init_with_every_container


def main():
    port = int(sys.argv[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    print("ready", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    server.stop()


if __name__ == "__main__":
    main()
