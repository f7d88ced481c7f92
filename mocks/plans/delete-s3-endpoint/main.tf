# aws_vpc_endpoint.s3 was removed from this file: the plan destroys the S3 gateway endpoint.
