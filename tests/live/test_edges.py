"""ELBv2 (attributes, rules, target groups and targets), RDS clusters and snapshots, and WAFv2 associations
against a moto server: the Terraform kinds, and the checks that fire on them."""

from __future__ import annotations

from typing import Any

from ringfence.sources.aws import load_live
from tests.live.conftest import REGIONS, client, findings


def _network(region: str) -> dict[str, Any]:
    ec2 = client("ec2", region)
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.8.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for i, zone in enumerate(zones)
    ]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnets[0])["Instances"][0][
        "InstanceId"
    ]
    return {"vpc": vpc, "subnets": subnets, "group": group, "instance": instance}


def _seed_balancer() -> dict[str, str]:
    net = _network("us-east-1")
    elb = client("elbv2", "us-east-1")
    lb = elb.create_load_balancer(
        Name="fail-plain-web", Subnets=net["subnets"], SecurityGroups=[net["group"]], Scheme="internet-facing"
    )["LoadBalancers"][0]["LoadBalancerArn"]
    elb.modify_load_balancer_attributes(
        LoadBalancerArn=lb,
        Attributes=[{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}],
    )
    tg = elb.create_target_group(Name="app", Protocol="HTTP", Port=8080, VpcId=net["vpc"])["TargetGroups"][0][
        "TargetGroupArn"
    ]
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": net["instance"], "Port": 8080}])
    listener = elb.create_listener(
        LoadBalancerArn=lb,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )["Listeners"][0]["ListenerArn"]
    elb.create_rule(
        ListenerArn=listener,
        Priority=10,
        Conditions=[{"Field": "path-pattern", "Values": ["/api/*"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": tg}],
    )
    waf = client("wafv2", "us-east-1")
    acl = waf.create_web_acl(
        Name="edge",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig={
            "SampledRequestsEnabled": False,
            "CloudWatchMetricsEnabled": False,
            "MetricName": "e",
        },
    )["Summary"]["ARN"]
    waf.associate_web_acl(WebACLArn=acl, ResourceArn=lb)
    return {"lb": lb, "tg": tg, "listener": listener, "instance": net["instance"], "acl": acl}


def test_balancers_are_read_with_attributes_rules_and_targets(aws: str) -> None:
    ids = _seed_balancer()
    estate = load_live("aws://", regions=REGIONS)
    lb = estate.get(ids["lb"])
    assert lb is not None and lb.get("drop_invalid_header_fields") is True
    assert lb.get("enable_deletion_protection") is False and lb.get("internal") is False
    (rule,) = estate.of_kind("aws_lb_listener_rule")
    assert estate.target(rule, "listener_arn") is not None
    assert rule.get("condition") == [{"field": "path-pattern", "values": ["/api/*"]}]
    (attachment,) = estate.of_kind("aws_lb_target_group_attachment")
    assert [t.kind for t in estate.targets(attachment, "target_id")] == ["aws_instance"]
    assert [t.address for t in estate.targets(attachment, "target_group_arn")] == [ids["tg"]]
    got = findings(estate, "lb.http-redirects-to-https", "waf.load-balancer-protected")
    assert got == {
        ("lb.http-redirects-to-https", "fail", ids["listener"]),
        # moto does not answer wafv2:ListResourcesForWebACL: what the web ACL protects is unknown.
        ("waf.load-balancer-protected", "unknown", ids["lb"]),
    }
    gap = [e for e in estate.errors if "wafv2:ListResourcesForWebACL" in e.message]
    assert gap and all(e.undecided for e in gap)


def test_the_network_engine_follows_the_balancer_to_its_target(aws: str) -> None:
    from ringfence.network.balancers import feeds
    from ringfence.network.topology import Network

    ids = _seed_balancer()
    estate = load_live("aws://", regions=("us-east-1",))
    got = {(f.balancer, f.target_group, f.port) for f in feeds(Network(estate))}
    instance = next(r.address for r in estate.of_kind("aws_instance") if r.get("id") == ids["instance"])
    assert (ids["lb"], ids["tg"], 8080) in got
    assert {f.target for f in feeds(Network(estate))} == {instance}


def _seed_databases() -> dict[str, str]:
    rds = client("rds", "eu-west-1")
    good, bad = (
        rds.create_db_cluster(
            DBClusterIdentifier=name,
            Engine="aurora-postgresql",
            MasterUsername="app",
            MasterUserPassword="not-a-real-one-1",
            StorageEncrypted=encrypted,
            DeletionProtection=encrypted,
        )["DBCluster"]["DBClusterArn"]
        for name, encrypted in (("pass-encrypted", True), ("fail-plain", False))
    )
    member = rds.create_db_instance(
        DBInstanceIdentifier="fail-plain-1",
        DBClusterIdentifier="fail-plain",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r5.large",
    )["DBInstance"]["DBInstanceArn"]
    rds.create_db_instance(
        DBInstanceIdentifier="solo",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="app",
        MasterUserPassword="not-a-real-one-1",
        StorageEncrypted=True,
    )
    public = rds.create_db_snapshot(DBSnapshotIdentifier="fail-shared", DBInstanceIdentifier="solo")[
        "DBSnapshot"
    ]["DBSnapshotArn"]
    rds.modify_db_snapshot_attribute(
        DBSnapshotIdentifier="fail-shared", AttributeName="restore", ValuesToAdd=["all"]
    )
    private = rds.create_db_snapshot(DBSnapshotIdentifier="pass-kept", DBInstanceIdentifier="solo")[
        "DBSnapshot"
    ]["DBSnapshotArn"]
    rds.modify_db_snapshot_attribute(
        DBSnapshotIdentifier="pass-kept", AttributeName="restore", ValuesToAdd=["111122223333"]
    )
    cluster_snap = rds.create_db_cluster_snapshot(
        DBClusterSnapshotIdentifier="pass-cluster-kept", DBClusterIdentifier="pass-encrypted"
    )["DBClusterSnapshot"]["DBClusterSnapshotArn"]
    return {
        "good": good,
        "bad": bad,
        "member": member,
        "public": public,
        "private": private,
        "cluster_snap": cluster_snap,
    }


def test_clusters_members_and_snapshots_are_read_and_checked(aws: str) -> None:
    ids = _seed_databases()
    estate = load_live("aws://", regions=REGIONS)
    member = estate.get(ids["member"])
    assert member is not None and member.kind == "aws_rds_cluster_instance"
    assert [t.address for t in estate.targets(member, "cluster_identifier")] == [ids["bad"]]
    shared = estate.get(ids["private"])
    assert shared is not None and shared.get("shared_accounts") == ["111122223333"]
    got = findings(
        estate, "rds.storage-encrypted", "rds.snapshot-not-public", "rds.deletion-protection-enabled"
    )
    # Passing resources give no finding: only the bad ones are listed.
    assert got == {
        ("rds.storage-encrypted", "fail", ids["bad"]),
        ("rds.storage-encrypted", "fail", ids["member"]),
        ("rds.deletion-protection-enabled", "fail", ids["bad"]),
        ("rds.deletion-protection-enabled", "fail", solo_arn(estate)),
        ("rds.snapshot-not-public", "fail", ids["public"]),
    }


def solo_arn(estate: Any) -> str:
    return str(next(r.address for r in estate.of_kind("aws_db_instance") if r.get("identifier") == "solo"))
