variable "vpc_id" {}
variable "endpoints_sg_id" {}
variable "s3_prefix_list_id" {}

resource "aws_security_group" "tasks" {
  name   = "web-tasks"
  vpc_id = var.vpc_id
  tags   = { team = "web", env = "prod" }
}

resource "aws_vpc_security_group_egress_rule" "endpoints" {
  security_group_id            = aws_security_group.tasks.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = var.endpoints_sg_id
}
# aws_vpc_security_group_egress_rule.s3 was removed from this module: the plan deletes it.
