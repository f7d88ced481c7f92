data "aws_prefix_list" "s3" {
  name = "com.amazonaws.us-east-1.s3"
}

module "app" {
  source            = "./modules/app"
  vpc_id            = "vpc-0a1"
  endpoints_sg_id   = "sg-endpoints"
  s3_prefix_list_id = data.aws_prefix_list.s3.id
}
