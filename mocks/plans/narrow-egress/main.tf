data "aws_prefix_list" "s3" {
  name = "com.amazonaws.us-east-1.s3"
}

resource "aws_security_group" "endpoints" {
  name   = "vpc-endpoints"
  vpc_id = "vpc-0a1"

  ingress {
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [aws_security_group.tasks.id]
  }
}

resource "aws_security_group" "tasks" {
  name   = "web-tasks"
  vpc_id = "vpc-0a1"

  # Narrowed: HTTPS to the endpoints only. The S3 prefix list rule is gone.
  egress {
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [aws_security_group.endpoints.id]
    description     = "HTTPS to the VPC endpoints"
  }
}
