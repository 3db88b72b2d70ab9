# IAM users and access keys against ramd: Terraform's aws_iam_user (GetUser to read it back,
# ListGroupsForUser before deleting it) and aws_iam_access_key (ListAccessKeys to read it back).
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

resource "aws_iam_user" "builder" {
  name = "builder"
  path = "/ci/"
  tags = { team = "net" }
}

resource "aws_iam_access_key" "builder" {
  user = aws_iam_user.builder.name
}

output "builder_arn" { value = aws_iam_user.builder.arn }
output "builder_key" { value = aws_iam_access_key.builder.id }
