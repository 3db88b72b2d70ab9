# The Terraform flows of spec/clients.md against ramd: a share, a resource and a principal
# association from account 111111111111, and the receiver (222222222222) accepting the invitation.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "endpoint" { type = string }


provider "aws" {
  alias                   = "owner"
  region                  = "us-east-1"
  access_key              = "111111111111"
  secret_key              = "x"
  skip_metadata_api_check = true
  skip_region_validation  = true
  endpoints {
    ram = var.endpoint
    sts = var.endpoint
  }
}

provider "aws" {
  alias                   = "receiver"
  region                  = "us-east-1"
  access_key              = "222222222222"
  secret_key              = "x"
  skip_metadata_api_check = true
  skip_region_validation  = true
  endpoints {
    ram = var.endpoint
    sts = var.endpoint
  }
}

data "aws_caller_identity" "owner" {
  provider = aws.owner
}

resource "aws_ram_resource_share" "tgw" {
  provider                  = aws.owner
  name                      = "tgw-share"
  allow_external_principals = true
  tags = {
    team = "network"
  }
}

resource "aws_ram_resource_association" "tgw" {
  provider           = aws.owner
  resource_arn       = "arn:aws:ec2:us-east-1:${data.aws_caller_identity.owner.account_id}:transit-gateway/tgw-0123456789abcdef0"
  resource_share_arn = aws_ram_resource_share.tgw.arn
}

resource "aws_ram_principal_association" "receiver" {
  provider           = aws.owner
  principal          = "222222222222"
  resource_share_arn = aws_ram_resource_share.tgw.arn
}

resource "aws_ram_resource_share_accepter" "receiver" {
  provider  = aws.receiver
  share_arn = aws_ram_principal_association.receiver.resource_share_arn
}

data "aws_ram_resource_share" "by_name" {
  provider       = aws.owner
  name           = aws_ram_resource_share.tgw.name
  resource_owner = "SELF"
  depends_on     = [aws_ram_resource_association.tgw]
}

output "share_arn" { value = aws_ram_resource_share.tgw.arn }
output "accepter_status" { value = aws_ram_resource_share_accepter.receiver.status }
output "lookup_resources" { value = data.aws_ram_resource_share.by_name.resource_arns }
