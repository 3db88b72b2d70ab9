# Governance with IAM against ramd: the account's root (111111111111) makes an IAM user whose only
# policy (customer managed, attached) lets it share subnets in shares tagged team=net, and gives it
# an access key; beside it a role with an AWS managed policy attached and an inline policy. Each
# resource's read-back must match what was applied (the plan after apply is empty).
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "endpoint" { type = string }

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "111111111111"
  secret_key                  = "x"
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_requesting_account_id  = false
  endpoints {
    iam = var.endpoint
    ram = var.endpoint
    sts = var.endpoint
  }
}

# --- the root part: the user, its policy and key; a role

resource "aws_iam_user" "netops" {
  name = "netops"
  path = "/network/"
  tags = { team = "net" }
}

resource "aws_iam_policy" "subnet_sharing" {
  name        = "SubnetSharing"
  path        = "/network/"
  description = "Share only subnets, only in shares tagged team=net"
  tags        = { team = "net" }
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Terraform makes the share first and adds the subnet after: a share of no resources
        # has no ram:RequestedResourceType, hence IfExists.
        Sid      = "CreateNetShares"
        Effect   = "Allow"
        Action   = "ram:CreateResourceShare"
        Resource = "*"
        Condition = {
          StringEquals         = { "aws:RequestTag/team" = "net" }
          StringEqualsIfExists = { "ram:RequestedResourceType" = "ec2:Subnet" }
        }
      },
      {
        Sid      = "SubnetsInNetShares"
        Effect   = "Allow"
        Action   = ["ram:AssociateResourceShare", "ram:DisassociateResourceShare"]
        Resource = "*"
        Condition = {
          StringEquals = {
            "aws:ResourceTag/team"      = "net"
            "ram:RequestedResourceType" = "ec2:Subnet"
          }
        }
      },
      {
        Sid       = "ManageNetShares"
        Effect    = "Allow"
        Action    = ["ram:DeleteResourceShare", "ram:UpdateResourceShare", "ram:TagResource", "ram:UntagResource"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:ResourceTag/team" = "net" } }
      },
      {
        Sid      = "Read"
        Effect   = "Allow"
        Action   = ["ram:Get*", "ram:List*"]
        Resource = "*"
      },
    ]
  })
}

resource "aws_iam_user_policy_attachment" "netops" {
  user       = aws_iam_user.netops.name
  policy_arn = aws_iam_policy.subnet_sharing.arn
}

resource "aws_iam_access_key" "netops" {
  user = aws_iam_user.netops.name
}

resource "aws_iam_role" "deployer" {
  name = "deployer"
  path = "/ci/"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111111111111:root" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = { team = "net" }
}

resource "aws_iam_role_policy_attachment" "deployer_read" {
  role       = aws_iam_role.deployer.name
  policy_arn = "arn:aws:iam::aws:policy/AWSResourceAccessManagerReadOnlyAccess"
}

resource "aws_iam_role_policy" "deployer_share" {
  name = "share-subnets"
  role = aws_iam_role.deployer.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "ram:CreateResourceShare"
      Resource  = "*"
      Condition = { StringEquals = { "ram:RequestedResourceType" = "ec2:Subnet" } }
    }]
  })
}

# The user's own part (a second provider configured with access_key = aws_iam_access_key.netops.id
# making an aws_ram_resource_share tagged team=net and an aws_ram_resource_association of a subnet)
# cannot be in this configuration: the AWS provider is configured at plan time, when the key is not
# yet known, and fails ("No valid credential sources found"); run.sh makes one apply per directory.
# tests/e2e/test_authorization.py drives the user's calls instead.

output "netops_arn" { value = aws_iam_user.netops.arn }
output "netops_key" { value = aws_iam_access_key.netops.id }
output "policy_arn" { value = aws_iam_policy.subnet_sharing.arn }
output "role_arn" { value = aws_iam_role.deployer.arn }
