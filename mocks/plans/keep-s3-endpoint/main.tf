resource "aws_vpc_endpoint" "s3" {
  vpc_id            = "vpc-0a1"
  service_name      = "com.amazonaws.us-east-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = ["rtb-private"]
  tags              = { team = "platform" }
}
