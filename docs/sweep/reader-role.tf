# ecr-pathcheck: the read-only role a sweep assumes in each account (`--role-name
# ecr-pathcheck-reader`). Apply it in every account, e.g. with one provider alias per account, or
# deploy docs/sweep/reader-role.cfn.json as a service-managed StackSet (aws_cloudformation_stack_set
# below) to reach every account of the organization, present and future.

variable "sweeper_account_id" {
  description = "The account the sweep runs from."
  type        = string
}

variable "sweeper_role_name" {
  description = "The role (in sweeper_account_id) that runs the sweep; only it may assume the reader."
  type        = string
}

data "aws_partition" "current" {}

# One account: the role itself. The actions are those of docs/iam-policy.json, less the two only
# the sweeping account calls (organizations:ListAccounts, sts:GetCallerIdentity).
resource "aws_iam_role" "ecr_pathcheck_reader" {
  name                 = "ecr-pathcheck-reader"
  description          = "Read-only access for ecr-pathcheck sweeps"
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${var.sweeper_account_id}:root" }
      Action    = "sts:AssumeRole"
      Condition = {
        ArnEquals = {
          "aws:PrincipalArn" = "arn:${data.aws_partition.current.partition}:iam::${var.sweeper_account_id}:role/${var.sweeper_role_name}"
        }
      }
    }]
  })
}

resource "aws_iam_role_policy" "ecr_pathcheck_reader" {
  name = "ecr-pathcheck-read-only"
  role = aws_iam_role.ecr_pathcheck_reader.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "EcrPathcheckReadOnly"
      Effect   = "Allow"
      Resource = "*"
      Action = [
        for action in jsondecode(file("${path.module}/../iam-policy.json")).Statement[0].Action : action
        if !contains(["organizations:ListAccounts", "sts:GetCallerIdentity"], action)
      ]
    }]
  })
}

# The whole organization: the CloudFormation template as a service-managed StackSet, deployed
# from the management account (or a delegated administrator) to every account of the root.
variable "organization_root_id" {
  description = "The organization's root (r-xxxx), from `aws organizations list-roots`."
  type        = string
  default     = ""
}

resource "aws_cloudformation_stack_set" "ecr_pathcheck_reader" {
  count            = var.organization_root_id == "" ? 0 : 1
  name             = "ecr-pathcheck-reader"
  permission_model = "SERVICE_MANAGED"
  capabilities     = ["CAPABILITY_NAMED_IAM"]
  template_body    = file("${path.module}/reader-role.cfn.json")
  parameters = {
    SweeperAccountId = var.sweeper_account_id
    SweeperRoleName  = var.sweeper_role_name
  }
  auto_deployment {
    enabled                          = true
    retain_stacks_on_account_removal = false
  }
}

resource "aws_cloudformation_stack_set_instance" "ecr_pathcheck_reader" {
  count          = var.organization_root_id == "" ? 0 : 1
  stack_set_name = aws_cloudformation_stack_set.ecr_pathcheck_reader[0].name
  # IAM is global: one region is enough.
  region = "us-east-1"
  deployment_targets {
    organizational_unit_ids = [var.organization_root_id]
  }
}
