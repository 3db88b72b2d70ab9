#!/usr/bin/env python3
"""Validate crates/ram-domain/data/resource-types.json (run from the repo root)."""
import json, re, sys

PATH = "crates/ram-domain/data/resource-types.json"
SPEC = "../shared/spec/aws-ram-spec.md"
errors = []
def err(msg): errors.append(msg)

raw = open(PATH).read()
data = json.loads(raw)
if raw != json.dumps(data, indent=2, ensure_ascii=False) + "\n":
    err("file is not pretty-printed with 2-space indent (json.dumps(indent=2) + newline)")

TYPE_KEYS = {"resourceType", "serviceName", "resourceRegionScope", "service", "arn",
             "shareWithIamPrincipals", "shareOutsideOrganization", "customerManagedPermissions",
             "consumerCanLeave", "invitationExpiryHours", "permissions"}
PERM_KEYS = {"name", "isResourceTypeDefault", "version", "creationTime", "actions"}
ACTION_RE = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9-]+$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

names = [t["resourceType"] for t in data]
if names != sorted(names): err("entries are not sorted by resourceType")
if len(set(n.lower() for n in names)) != len(names): err("duplicate resourceType (case-insensitive)")

perm_names = {}
for t in data:
    rt = t["resourceType"]
    if set(t) != TYPE_KEYS: err(f"{rt}: keys {sorted(set(t) ^ TYPE_KEYS)} differ")
    svc, _, typ = rt.partition(":")
    if not typ or not re.match(r"^[A-Z][A-Za-z0-9]+$", typ): err(f"{rt}: bad type part")
    if t["serviceName"] != svc: err(f"{rt}: serviceName {t['serviceName']} != {svc}")
    if t["resourceRegionScope"] not in ("REGIONAL", "GLOBAL"): err(f"{rt}: bad scope")
    if (t["resourceRegionScope"] == "GLOBAL") != (rt == "networkmanager:CoreNetwork"):
        err(f"{rt}: unexpected scope {t['resourceRegionScope']}")
    for k in ("shareWithIamPrincipals", "shareOutsideOrganization", "customerManagedPermissions", "consumerCanLeave"):
        if not isinstance(t[k], bool): err(f"{rt}: {k} not bool")
    if t["invitationExpiryHours"] not in (12, 168): err(f"{rt}: invitationExpiryHours {t['invitationExpiryHours']}")
    a = t["arn"]
    if not set(a) <= {"service", "resource", "exact"} or not a.get("service") or not a.get("resource"):
        err(f"{rt}: bad arn recogniser {a}")
    elif a.get("exact"):
        if a["resource"][-1] in "/:": err(f"{rt}: exact resource ends with separator")
    elif a["resource"][-1] not in "/:":
        err(f"{rt}: prefix {a['resource']!r} must end with '/' or ':'")
    perms = t["permissions"]
    defaults = [p["name"] for p in perms if p.get("isResourceTypeDefault") is True]
    if len(defaults) != 1: err(f"{rt}: {len(defaults)} default permissions {defaults}")
    for p in perms:
        if not PERM_KEYS <= set(p) <= PERM_KEYS | {"conditions"}: err(f"{rt}/{p.get('name')}: keys {sorted(p)}")
        n = p["name"]
        if not re.match(r"^AWSRAM[A-Za-z0-9]+$", n): err(f"{n}: bad permission name")
        if n in perm_names: err(f"{n}: used by {perm_names[n]} and {rt}")
        perm_names[n] = rt
        if not isinstance(p["isResourceTypeDefault"], bool): err(f"{n}: isResourceTypeDefault not bool")
        if not isinstance(p["version"], int) or isinstance(p["version"], bool) or p["version"] < 1:
            err(f"{n}: bad version")
        if not TIME_RE.match(p["creationTime"]): err(f"{n}: bad creationTime {p['creationTime']}")
        acts = p["actions"]
        if not acts or len(set(acts)) != len(acts): err(f"{n}: empty or duplicate actions")
        for act in acts:
            if not ACTION_RE.match(act): err(f"{n}: bad action {act}")
            elif act.split(":")[0] != a["service"]: err(f"{n}: action {act} not in service {a['service']}")
        if "conditions" in p:
            c = p["conditions"]
            if not isinstance(c, dict) or not c or not all(isinstance(v, dict) and v for v in c.values()):
                err(f"{n}: conditions must be a non-empty IAM Condition block")

# --- no two types may claim the same ARN ambiguously
rec = [(t["resourceType"], t["arn"]["service"], t["arn"]["resource"], bool(t["arn"].get("exact"))) for t in data]
for i, (rt1, s1, r1, e1) in enumerate(rec):
    for rt2, s2, r2, e2 in rec[i + 1:]:
        if s1 != s2: continue
        clash = (r1 == r2 if (e1 and e2) else
                 r1.startswith(r2) if e1 else
                 r2.startswith(r1) if e2 else
                 r1.startswith(r2) or r2.startswith(r1))
        if clash: err(f"ambiguous ARN recognisers: {rt1} ({s1}, {r1}) vs {rt2} ({s2}, {r2})")

def classify(arn):
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn": return None
    svc, res = parts[2], parts[5]
    hits = [t["resourceType"] for t in data if t["arn"]["service"] == svc and
            (res == t["arn"]["resource"] if t["arn"].get("exact") else res.startswith(t["arn"]["resource"]))]
    if len(hits) > 1: err(f"{arn}: matches several types {hits}")
    return hits[0] if hits else None

A = "arn:aws:{}:us-east-1:123456789012:{}"
SAMPLES = {
    A.format("rds", "cluster:my-cluster"): "rds:Cluster",
    A.format("rds", "cluster-snapshot:snap"): None,
    A.format("rds", "db:mydb"): None,
    A.format("license-manager", "license-configuration:lic-0123"): "license-manager:LicenseConfiguration",
    A.format("route53resolver", "resolver-rule/rslvr-rr-1"): "route53resolver:ResolverRule",
    A.format("route53resolver", "resolver-query-log-config/rslvr-rqlc-1"): "route53resolver:ResolverQueryLogConfig",
    A.format("route53resolver", "firewall-rule-group/rslvr-frg-1"): "route53resolver:FirewallRuleGroup",
    A.format("route53resolver", "firewall-rule-group-association/rslvr-frgassoc-1"): None,
    A.format("acm-pca", "certificate-authority/12345678-1234-1234-1234-123456789012"): "acm-pca:CertificateAuthority",
    A.format("glue", "catalog"): "glue:Catalog",
    A.format("glue", "database/db"): "glue:Database",
    A.format("glue", "table/db/t"): "glue:Table",
    "arn:aws:networkmanager::123456789012:core-network/core-network-0123": "networkmanager:CoreNetwork",
    "arn:aws:networkmanager::123456789012:global-network/global-network-0123": None,
    A.format("ec2", "transit-gateway/tgw-0123"): "ec2:TransitGateway",
    A.format("ec2", "transit-gateway-attachment/tgw-attach-0123"): None,
    A.format("ec2", "transit-gateway-multicast-domain/tgw-mcast-domain-0123"): "ec2:TransitGatewayMulticastDomain",
    A.format("ec2", "prefix-list/pl-0123"): "ec2:PrefixList",
    A.format("ec2", "subnet/subnet-0123"): "ec2:Subnet",
    A.format("ec2", "vpc/vpc-0123"): None,
    A.format("ec2", "capacity-reservation/cr-0123"): "ec2:CapacityReservation",
    A.format("ec2", "capacity-reservation-fleet/crf-0123"): None,
    A.format("ec2", "dedicated-host/h-0123"): "ec2:DedicatedHost",
    A.format("ec2", "placement-group/pg"): "ec2:PlacementGroup",
    A.format("ec2", "coip-pool/ipv4pool-coip-0123"): "ec2:CoipPool",
    A.format("ec2", "ipam-pool/ipam-pool-0123"): "ec2:IpamPool",
    A.format("ec2", "ipam-resource-discovery/ipam-res-disco-0123"): "ec2:IpamResourceDiscovery",
    A.format("ec2", "ipam-resource-discovery-association/ipam-res-disco-assoc-0123"): None,
    A.format("ec2", "local-gateway-route-table/lgw-rtb-0123"): "ec2:LocalGatewayRouteTable",
    A.format("ec2", "traffic-mirror-target/tmt-0123"): "ec2:TrafficMirrorTarget",
    A.format("ec2", "verified-access-group/vagr-0123"): "ec2:VerifiedAccessGroup",
    A.format("ec2", "security-group/sg-0123"): "ec2:SecurityGroup",
    A.format("outposts", "outpost/op-0123"): "outposts:Outpost",
    A.format("outposts", "site/os-0123"): "outposts:Site",
    A.format("s3-outposts", "outpost/op-0123"): "s3-outposts:Outpost",
    A.format("resource-groups", "group/name"): "resource-groups:Group",
    A.format("appmesh", "mesh/m"): "appmesh:Mesh",
    A.format("codebuild", "project/p"): "codebuild:Project",
    A.format("codebuild", "report-group/rg"): "codebuild:ReportGroup",
    A.format("codebuild", "report/rg:1"): None,
    A.format("imagebuilder", "component/c/1.0.0/1"): "imagebuilder:Component",
    A.format("imagebuilder", "container-recipe/r/1.0.0"): "imagebuilder:ContainerRecipe",
    A.format("imagebuilder", "image/i/1.0.0/1"): "imagebuilder:Image",
    A.format("imagebuilder", "image-recipe/r/1.0.0"): "imagebuilder:ImageRecipe",
    A.format("aws-marketplace", "AWSMarketplace/ResaleAuthorization/ra-1"): "aws-marketplace:Entity",
    A.format("refactor-spaces", "environment/env-1"): "refactor-spaces:Environment",
    A.format("network-firewall", "firewall-policy/p"): "network-firewall:FirewallPolicy",
    A.format("network-firewall", "stateful-rulegroup/g"): "network-firewall:StatefulRuleGroup",
    A.format("network-firewall", "stateless-rulegroup/g"): "network-firewall:StatelessRuleGroup",
    A.format("sagemaker", "lineage-group/g"): "sagemaker:LineageGroup",
    A.format("sagemaker", "pipeline/p"): "sagemaker:Pipeline",
    A.format("servicecatalog", "/applications/0abc"): "servicecatalog:Application",
    A.format("servicecatalog", "/attribute-groups/0abc"): "servicecatalog:AttributeGroup",
    A.format("ssm-contacts", "contact/alias"): "ssm-contacts:Contact",
    "arn:aws:ssm-incidents::123456789012:response-plan/plan": "ssm-incidents:ResponsePlan",
    A.format("vpc-lattice", "servicenetwork/sn-0123"): "vpc-lattice:ServiceNetwork",
    A.format("vpc-lattice", "service/svc-0123"): "vpc-lattice:Service",
    A.format("vpc-lattice", "resourceconfiguration/rcfg-0123"): "vpc-lattice:ResourceConfiguration",
    A.format("appsync", "apis/abcdefghijklmnopqrstuvwxyz"): "appsync:Apis",
    A.format("backup", "backup-vault:vault"): "backup:BackupVault",
    A.format("route53profiles", "profile/rp-0123"): "route53profiles:Profile",
    A.format("ssm", "parameter/MySharedParameter"): "ssm:Parameter",
    A.format("datazone", "domain/dzd_0123"): "datazone:Domain",
    A.format("s3", "bucket"): None,
}
for arn, want in SAMPLES.items():
    got = classify(arn)
    if got != want: err(f"{arn}: classified as {got}, expected {want}")

# --- section 6.2 of the spec: the 44 types and their flags
spec = open(SPEC).read()
sec = spec[spec.index("### 6.2"):spec.index("## 7.")]
rows = re.findall(r"^\| `([^`]+)` \| ([^|]+)\| ([^|]+)\| ([^|]+)\| (\w+) \| (\w+) \| (\w+) \| (\w+) \| ([^|]+)\|$", sec, re.M)
if len(rows) != 44: err(f"parsed {len(rows)} rows from spec 6.2, expected 44")
by = {t["resourceType"]: t for t in data}
yn = {"Yes": True, "No": False}
for rt, sname, scope, service, iam, ext, cmp_, leave, inv in rows:
    t = by.get(rt)
    if not t: err(f"spec 6.2 type {rt} missing"); continue
    want = {"serviceName": sname.strip(), "resourceRegionScope": scope.strip(), "service": service.replace("\xa0", " ").strip(),
            "shareWithIamPrincipals": yn[iam], "shareOutsideOrganization": yn[ext],
            "customerManagedPermissions": yn[cmp_], "consumerCanLeave": yn[leave],
            "invitationExpiryHours": 168 if inv.strip() == "7 days" else 12}
    for k, v in want.items():
        if t[k] != v: err(f"{rt}: {k}={t[k]!r}, spec 6.2 says {v!r}")

# --- default permission names from spec 5.2 / user guide
DEFAULTS = {
    "appmesh:Mesh": "AWSRAMDefaultPermissionAppMesh", "rds:Cluster": "AWSRAMDefaultPermissionRDSCluster",
    "acm-pca:CertificateAuthority": "AWSRAMDefaultPermissionCertificateAuthority",
    "codebuild:Project": "AWSRAMDefaultPermissionCodeBuildProject",
    "codebuild:ReportGroup": "AWSRAMDefaultPermissionCodeBuildReportGroup",
    "ec2:CapacityReservation": "AWSRAMDefaultPermissionCapacityReservation",
    "ec2:DedicatedHost": "AWSRAMDefaultPermissionDedicatedHost",
    "imagebuilder:Component": "AWSRAMDefaultPermissionImageBuilderComponent",
    "imagebuilder:Image": "AWSRAMDefaultPermissionImageBuilderImage",
    "imagebuilder:ImageRecipe": "AWSRAMDefaultPermissionImageBuilderImageRecipe",
    "glue:Catalog": "AWSRAMDefaultPermissionGlueCatalog", "glue:Database": "AWSRAMDefaultPermissionGlueDatabase",
    "glue:Table": "AWSRAMDefaultPermissionGlueTable",
    "license-manager:LicenseConfiguration": "AWSRAMDefaultPermissionLicenseConfiguration",
    "network-firewall:FirewallPolicy": "AWSRAMDefaultPermissionNetworkFirewallPolicy",
    "network-firewall:StatefulRuleGroup": "AWSRAMDefaultPermissionNetworkFirewallStatefulRuleGroup",
    "network-firewall:StatelessRuleGroup": "AWSRAMDefaultPermissionNetworkFirewallStatelessRuleGroup",
    "outposts:Outpost": "AWSRAMDefaultPermissionOutpostsOutpost",
    "resource-groups:Group": "AWSRAMDefaultPermissionResourceGroup",
    "route53resolver:ResolverRule": "AWSRAMDefaultPermissionResolverRule",
    "route53resolver:ResolverQueryLogConfig": "AWSRAMDefaultPermissionResolverQueryLogConfig",
    "ec2:PrefixList": "AWSRAMDefaultPermissionPrefixList", "ec2:Subnet": "AWSRAMDefaultPermissionSubnet",
    "ec2:TrafficMirrorTarget": "AWSRAMDefaultPermissionTrafficMirror",
    "ec2:TransitGateway": "AWSRAMDefaultPermissionTransitGateway",
    "ec2:LocalGatewayRouteTable": "AWSRAMDefaultPermissionLocalGateway",
    "ec2:TransitGatewayMulticastDomain": "AWSRAMDefaultPermissionTransitGatewayMulticastDomain",
    "networkmanager:CoreNetwork": "AWSRAMDefaultPermissionsNetworkManagerCoreNetwork",
}
for rt, name in DEFAULTS.items():
    d = [p["name"] for p in by.get(rt, {}).get("permissions", []) if p["isResourceTypeDefault"]]
    if d != [name]: err(f"{rt}: default permission {d}, expected {name}")
for name, rt in {
    "AWSRAMBlankEndEntityCertificateAPICSRPassthroughIssuanceCertificateAuthority": "acm-pca:CertificateAuthority",
    "AWSRAMSubordinateCACertificatePathLen0IssuanceCertificateAuthority": "acm-pca:CertificateAuthority",
    "AWSRAMTransitGatewayPermissionsNetworkManagerCoreNetwork": "networkmanager:CoreNetwork",
    "AWSRAMVPCPermissionsNetworkManagerCoreNetwork": "networkmanager:CoreNetwork",
    "AWSRAMPermissionGlueTableReadWriteForDatabase": "glue:Database"}.items():
    if perm_names.get(name) != rt: err(f"{name} should exist for {rt}")
g = next(p for p in by["glue:Database"]["permissions"] if p["name"] == "AWSRAMPermissionGlueTableReadWriteForDatabase")
if g["version"] != 2 or g["isResourceTypeDefault"] or g["actions"] != [
        "glue:GetTable", "glue:UpdateTable", "glue:DeleteTable", "glue:BatchDeleteTable",
        "glue:BatchDeleteTableVersion", "glue:GetTableVersion", "glue:GetTableVersions", "glue:GetPartition",
        "glue:GetPartitions", "glue:BatchGetPartition", "glue:BatchCreatePartition", "glue:CreatePartition",
        "glue:UpdatePartition", "glue:BatchDeletePartition", "glue:DeletePartition", "glue:GetTables",
        "glue:SearchTables"]:
    err("AWSRAMPermissionGlueTableReadWriteForDatabase does not match spec 5.3")
sub = by["ec2:Subnet"]["permissions"][0]
if sub["actions"] != ["ec2:RunInstances", "ec2:CreateNetworkInterface", "ec2:DescribeSubnets"]:
    err("AWSRAMDefaultPermissionSubnet does not match spec 5.3")

if errors:
    print("\n".join("FAIL: " + e for e in errors)); sys.exit(1)
print(f"OK: {len(data)} types, {sum(len(t['permissions']) for t in data)} permissions, "
      f"{len(SAMPLES)} ARN samples, 44 spec-6.2 rows checked")
