"""An IAM user of moto allowed the archive's S3 calls: prints its access key as JSON.

usage: iam_user.py ENDPOINT REGION BUCKET
"""
import json
import sys

import boto3


def main() -> None:
    endpoint, region, bucket = sys.argv[1:4]
    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    iam.create_user(UserName="archivio")
    iam.put_user_policy(
        UserName="archivio",
        PolicyName="archivio",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
                        "Resource": f"arn:aws:s3:::{bucket}/*",
                    }
                ],
            }
        ),
    )
    key = iam.create_access_key(UserName="archivio")["AccessKey"]
    print(json.dumps({"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}))


if __name__ == "__main__":
    main()
