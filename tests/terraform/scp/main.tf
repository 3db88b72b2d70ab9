# Service control policies: the organization with SCPs enabled, an SCP that denies creating resource
# shares that allow external principals, and its attachment to the root (every member account, root
# users included, is then refused such a share; the management account is not).
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "endpoint" { type = string }

provider "aws" {
  region                  = "us-east-1"
  access_key              = "111111111111"
  secret_key              = "x"
  skip_metadata_api_check = true
  skip_region_validation  = true
  endpoints {
    ram           = var.endpoint
    sts           = var.endpoint
    organizations = var.endpoint
    iam           = var.endpoint
  }
}

resource "aws_organizations_organization" "org" {
  feature_set          = "ALL"
  enabled_policy_types = ["SERVICE_CONTROL_POLICY"]
}

resource "aws_organizations_organizational_unit" "workloads" {
  name      = "workloads"
  parent_id = aws_organizations_organization.org.roots[0].id
}

resource "aws_organizations_policy" "no_external_shares" {
  name        = "DenyExternalResourceShares"
  description = "No resource share may allow principals outside the organization"
  type        = "SERVICE_CONTROL_POLICY"
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyExternalShares"
      Effect    = "Deny"
      Action    = "ram:CreateResourceShare"
      Resource  = "*"
      Condition = { Bool = { "ram:RequestedAllowsExternalPrincipals" = "true" } }
    }]
  })
  depends_on = [aws_organizations_organization.org]
}

resource "aws_organizations_policy_attachment" "root" {
  policy_id = aws_organizations_policy.no_external_shares.id
  target_id = aws_organizations_organization.org.roots[0].id
}

# A second SCP attached to the OU, beside the FullAWSAccess the OU got when it was created.
resource "aws_organizations_policy" "read_only_ram" {
  name    = "RamReadOnly"
  content = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["ram:Get*", "ram:List*"], Resource = "*" }]
  })
  depends_on = [aws_organizations_organization.org]
}

resource "aws_organizations_policy_attachment" "workloads" {
  policy_id = aws_organizations_policy.read_only_ram.id
  target_id = aws_organizations_organizational_unit.workloads.id
}
