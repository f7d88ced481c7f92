#!/usr/bin/env python3
"""Builds one scenario's snapshot (mocks/<name>/snapshot.json) as real API state in moto.

  seed.py ENDPOINT_URL mocks/<name>/snapshot.json

Ids are moto's own; the scenario's ids are mapped as resources are created. What moto cannot
hold (see SKIPPED in tests/live.rs) is left to the offline goldens and the SDK mock tests.
The S3 prefix list is moto's AWS-managed one, given the scenario's CIDRs.
"""
import hashlib
import ipaddress
import json
import sys
import urllib.request

import boto3
import botocore.config
import botocore.exceptions

ids = {}
# Blob uploads are tried once: the stock emulator (`emulator.py --stock`) lacks them (HTTP 500),
# and its images are then seeded without blobs, as the product must cope with.
ONE_ATTEMPT = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 1})


def mapped(value):
    return ids.get(value, value)


def remapped(document):
    """A policy document with the scenario's ids (secret ARNs, keys) replaced by moto's."""
    text = json.dumps(document)
    for known, real in ids.items():
        text = text.replace(known, real)
    return text


def mapped_prefix(value):
    """A secret reference with a JSON key suffix (`arn...:secret:name-AbCdEf:password::`)."""
    for known, real in ids.items():
        if value.startswith(known + ":"):
            return real + value[len(known):]
    return mapped(value)


def clients(endpoint, region):
    kw = dict(endpoint_url=endpoint, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
    names = ("ec2", "ecs", "ecr", "iam", "kms", "secretsmanager", "ssm", "route53", "route53resolver")
    return {name: boto3.client(name, **kw) for name in names}


def moto_api(endpoint, path, body):
    request = urllib.request.Request(f"{endpoint}/moto-api/{path}", data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(request).read()


def permissions(rules):
    out = []
    for rule in rules:
        protocol = "-1" if rule["protocol"] in ("all", "-1") else rule["protocol"]
        permission = {"IpProtocol": protocol}
        if protocol != "-1":
            ports = rule.get("port_range") or {"from": 0, "to": 65535}
            permission.update(FromPort=ports["from"], ToPort=ports["to"])
        peer = rule["peer"]
        if peer.startswith("sg-"):
            permission["UserIdGroupPairs"] = [{"GroupId": mapped(peer)}]
        elif peer.startswith("pl-"):
            permission["PrefixListIds"] = [{"PrefixListId": mapped(peer)}]
        elif ":" in peer:
            permission["Ipv6Ranges"] = [{"CidrIpv6": peer}]
        else:
            permission["IpRanges"] = [{"CidrIp": peer}]
        out.append(permission)
    return out


def seed_network(ec2, snap):
    region = snap["region"]
    for pl in snap.get("prefix_lists", []):
        if pl["name"] == f"com.amazonaws.{region}.s3":
            found = ec2.describe_managed_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": [pl["name"]]}])["PrefixLists"][0]
            ids[pl["id"]] = found["PrefixListId"]
            current = [e["Cidr"] for e in ec2.get_managed_prefix_list_entries(PrefixListId=found["PrefixListId"])["Entries"]]
            ec2.modify_managed_prefix_list(
                PrefixListId=found["PrefixListId"],
                CurrentVersion=found.get("Version", 1),
                PrefixListName=pl["name"],  # moto drops the name when it is not given again
                AddEntries=[{"Cidr": cidr} for cidr in pl["cidrs"] if cidr not in current],
                RemoveEntries=[{"Cidr": cidr} for cidr in current if cidr not in pl["cidrs"]],
            )
    # A VPC with IPv6 subnets gets an Amazon-provided /56; the subnets' /64s are taken from it in
    # order (the snapshot's blocks are mapped to those).
    ipv6_vpcs = {subnet["vpc_id"] for subnet in snap["subnets"] if subnet.get("ipv6_cidr_blocks")}
    ipv6_blocks = {}
    for vpc in snap["vpcs"]:
        created = ec2.create_vpc(CidrBlock=vpc["cidr_blocks"][0], AmazonProvidedIpv6CidrBlock=vpc["id"] in ipv6_vpcs)["Vpc"]
        ids[vpc["id"]] = created["VpcId"]
        if vpc["id"] in ipv6_vpcs:
            found = ec2.describe_vpcs(VpcIds=[created["VpcId"]])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
            ipv6_blocks[vpc["id"]] = ipaddress.ip_network(found).subnets(new_prefix=64)
        for extra in vpc["cidr_blocks"][1:]:
            ec2.associate_vpc_cidr_block(VpcId=created["VpcId"], CidrBlock=extra)
        # run_task needs DNS hostnames on (moto); the scenario's values are set at the end.
        ec2.modify_vpc_attribute(VpcId=created["VpcId"], EnableDnsHostnames={"Value": True})
        options = next((o for o in snap.get("dhcp_options", []) if o["id"] == vpc.get("dhcp_options_id")), None)
        if options:
            dopt = ec2.create_dhcp_options(DhcpConfigurations=[{"Key": "domain-name-servers", "Values": options["domain_name_servers"]}])
            ec2.associate_dhcp_options(DhcpOptionsId=dopt["DhcpOptions"]["DhcpOptionsId"], VpcId=created["VpcId"])
    for subnet in snap["subnets"]:
        blocks = []
        for block in subnet.get("ipv6_cidr_blocks") or []:
            ids[block] = str(next(ipv6_blocks[subnet["vpc_id"]]))
            blocks.append(ids[block])
        if subnet.get("ipv6_native"):
            created = ec2.create_subnet(VpcId=mapped(subnet["vpc_id"]), Ipv6Native=True, Ipv6CidrBlock=blocks[0], AvailabilityZone=subnet["availability_zone"])
        else:
            created = ec2.create_subnet(VpcId=mapped(subnet["vpc_id"]), CidrBlock=subnet["cidr_block"], AvailabilityZone=subnet["availability_zone"])
        ids[subnet["id"]] = created["Subnet"]["SubnetId"]
        for block in blocks[1 if subnet.get("ipv6_native") else 0:]:
            ec2.associate_subnet_cidr_block(SubnetId=ids[subnet["id"]], Ipv6CidrBlock=block)
        if subnet.get("enable_dns64"):
            ec2.modify_subnet_attribute(SubnetId=ids[subnet["id"]], EnableDns64={"Value": True})
        if subnet.get("map_public_ip_on_launch"):
            ec2.modify_subnet_attribute(SubnetId=ids[subnet["id"]], MapPublicIpOnLaunch={"Value": True})
    for igw in snap.get("internet_gateways", []):
        created = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ids[igw["id"]] = created
        for vpc in igw["attached_vpc_ids"]:
            ec2.attach_internet_gateway(InternetGatewayId=created, VpcId=mapped(vpc))
    for nat in snap.get("nat_gateways", []):
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        created = ec2.create_nat_gateway(SubnetId=mapped(nat["subnet_id"]), AllocationId=allocation, ConnectivityType=nat.get("connectivity_type", "public"))
        ids[nat["id"]] = created["NatGateway"]["NatGatewayId"]
    for group in snap.get("security_groups", []):
        created = ec2.create_security_group(GroupName=group.get("name") or group["id"], Description="seeded", VpcId=mapped(group["vpc_id"]))
        ids[group["id"]] = created["GroupId"]
        ec2.revoke_security_group_egress(GroupId=created["GroupId"], IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        if group["vpc_id"] in ipv6_vpcs:  # a VPC with IPv6 gives a new group ::/0 egress too
            ec2.revoke_security_group_egress(GroupId=created["GroupId"], IpPermissions=[{"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    for group in snap.get("security_groups", []):
        if group.get("ingress"):
            ec2.authorize_security_group_ingress(GroupId=ids[group["id"]], IpPermissions=permissions(group["ingress"]))
        if group.get("egress"):
            ec2.authorize_security_group_egress(GroupId=ids[group["id"]], IpPermissions=permissions(group["egress"]))
    seed_instances(ec2, snap)
    seed_transit_gateways(ec2, snap)
    seed_peering(ec2, snap)
    for table in snap.get("route_tables", []):
        vpc = mapped(table["vpc_id"])
        if table.get("main"):
            found = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}])
            table_id = found["RouteTables"][0]["RouteTableId"]
        else:
            table_id = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ids[table["id"]] = table_id
        for subnet in table.get("subnet_ids", []):
            ec2.associate_route_table(RouteTableId=table_id, SubnetId=mapped(subnet))
        for route in table.get("routes", []):
            target = route["target"]
            if target == "local" or target.startswith("vpce-"):
                continue  # local exists; gateway endpoints add their own routes
            args = {"RouteTableId": table_id}
            if route["destination"].startswith("pl-"):
                args["DestinationPrefixListId"] = mapped(route["destination"])
            elif ":" in route["destination"]:
                args["DestinationIpv6CidrBlock"] = mapped(route["destination"])
            else:
                args["DestinationCidrBlock"] = route["destination"]
            if target.startswith("tgw-") and target not in ids:
                ids[target] = create_transit_gateway(ec2)
            if target.startswith("eigw-") and target not in ids:
                ids[target] = ec2.create_egress_only_internet_gateway(VpcId=vpc)["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
            key = {"igw": "GatewayId", "eigw": "EgressOnlyInternetGatewayId", "nat": "NatGatewayId", "tgw": "TransitGatewayId", "pcx": "VpcPeeringConnectionId", "eni": "NetworkInterfaceId", "i": "InstanceId"}[target.split("-")[0]]
            args[key] = mapped(target)
            ec2.create_route(**args)
    for acl in snap.get("network_acls", []):
        vpc = mapped(acl["vpc_id"])
        if acl.get("is_default"):
            found = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]
            acl_id = found["NetworkAclId"]
            for entry in found["Entries"]:
                if entry["RuleNumber"] < 32767:
                    ec2.delete_network_acl_entry(NetworkAclId=acl_id, RuleNumber=entry["RuleNumber"], Egress=entry["Egress"])
        else:
            acl_id = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
            for subnet in acl.get("subnet_ids", []):
                current = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [mapped(subnet)]}])["NetworkAcls"][0]
                association = next(a for a in current["Associations"] if a["SubnetId"] == mapped(subnet))
                ec2.replace_network_acl_association(AssociationId=association["NetworkAclAssociationId"], NetworkAclId=acl_id)
        ids[acl["id"]] = acl_id
        for entry in acl.get("entries", []):
            protocol = {"all": "-1", "tcp": "6", "udp": "17", "icmp": "1"}.get(entry["protocol"], entry["protocol"])
            args = dict(NetworkAclId=acl_id, RuleNumber=entry["rule_number"], Protocol=protocol, RuleAction=entry["action"], Egress=entry["egress"])
            if entry.get("ipv6_cidr"):
                args["Ipv6CidrBlock"] = entry["ipv6_cidr"]
            else:
                args["CidrBlock"] = entry.get("cidr", "0.0.0.0/0")
            if entry.get("port_range"):
                args["PortRange"] = {"From": entry["port_range"]["from"], "To": entry["port_range"]["to"]}
            ec2.create_network_acl_entry(**args)
    for endpoint in snap.get("vpc_endpoints", []):
        args = dict(VpcId=mapped(endpoint["vpc_id"]), ServiceName=endpoint["service_name"], VpcEndpointType=endpoint["endpoint_type"])
        if endpoint.get("policy") is not None:
            args["PolicyDocument"] = json.dumps(endpoint["policy"])
        if endpoint["endpoint_type"] == "Gateway":
            args["RouteTableIds"] = [mapped(t) for t in endpoint.get("route_table_ids", [])]
        else:
            args.update(
                SubnetIds=[mapped(s) for s in endpoint.get("subnet_ids", [])],
                SecurityGroupIds=[mapped(g) for g in endpoint.get("security_group_ids", [])],
                PrivateDnsEnabled=endpoint.get("private_dns_enabled", False),
            )
        created = ec2.create_vpc_endpoint(**args)["VpcEndpoint"]
        ids[endpoint["id"]] = created["VpcEndpointId"]
        # The endpoint's DNS names are the service's own: alias records name moto's.
        for name, entry in zip(endpoint.get("dns_names", []), created.get("DnsEntries", [])):
            ids[name] = entry["DnsName"].rstrip(".").lower()
            dns_zones[name] = entry.get("HostedZoneId")


# The DNS hosted zone of each endpoint DNS name (what an alias record to it names), by the
# snapshot's name.
dns_zones = {}


def create_transit_gateway(ec2):
    """A transit gateway that associates and propagates nothing by itself: the snapshot says where
    each attachment is associated and what it propagates."""
    options = {"DefaultRouteTableAssociation": "disable", "DefaultRouteTablePropagation": "disable"}
    return ec2.create_transit_gateway(Options=options)["TransitGateway"]["TransitGatewayId"]


def seed_instances(ec2, snap):
    """Instances routes point at (NAT instances): subnet, public address, source/destination check."""
    for instance in snap.get("ec2_instances", []):
        interface = {"DeviceIndex": 0, "SubnetId": mapped(instance["subnet_id"]),
                     "AssociatePublicIpAddress": instance.get("public_ip") is not None}
        launched = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                     NetworkInterfaces=[interface])["Instances"][0]
        ids[instance["id"]] = launched["InstanceId"]
        for known, created in zip(instance.get("network_interface_ids", []), launched.get("NetworkInterfaces", [])):
            ids[known] = created["NetworkInterfaceId"]
        ec2.modify_instance_attribute(InstanceId=launched["InstanceId"], SourceDestCheck={"Value": instance["source_dest_check"]})
        if instance.get("state") == "stopped":
            ec2.stop_instances(InstanceIds=[launched["InstanceId"]])


def seed_transit_gateways(ec2, snap):
    """Transit gateways, their VPC attachments (subnets, associated route table) and route tables
    (static and blackhole routes, and propagations for the propagated ones)."""
    attachments = snap.get("transit_gateway_attachments", [])
    tables = snap.get("transit_gateway_route_tables", [])
    for gateway in sorted({a["transit_gateway_id"] for a in attachments} | {t["transit_gateway_id"] for t in tables}):
        if gateway not in ids:
            ids[gateway] = create_transit_gateway(ec2)
    for attachment in attachments:
        if attachment["resource_type"] != "vpc":
            print(f"seed.py: {attachment['id']} ({attachment['resource_type']}) not created: VPC attachments only", file=sys.stderr)
            continue
        created = ec2.create_transit_gateway_vpc_attachment(
            TransitGatewayId=mapped(attachment["transit_gateway_id"]), VpcId=mapped(attachment["resource_id"]),
            SubnetIds=[mapped(subnet) for subnet in attachment.get("subnet_ids", [])])
        ids[attachment["id"]] = created["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    for table in tables:
        created = ec2.create_transit_gateway_route_table(TransitGatewayId=mapped(table["transit_gateway_id"]))
        ids[table["id"]] = created["TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]
    for attachment in attachments:
        if attachment.get("association_route_table_id") and attachment["id"] in ids:
            ec2.associate_transit_gateway_route_table(TransitGatewayRouteTableId=mapped(attachment["association_route_table_id"]),
                                                      TransitGatewayAttachmentId=ids[attachment["id"]])
    vpc_cidrs = {vpc["id"]: vpc["cidr_blocks"] for vpc in snap["vpcs"]}
    attached = {a["id"]: a["resource_id"] for a in attachments}
    for table in tables:
        for route in table.get("routes", []):
            targets = route.get("attachment_ids", [])
            blackhole = route.get("state") == "blackhole" or not targets
            # A propagated route is the attachment's VPC CIDR, which a propagation adds (emulator.py 9c).
            if (route.get("route_type") == "propagated" and not blackhole and len(targets) == 1
                    and route["destination"] in vpc_cidrs.get(attached.get(targets[0]), [])):
                ec2.enable_transit_gateway_route_table_propagation(TransitGatewayRouteTableId=ids[table["id"]],
                                                                   TransitGatewayAttachmentId=ids[targets[0]])
                continue
            args = {"TransitGatewayRouteTableId": ids[table["id"]], "DestinationCidrBlock": route["destination"]}
            if blackhole:
                args["Blackhole"] = True
            else:
                args["TransitGatewayAttachmentId"] = mapped(targets[0])
            ec2.create_transit_gateway_route(**args)


def seed_peering(ec2, snap):
    """VPC peering connections (same account and region), accepted or rejected as their status says."""
    for peering in snap.get("vpc_peering_connections", []):
        created = ec2.create_vpc_peering_connection(VpcId=mapped(peering["requester_vpc_id"]), PeerVpcId=mapped(peering["accepter_vpc_id"]))
        connection = created["VpcPeeringConnection"]["VpcPeeringConnectionId"]
        ids[peering["id"]] = connection
        if peering["status"] == "active":
            ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=connection)
        elif peering["status"] == "rejected":
            ec2.reject_vpc_peering_connection(VpcPeeringConnectionId=connection)


def seed_dns(route53, resolver, snap):
    """Private hosted zones (VPC associations, A/AAAA/CNAME records, aliases to endpoints' DNS
    names) and Resolver rules with their VPC associations."""
    region = snap["region"]
    for zone in snap.get("hosted_zones", []):
        args = dict(Name=zone["name"], CallerReference=f"seed-{zone['id']}")
        vpcs = [mapped(vpc) for vpc in zone.get("vpc_ids", [])]
        if zone.get("private"):
            args.update(HostedZoneConfig={"PrivateZone": True}, VPC={"VPCRegion": region, "VPCId": vpcs[0]})
        created = route53.create_hosted_zone(**args)["HostedZone"]["Id"].rsplit("/", 1)[-1]
        ids[zone["id"]] = created
        for vpc in vpcs[1:] if zone.get("private") else []:
            route53.associate_vpc_with_hosted_zone(HostedZoneId=created, VPC={"VPCRegion": region, "VPCId": vpc})
        changes = []
        for record in zone.get("records", []):
            record_set = {"Name": record["name"], "Type": record["type"]}
            if record.get("alias_target"):
                record_set["AliasTarget"] = {"HostedZoneId": dns_zones.get(record["alias_target"]) or "Z7HUB22UULQXV",
                                             "DNSName": mapped(record["alias_target"]), "EvaluateTargetHealth": False}
            else:
                record_set.update(TTL=60, ResourceRecords=[{"Value": value} for value in record.get("values", [])])
            changes.append({"Action": "CREATE", "ResourceRecordSet": record_set})
        if changes:
            route53.change_resource_record_sets(HostedZoneId=created, ChangeBatch={"Changes": changes})
    for rule in snap.get("resolver_rules", []):
        args = dict(CreatorRequestId=f"seed-{rule['id']}", RuleType=rule["rule_type"], DomainName=rule["domain_name"])
        if rule.get("target_ips"):
            args["TargetIps"] = [dict(zip(("Ip", "Port"), (ip.split(":")[0], int(ip.split(":")[1]) if ":" in ip else 53)))
                                 for ip in rule["target_ips"]]
        created = resolver.create_resolver_rule(**args)["ResolverRule"]["Id"]
        ids[rule["id"]] = created
        for vpc in rule.get("vpc_ids", []):
            resolver.associate_resolver_rule(ResolverRuleId=created, VPCId=mapped(vpc))


def seed_identity(iam, snap):
    for role in snap.get("iam_roles", []):
        name = role["arn"].rsplit("/", 1)[-1]
        trust = role.get("trust_policy") or {"Version": "2012-10-17", "Statement": []}
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        for policy in role.get("inline_policies", []):
            iam.put_role_policy(RoleName=name, PolicyName=policy["name"], PolicyDocument=remapped(policy["document"]))
        for policy in role.get("attached_policies", []):
            iam.attach_role_policy(RoleName=name, PolicyArn=managed_policy(iam, policy))
        if role.get("permissions_boundary"):
            iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=managed_policy(iam, role["permissions_boundary"]))


def managed_policy(iam, policy):
    arn = policy["name"]
    if ":aws:policy/" in arn:
        return arn  # AWS managed: moto loads them (MOTO_IAM_LOAD_MANAGED_POLICIES=true)
    try:
        iam.get_policy(PolicyArn=arn)
    except iam.exceptions.NoSuchEntityException:
        iam.create_policy(PolicyName=arn.rsplit("/", 1)[-1], PolicyDocument=remapped(policy["document"]))
    return arn


def image_config(platform):
    """The config blob of a single-architecture image for `platform` (`os/architecture[/variant]`),
    as `docker build` writes one: the platform, a runtime config and the layers' diff ids."""
    parts = dict(zip(("os", "architecture", "variant"), platform.split("/")))
    return json.dumps({
        "architecture": parts["architecture"],
        "os": parts["os"],
        **({"variant": parts["variant"]} if "variant" in parts else {}),
        "config": {"Entrypoint": ["/app/server"], "Env": ["PATH=/usr/local/bin:/usr/bin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(platform.encode()).hexdigest()]},
    }, separators=(",", ":")).encode()


def image_manifest(platforms, seed, config=None):
    """A manifest list naming `platforms`; with none, a single-architecture manifest, whose
    platform only its config blob records: `config` (its bytes), else a blob that is not pushed
    (as a snapshot's `platforms: []` without `config_platform` says: the platform is unknown)."""
    def digest(text):
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    if not platforms:
        return json.dumps({
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": len(config) if config else 1000,
                "digest": "sha256:" + hashlib.sha256(config).hexdigest() if config else digest(f"{seed}/config"),
            },
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 1000, "digest": digest(f"{seed}/layer")}],
        })
    return json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
        "manifests": [
            {
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "size": 1000,
                "digest": digest(f"{seed}/{platform}"),
                "platform": dict(zip(("os", "architecture", "variant"), platform.split("/"))),
            }
            for platform in platforms
        ],
    })


def seed_keys(kms, snap):
    for key in snap.get("kms_keys", []):
        args = {"Policy": remapped(key["policy"])} if key.get("policy") else {}
        created = kms.create_key(Description="seeded", **args)["KeyMetadata"]
        ids[key["arn"]] = created["Arn"]
        if key["key_state"] == "Disabled":
            kms.disable_key(KeyId=created["KeyId"])
        elif key["key_state"] == "PendingDeletion":
            kms.schedule_key_deletion(KeyId=created["KeyId"], PendingWindowInDays=7)


def seed_secrets(secretsmanager, ssm, snap):
    for secret in snap.get("secret_keys", []):
        arn = secret["resource"]
        args = {}
        if secret.get("kms_key"):
            args["KmsKeyId"] = mapped(secret["kms_key"])
        if ":secretsmanager:" in arn:
            name = arn.split(":secret:", 1)[1].rsplit("-", 1)[0]
            ids[arn] = secretsmanager.create_secret(Name=name, SecretString="seeded", **args)["ARN"]
        else:
            name = "/" + arn.split(":parameter/", 1)[1]
            ssm.put_parameter(Name=name, Value="seeded", Type="SecureString", **({"KeyId": args["KmsKeyId"]} if args else {}))


def as_account(client, account, **options):
    """The same client, signed with credentials of a role assumed into `account`."""
    kw = dict(endpoint_url=client.meta.endpoint_url, region_name=client.meta.region_name)
    sts = boto3.client("sts", aws_access_key_id="testing", aws_secret_access_key="testing", **kw)
    credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/seeder", RoleSessionName="seeder")["Credentials"]
    return boto3.client(
        client.meta.service_model.service_name,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        **kw,
        **options,
    )


def push_blob(ecr, repository, blob):
    """Pushes one blob as `docker push` does (InitiateLayerUpload, UploadLayerPart,
    CompleteLayerUpload); False when the emulator lacks those actions (--stock)."""
    try:
        upload = ecr.initiate_layer_upload(repositoryName=repository)["uploadId"]
        ecr.upload_layer_part(repositoryName=repository, uploadId=upload, partFirstByte=0,
                              partLastByte=len(blob) - 1, layerPartBlob=blob)
        ecr.complete_layer_upload(repositoryName=repository, uploadId=upload,
                                  layerDigests=["sha256:" + hashlib.sha256(blob).hexdigest()])
    except botocore.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") == "LayerAlreadyExistsException":
            return True
        print(f"seed.py: blob of {repository} not pushed: {str(error).splitlines()[0]}", file=sys.stderr)
        return False
    return True


def seed_registry(ecr, snap):
    for replication in snap.get("ecr_replication", []):
        if not replication["rules"]:
            continue
        source = boto3.client("ecr", endpoint_url=ecr.meta.endpoint_url, region_name=replication["region"], aws_access_key_id="testing", aws_secret_access_key="testing")
        source.put_replication_configuration(replicationConfiguration={"rules": [
            {
                "destinations": [{"region": d["region"], "registryId": d["registry_id"]} for d in rule["destinations"]],
                **({"repositoryFilters": [{"filter": p, "filterType": "PREFIX_MATCH"} for p in rule["repository_prefixes"]]} if rule.get("repository_prefixes") else {}),
            }
            for rule in replication["rules"]
        ]})
    registry = snap.get("ecr_registry") or {}
    for rule in registry.get("pull_through_cache_rules", []):
        ecr.create_pull_through_cache_rule(ecrRepositoryPrefix=rule["ecr_repository_prefix"], upstreamRegistryUrl=rule["upstream_registry_url"])
    if registry.get("policy") is not None:
        ecr.put_registry_policy(policyText=json.dumps(registry["policy"]))
    for repository in snap.get("ecr_repositories", []):
        account = repository["arn"].split(":")[4]
        # Another account's registry: moto acts in the account a role is assumed into.
        owner = ecr if account == snap["account_id"] else as_account(ecr, account)
        uploader = (
            boto3.client("ecr", endpoint_url=ecr.meta.endpoint_url, region_name=ecr.meta.region_name,
                         aws_access_key_id="testing", aws_secret_access_key="testing", config=ONE_ATTEMPT)
            if account == snap["account_id"] else as_account(ecr, account, config=ONE_ATTEMPT)
        )
        encryption = {"encryptionType": repository.get("encryption_type", "AES256")}
        if repository.get("kms_key"):
            encryption["kmsKey"] = mapped(repository["kms_key"])
        owner.create_repository(repositoryName=repository["name"], encryptionConfiguration=encryption)
        if repository.get("policy") is not None:
            owner.set_repository_policy(repositoryName=repository["name"], policyText=json.dumps(repository["policy"]))
        if repository.get("lifecycle_policy") is not None:
            owner.put_lifecycle_policy(repositoryName=repository["name"], lifecyclePolicyText=json.dumps(repository["lifecycle_policy"]))
        for image in repository.get("images", []):
            config = None
            if not image.get("platforms") and image.get("config_platform"):
                config = image_config(image["config_platform"])
                push_blob(uploader, repository["name"], config)
            manifest = image_manifest(image.get("platforms") or [], image["digest"], config)
            for tag in image.get("tags", []):
                owner.put_image(
                    repositoryName=repository["name"],
                    imageManifest=manifest,
                    imageManifestMediaType=json.loads(manifest)["mediaType"],
                    imageTag=tag,
                )


def seed_workloads(ecs, ec2, endpoint, snap):
    moto_api(endpoint, "state-manager/set-transition", {"model_name": "ecs::task", "transition": {"progression": "manual", "times": 1000000}})
    definitions = {}
    for definition in snap.get("task_definitions", []):
        family = definition["arn"].rsplit("/", 1)[-1].split(":")[0]
        containers = []
        for container in definition["containers"]:
            spec = {"name": container["name"], "image": container["image"], "essential": container.get("essential", True), "memory": 512}
            if container.get("log_driver"):
                spec["logConfiguration"] = {"logDriver": container["log_driver"], "options": container.get("log_options", {})}
            # A seeding-only key (a snapshot has no environment): tests put a plaintext
            # password there to prove that nothing writes it.
            if container.get("environment"):
                spec["environment"] = container["environment"]
            if container.get("secrets"):
                spec["secrets"] = [{"name": s["name"], "valueFrom": mapped_prefix(s["value_from"])} for s in container["secrets"]]
            if container.get("repository_credentials"):
                spec["repositoryCredentials"] = {"credentialsParameter": mapped_prefix(container["repository_credentials"])}
            containers.append(spec)
        args = dict(family=family, networkMode=definition.get("network_mode", "awsvpc"), requiresCompatibilities=["FARGATE"], cpu="256", memory="512", containerDefinitions=containers)
        if definition.get("execution_role_arn"):
            args["executionRoleArn"] = definition["execution_role_arn"]
        if definition.get("runtime_platform"):
            platform = definition["runtime_platform"]
            args["runtimePlatform"] = {"cpuArchitecture": platform["cpu_architecture"], "operatingSystemFamily": platform["operating_system_family"]}
        definitions[definition["arn"]] = ecs.register_task_definition(**args)["taskDefinition"]["taskDefinitionArn"]
    clusters = {s["cluster_arn"] for s in snap.get("services", [])} | {t["cluster_arn"] for t in snap.get("tasks", [])}
    for cluster in clusters:
        ecs.create_cluster(clusterName=cluster.rsplit("/", 1)[-1])
    seed_container_instances(ecs, ec2, snap)
    for service in snap.get("services", []):
        network = service["network"]
        args = dict(
            cluster=service["cluster_arn"].rsplit("/", 1)[-1],
            serviceName=service["name"],
            taskDefinition=definitions[service["task_definition_arn"]],
            desiredCount=1,
            networkConfiguration={"awsvpcConfiguration": {
                "subnets": [mapped(s) for s in network["subnet_ids"]],
                "securityGroups": [mapped(g) for g in network["security_group_ids"]],
                "assignPublicIp": "ENABLED" if network.get("assign_public_ip") else "DISABLED",
            }},
        )
        if service.get("launch_type"):
            args["launchType"] = service["launch_type"]
        if service.get("platform_version"):
            args["platformVersion"] = service["platform_version"]
        ecs.create_service(**args)
    for task in snap.get("tasks", []):
        network = task["network"]
        started = ecs.run_task(
            cluster=task["cluster_arn"].rsplit("/", 1)[-1],
            taskDefinition=definitions[task["task_definition_arn"]],
            launchType=task["launch_type"],
            group=task.get("group") or "family:seeded",
            networkConfiguration={"awsvpcConfiguration": {"subnets": [mapped(network["subnet_id"])], "securityGroups": [mapped(g) for g in network.get("security_group_ids", [])]}},
        )["tasks"][0]
        ids[task["arn"]] = started["taskArn"]
        if task["last_status"] == "STOPPED":
            reasons = {c["name"]: c["reason"] for c in task.get("containers", []) if c.get("reason")}
            ecs.stop_task(cluster=task["cluster_arn"].rsplit("/", 1)[-1], task=started["taskArn"], reason=json.dumps({
                "stoppedReason": task.get("stopped_reason", ""),
                "stopCode": task.get("stop_code"),
                "containerReasons": reasons,
                "containerExitCodes": {c["name"]: c["exit_code"] for c in task.get("containers", []) if c.get("exit_code") is not None},
                "containerImageDigests": {c["name"]: c["image_digest"] for c in task.get("containers", []) if c.get("image_digest")},
            }))


def seed_container_instances(ecs, ec2, snap):
    """An EC2 instance (subnet, address, groups, instance profile) registered in the cluster."""
    iam = boto3.client("iam", endpoint_url=ec2.meta.endpoint_url, region_name=snap["region"], aws_access_key_id="testing", aws_secret_access_key="testing")
    for instance in snap.get("container_instances", []):
        network = instance["network"]
        args = dict(
            ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.medium",
            SubnetId=mapped(network["subnet_id"]),
            SecurityGroupIds=[mapped(group) for group in network["security_group_ids"]],
            PrivateIpAddress=network["private_ip"],
        )
        if instance.get("instance_profile_arn"):
            name = instance["instance_profile_arn"].rsplit("/", 1)[-1]
            iam.create_instance_profile(InstanceProfileName=name)
            if instance.get("role_arn"):
                iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=instance["role_arn"].rsplit("/", 1)[-1])
            args["IamInstanceProfile"] = {"Name": name}
        launched = ec2.run_instances(**args)["Instances"][0]
        ids[instance["ec2_instance_id"]] = launched["InstanceId"]
        registered = ecs.register_container_instance(
            cluster=instance["cluster_arn"].rsplit("/", 1)[-1],
            instanceIdentityDocument=json.dumps({"instanceId": launched["InstanceId"], "region": snap["region"]}),
        )["containerInstance"]
        ids[instance["arn"]] = registered["containerInstanceArn"]


def finish_network(ec2, snap):
    for vpc in snap["vpcs"]:
        ec2.modify_vpc_attribute(VpcId=mapped(vpc["id"]), EnableDnsSupport={"Value": vpc["enable_dns_support"]})
        ec2.modify_vpc_attribute(VpcId=mapped(vpc["id"]), EnableDnsHostnames={"Value": vpc["enable_dns_hostnames"]})


def main():
    endpoint, path = sys.argv[1], sys.argv[2]
    snap = json.load(open(path))
    aws = clients(endpoint, snap["region"])
    seed_network(aws["ec2"], snap)
    seed_dns(aws["route53"], aws["route53resolver"], snap)
    seed_keys(aws["kms"], snap)
    seed_secrets(aws["secretsmanager"], aws["ssm"], snap)
    seed_identity(aws["iam"], snap)
    seed_registry(aws["ecr"], snap)
    seed_workloads(aws["ecs"], aws["ec2"], endpoint, snap)
    finish_network(aws["ec2"], snap)
    json.dump(ids, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
