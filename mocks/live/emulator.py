#!/usr/bin/env python3
"""Runs moto on 127.0.0.1 for the live tests, with fixes that make it answer as AWS does.

  emulator.py PORT [--stock]   serve until SIGTERM/SIGINT; prints "ready" once listening

--stock leaves out the actions this script adds to moto (3 and 7 below), so the product meets
moto's own answer for them (HTTP 500), as users of other emulators, partitions or regions do. The other
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
7. moto has no image blobs (the layer upload actions and GetDownloadUrlForLayer answer HTTP 500).
   InitiateLayerUpload, UploadLayerPart and CompleteLayerUpload are added (what `docker push`
   calls; the digest is checked, as ECR does), and GetDownloadUrlForLayer answers as ECR does: a
   presigned-style URL, here on the emulator itself (`/ecr-layers/...`, signed and expiring like
   an S3 presigned URL), whose GET returns the blob's bytes; LayersNotFoundException for a blob the
   repository does not hold, LayerInaccessibleException for one no image references. Left out
   with --stock, like 3: the product then meets moto's HTTP 500 and must record a gap.
8. moto draws a Route 53 hosted zone id's first character from every letter and digit; AWS's
   zone ids all start with `Z` (`Z0123456789ABCDEFGHIJ`). They start with `Z` here.
9. Transit gateways, where moto differs from EC2 (the seeder creates them with
   `DefaultRouteTableAssociation` and `DefaultRouteTablePropagation` disabled, and associates
   and propagates each attachment as the snapshot says):
   a. with `DefaultRouteTableAssociation` disabled, moto still associates a new attachment with
      the default route table; here it is left unassociated, as EC2 leaves it;
   b. `AssociateTransitGatewayRouteTable` and `DisassociateTransitGatewayRouteTable` do not
      change the `Association` moto reports for the attachment; here they do;
   c. `SearchTransitGatewayRoutes` drops a static route's attachment (moto holds one, the answer
      has a list) and never shows a propagated route; here each route carries its attachment, and
      a propagation (`EnableTransitGatewayRouteTablePropagation`) of a VPC attachment adds a
      `propagated` route for each of the VPC's IPv4 CIDR blocks, unless a static route has that
      destination, as EC2 does.
10. moto takes a request's region from anywhere in its URL, so a Route 53 query naming a zone
   `REGION.amazonaws.com` (`ListHostedZonesByName?dnsname=us-east-1.amazonaws.com`) fails with
   HTTP 500; here it is taken from the host only (AWS's endpoints carry it there), else from the
   request's signature as before.
11. moto's DescribeVpcEndpoints does not know the `vpc-endpoint-id` filter (HTTP 500, "filter
   not implemented"); EC2 has it. Here it filters by the endpoint's id.
12. moto writes a subnet's IPv6 block association state as the text of a dict
   (`Ipv6CidrBlockState.State` = `{'State': 'associated'}`); EC2 writes `associated`. Here it does.
   And an IPv6-only subnet's `AvailableIpAddressCount` (the unused private IPv4 addresses, an
   Integer) is its /64's size, which overflows the SDK's Integer and fails DescribeSubnets; EC2
   has no IPv4 address there to count: 0 here.
   8 to 12 fix answers moto already gives (no API is added): they stay with --stock.
"""
import base64
import calendar
import hashlib
import hmac
import json
import os
import secrets
import signal
import sys
import threading
import time
import urllib.parse

os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
DEFAULT_ACCOUNT = os.environ.pop("MOTO_ACCOUNT_ID", None)

from moto.ec2.models import subnets as ec2_subnets  # noqa: E402
from moto.ec2.models import vpcs as ec2_vpcs  # noqa: E402
from moto.ec2.models import transit_gateway_attachments as tgw_attachments  # noqa: E402
from moto.ec2.models import transit_gateway_route_tables as tgw_route_tables  # noqa: E402
from moto.route53 import models as route53_models  # noqa: E402
from moto.core.responses import ActionResult, BaseResponse  # noqa: E402
from moto.sts import models as sts_models  # noqa: E402
from moto.ecr.responses import ECRResponse  # noqa: E402
from moto.ecs import models as ecs_models  # noqa: E402
from moto.core.exceptions import ServiceException  # noqa: E402
from moto.ecr.models import ecr_backends  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402
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


# 7. Image blobs. On the ECR backend (so /moto-api/reset clears them): the blobs of each
# repository by digest, and the uploads in progress.
_LAYER_PATH = "/ecr-layers/"
_URL_SECRET = secrets.token_bytes(32)
_URL_LIFETIME_S = 3600


def _ecr_error(code, message):
    """An ECR error as moto serializes its own (it finds the service by the class's module)."""
    error = type(code, (ServiceException,), {"code": code, "__module__": "moto.ecr.exceptions"})
    return error(message)


def _blobs(backend, repository):
    return backend.__dict__.setdefault("layer_blobs", {}).setdefault(repository, {})


def _uploads(backend):
    return backend.__dict__.setdefault("layer_uploads", {})


def _repository(self):
    """The repository the request names, or RepositoryNotFoundException as ECR answers."""
    registry_id = self._get_param("registryId")
    name = self._get_param("repositoryName")
    return self.ecr_backend._get_repository(name, registry_id)


def _initiate_layer_upload(self):
    repository = _repository(self)
    upload_id = secrets.token_hex(16)
    _uploads(self.ecr_backend)[upload_id] = {"repository": repository.name, "bytes": b""}
    return ActionResult({"uploadId": upload_id, "partSize": 10485760})


def _upload(self, repository):
    upload = _uploads(self.ecr_backend).get(self._get_param("uploadId"))
    if upload is None or upload["repository"] != repository.name:
        raise _ecr_error("UploadNotFoundException", f"upload {self._get_param('uploadId')} is not one of repository {repository.name}")
    return upload


def _upload_layer_part(self):
    repository = _repository(self)
    upload = _upload(self, repository)
    part = base64.b64decode(self._get_param("layerPartBlob") or "")
    first, last = self._get_param("partFirstByte"), self._get_param("partLastByte")
    if first != len(upload["bytes"]) or last != first + len(part) - 1:
        raise _ecr_error("InvalidLayerPartException", f"the part must start at byte {len(upload['bytes'])} and end at its last byte")
    upload["bytes"] += part
    return ActionResult({"registryId": repository.registry_id, "repositoryName": repository.name, "uploadId": self._get_param("uploadId"), "lastByteReceived": last})


def _complete_layer_upload(self):
    repository = _repository(self)
    upload = _upload(self, repository)
    if not upload["bytes"]:
        raise _ecr_error("EmptyUploadException", "the upload has no part")
    digests = self._get_param("layerDigests") or []
    actual = "sha256:" + hashlib.sha256(upload["bytes"]).hexdigest()
    if digests != [actual]:
        raise _ecr_error("InvalidLayerException", f"the uploaded bytes have the digest {actual}, not the one given")
    blobs = _blobs(self.ecr_backend, repository.name)
    if actual in blobs:
        raise _ecr_error("LayerAlreadyExistsException", f"layer {actual} is already in repository {repository.name}")
    blobs[actual] = upload["bytes"]
    del _uploads(self.ecr_backend)[self._get_param("uploadId")]
    return ActionResult({"registryId": repository.registry_id, "repositoryName": repository.name, "uploadId": self._get_param("uploadId"), "layerDigest": actual})


def _referenced(repository, digest):
    """Whether an image of the repository names the blob (its config, a layer or a manifest)."""
    for image in repository.images:
        try:
            manifest = json.loads(image.image_manifest)
        except ValueError:
            continue
        named = [manifest.get("config", {}).get("digest")]
        named += [part.get("digest") for part in manifest.get("layers", []) + manifest.get("manifests", [])]
        if digest in named:
            return True
    return False


def _signature(path, issued):
    return hmac.new(_URL_SECRET, f"{path}\n{issued}".encode(), hashlib.sha256).hexdigest()


def _get_download_url_for_layer(self):
    repository = _repository(self)
    digest = self._get_param("layerDigest")
    if digest not in _blobs(self.ecr_backend, repository.name):
        raise _ecr_error("LayersNotFoundException", f"layer {digest} is not in repository {repository.name}")
    if not _referenced(repository, digest):
        raise _ecr_error("LayerInaccessibleException", f"layer {digest} is not referenced by an image of repository {repository.name}")
    # As S3's presigned URLs: the path names the object, the query carries the signature and
    # its validity. The host is the one the request came to (the emulator, or a proxy before it).
    path = _LAYER_PATH + "/".join(urllib.parse.quote(part, safe="") for part in (self.current_account, self.region, repository.name, digest))
    issued = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    query = urllib.parse.urlencode({
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": f"ASIAEMULATOR/{issued[:8]}/{self.region}/s3/aws4_request",
        "X-Amz-Date": issued,
        "X-Amz-Expires": str(_URL_LIFETIME_S),
        "X-Amz-SignedHeaders": "host",
        "X-Amz-Signature": _signature(path, issued),
    })
    host = self.headers.get("Host", "127.0.0.1")
    return ActionResult({"downloadUrl": f"http://{host}{path}?{query}", "layerDigest": digest})


def _s3_error(start_response, status, code, message):
    body = f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
    start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [body]


def _serve_layer(environ, start_response):
    """GET of a URL from _get_download_url_for_layer, answered as S3 answers a presigned GET."""
    # The path as sent (PATH_INFO is decoded, and a repository name holds slashes).
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or urllib.parse.quote(environ.get("PATH_INFO", ""))
    path = raw.split("?", 1)[0]
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    issued = (query.get("X-Amz-Date") or [""])[0]
    signature = (query.get("X-Amz-Signature") or [""])[0]
    if environ.get("REQUEST_METHOD") != "GET" or not hmac.compare_digest(signature, _signature(path, issued)):
        return _s3_error(start_response, "403 Forbidden", "SignatureDoesNotMatch", "the URL's signature is not the one issued")
    try:
        expired = time.time() > calendar.timegm(time.strptime(issued, "%Y%m%dT%H%M%SZ")) + _URL_LIFETIME_S
    except ValueError:
        expired = True
    if expired:
        return _s3_error(start_response, "403 Forbidden", "AccessDenied", "the URL has expired")
    try:
        account, region, repository, digest = (urllib.parse.unquote(part) for part in path[len(_LAYER_PATH):].split("/"))
        blob = _blobs(ecr_backends[account][region], repository)[digest]
    except (ValueError, KeyError):
        return _s3_error(start_response, "404 Not Found", "NoSuchKey", "no such blob")
    start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(blob))),
                              ("ETag", '"' + hashlib.md5(blob).hexdigest() + '"')])
    return [blob]


_dispatch = DomainDispatcherApplication.__call__


def _dispatch_with_layers(self, environ, start_response):
    if environ.get("PATH_INFO", "").startswith(_LAYER_PATH):
        return _serve_layer(environ, start_response)
    return _dispatch(self, environ, start_response)


STOCK = "--stock" in sys.argv[2:]
if not STOCK:
    ECRResponse.create_pull_through_cache_rule = _create_pull_through_cache_rule
    ECRResponse.describe_pull_through_cache_rules = _describe_pull_through_cache_rules
    ECRResponse.initiate_layer_upload = _initiate_layer_upload
    ECRResponse.upload_layer_part = _upload_layer_part
    ECRResponse.complete_layer_upload = _complete_layer_upload
    ECRResponse.get_download_url_for_layer = _get_download_url_for_layer
    DomainDispatcherApplication.__call__ = _dispatch_with_layers


# 8. Hosted zone ids as AWS writes them.
_zone_id = route53_models.create_route53_zone_id


def _zone_id_like_aws(*args, **kwargs):
    return "Z" + _zone_id(*args, **kwargs)[1:]


# 9a. A transit gateway whose default association is disabled leaves a new attachment unassociated.
_create_vpc_attachment = tgw_attachments.TransitGatewayAttachmentBackend.create_transit_gateway_vpc_attachment


def _create_vpc_attachment_as_ec2(self, transit_gateway_id, *args, **kwargs):
    attachment = _create_vpc_attachment(self, transit_gateway_id, *args, **kwargs)
    gateway = self.transit_gateways[transit_gateway_id]
    if gateway.options.get("DefaultRouteTableAssociation") == "disable" and attachment.transit_gateway_route_table:
        self.unset_route_table_association(attachment.transit_gateway_route_table.id, attachment.id)
        attachment.transit_gateway_route_table = None
    return attachment


# 9b. The association moto reports is the route table the attachment was last associated with.
_set_association = tgw_attachments.TransitGatewayAttachmentBackend.set_attachment_association
_unset_association = tgw_attachments.TransitGatewayAttachmentBackend.unset_attachment_association


def _set_association_reported(self, transit_gateway_attachment_id, transit_gateway_route_table_id):
    _set_association(self, transit_gateway_attachment_id, transit_gateway_route_table_id)
    self.transit_gateway_attachments[transit_gateway_attachment_id].transit_gateway_route_table = (
        self.transit_gateways_route_tables[transit_gateway_route_table_id])


def _unset_association_reported(self, tgw_attach_id):
    _unset_association(self, tgw_attach_id)
    self.transit_gateway_attachments[tgw_attach_id].transit_gateway_route_table = None


# 9c. Routes with their attachment, and the routes propagations add.
_search_routes = tgw_route_tables.TransitGatewayRouteTableBackend.search_transit_gateway_routes
_ROUTE_FILTERS = (("type", "type"), ("state", "state"), ("route-search.exact-match", "destinationCidrBlock"))


def _search_routes_as_ec2(self, transit_gateway_route_table_id, filters, max_results=None):
    routes = [dict(route) for route in _search_routes(self, transit_gateway_route_table_id, filters)]
    for route in routes:
        attachment = route.get("transitGatewayAttachments")
        if isinstance(attachment, dict):
            route["transitGatewayAttachments"] = [attachment]
    table = self.transit_gateways_route_tables.get(transit_gateway_route_table_id)
    static = set(table.routes) if table else set()
    for propagation in (table.route_table_propagation if table else []):
        if propagation.resourceType != "vpc" or propagation.state != "enabled":
            continue
        try:
            vpc = self.get_vpc(propagation.resourceId)
        except Exception:  # noqa: BLE001 (the VPC is gone: nothing propagates)
            continue
        for association in vpc.get_cidr_block_association_set(ipv6=False):
            cidr = association["cidr_block"]
            route = {
                "destinationCidrBlock": cidr, "prefixListId": None, "state": "active", "type": "propagated",
                "transitGatewayAttachments": [{
                    "resourceId": propagation.resourceId, "resourceType": "vpc",
                    "transitGatewayAttachmentId": propagation.transitGatewayAttachmentId,
                }],
            }
            wanted = all(not (filters or {}).get(name) or route[key] in filters[name] for name, key in _ROUTE_FILTERS)
            if cidr not in static and wanted:
                routes.append(route)
    return routes[: int(max_results)] if max_results else routes


# 10. The region from the URL's host, not its path or query.
_region_from_url = BaseResponse.get_region_from_url


def _region_from_host(self, request, full_url):
    parts = urllib.parse.urlsplit(full_url)
    return _region_from_url(self, request, f"{parts.scheme}://{parts.netloc}/")


# 11. The `vpc-endpoint-id` filter of DescribeVpcEndpoints.
_endpoint_filter = ec2_vpcs.VPCEndPoint.get_filter_value


def _endpoint_filter_by_id(self, filter_name, method_name=None):
    if filter_name == "vpc-endpoint-id":
        return self.id
    return _endpoint_filter(self, filter_name, method_name)


# 12. A subnet's IPv6 block associations, their state as EC2 writes it.
def _ipv6_associations_as_ec2(self):
    return [
        {
            "ipv6CidrBlock": association["ipv6CidrBlock"],
            "associationId": association["associationId"],
            "ipv6CidrBlockState": {"state": association["ipv6CidrBlockState"]["State"]},
        }
        for association in self.ipv6_cidr_block_associations.values()
        if association["ipv6CidrBlockState"]["State"] == "associated"
    ]


_available_ip_address_count = ec2_subnets.Subnet.available_ip_address_count


def _ipv4_addresses_available(self):
    if not self.cidr_block:
        return 0
    return _available_ip_address_count.fget(self)


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

BaseResponse.get_region_from_url = _region_from_host
ec2_vpcs.VPCEndPoint.get_filter_value = _endpoint_filter_by_id
ec2_subnets.Subnet.ipv6_cidr_block_association_set = property(_ipv6_associations_as_ec2)
ec2_subnets.Subnet.available_ip_address_count = property(_ipv4_addresses_available)
route53_models.create_route53_zone_id = _zone_id_like_aws
tgw_attachments.TransitGatewayAttachmentBackend.create_transit_gateway_vpc_attachment = _create_vpc_attachment_as_ec2
tgw_attachments.TransitGatewayAttachmentBackend.set_attachment_association = _set_association_reported
tgw_attachments.TransitGatewayAttachmentBackend.unset_attachment_association = _unset_association_reported
tgw_route_tables.TransitGatewayRouteTableBackend.search_transit_gateway_routes = _search_routes_as_ec2
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
