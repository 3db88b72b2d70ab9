# Sharing inside an organization: the organization, RAM's organization sharing, an OU, and a subnet (an
# organization-only type) shared with the OU.
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

# The organization lists RAM's trusted access, which aws_ram_sharing_with_organization turns on (as on AWS,
# leaving it out makes the next plan want to remove it).
resource "aws_organizations_organization" "org" {
  feature_set                   = "ALL"
  aws_service_access_principals = ["ram.amazonaws.com"]
}

resource "aws_ram_sharing_with_organization" "this" {
  depends_on = [aws_organizations_organization.org]
}

resource "aws_organizations_organizational_unit" "dev" {
  name      = "dev"
  parent_id = aws_organizations_organization.org.roots[0].id
}

resource "aws_ram_resource_share" "subnets" {
  name                      = "subnets"
  allow_external_principals = false
}

resource "aws_ram_resource_association" "subnet" {
  resource_arn       = "arn:aws:ec2:us-east-1:111111111111:subnet/subnet-0123456789abcdef0"
  resource_share_arn = aws_ram_resource_share.subnets.arn
}

resource "aws_ram_principal_association" "ou" {
  principal          = aws_organizations_organizational_unit.dev.arn
  resource_share_arn = aws_ram_resource_share.subnets.arn
  depends_on         = [aws_ram_sharing_with_organization.this]
}
