data "aws_prefix_list" "s3" {
  name = "com.amazonaws.us-east-1.s3"
}

module "network" {
  source = "./modules/network"
  zones  = ["us-east-1a", "us-east-1b"]
}

module "app" {
  source            = "./modules/app"
  vpc_id            = module.network.vpc_id
  subnet_ids        = module.network.subnet_ids
  s3_prefix_list_id = data.aws_prefix_list.s3.id
}
