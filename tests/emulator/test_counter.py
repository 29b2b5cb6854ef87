# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request counting: every protocol family is attributed to the AWS operation name."""

from __future__ import annotations

import io
import json
import threading
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config

from awsemu.counter import RequestCounter
from awsemu.server import Emulator

ClientFactory = Callable[..., Any]
SIGV4 = "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"


@pytest.fixture(name="emulator")
def fresh_counts(aws_emulator: Emulator) -> Emulator:
    """The session emulator with zeroed counts, so each test sees only its own calls."""
    aws_emulator.reset_counts()
    return aws_emulator


def _bucket() -> str:
    return f"counter-{uuid.uuid4().hex[:12]}"


def test_json_protocol_uses_x_amz_target(emulator: Emulator, aws_client: ClientFactory) -> None:
    """JSON services name the operation in ``X-Amz-Target: Service.Operation``."""
    aws_client("kms").create_key()
    aws_client("kms").list_keys()
    aws_client("logs").describe_log_groups()
    assert emulator.counts() == {"kms": {"CreateKey": 1, "ListKeys": 1}, "logs": {"DescribeLogGroups": 1}}
    assert emulator.total() == 3


def test_query_protocol_uses_action_from_form_body(emulator: Emulator, aws_client: ClientFactory) -> None:
    """Query/EC2 services POST ``Action=...`` form-encoded; the signing scope gives the service."""
    aws_client("iam").list_users()
    aws_client("sts").get_caller_identity()
    aws_client("ec2").describe_vpcs()
    assert emulator.counts() == {"ec2": {"DescribeVpcs": 1}, "iam": {"ListUsers": 1}, "sts": {"GetCallerIdentity": 1}}


def test_form_body_reaches_moto_intact(emulator: Emulator, aws_client: ClientFactory) -> None:
    """The counter reads the form body; moto must still get every byte (here: a policy with &, = and non-ASCII)."""
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a&b=c/é*" * 50}]}
    iam = aws_client("iam")
    arn = iam.create_policy(PolicyName=f"intact-{uuid.uuid4().hex[:8]}", PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    assert iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"] == document
    assert emulator.counts()["iam"] == {"CreatePolicy": 1, "GetPolicy": 1, "GetPolicyVersion": 1}


def test_s3_rest_operations_resolved_from_botocore_model(emulator: Emulator, aws_client: ClientFactory) -> None:
    """S3 speaks REST-XML: method + path + query keys (+ required headers) identify the operation."""
    s3 = aws_client("s3")
    bucket = _bucket()
    s3.create_bucket(Bucket=bucket)
    s3.head_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.get_bucket_encryption(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="dir/a b.txt", Body=b"hello")
    s3.copy_object(Bucket=bucket, Key="copy.txt", CopySource={"Bucket": bucket, "Key": "dir/a b.txt"})
    s3.get_object(Bucket=bucket, Key="copy.txt")["Body"].read()
    s3.list_objects_v2(Bucket=bucket)
    s3.list_objects(Bucket=bucket)
    s3.list_buckets()
    assert emulator.counts() == {
        "s3": {
            "CopyObject": 1,
            "CreateBucket": 1,
            "GetBucketEncryption": 1,
            "GetObject": 1,
            "HeadBucket": 1,
            "ListBuckets": 1,
            "ListObjects": 1,
            "ListObjectsV2": 1,
            "PutBucketEncryption": 1,
            "PutBucketVersioning": 1,
            "PutObject": 1,
        }
    }


def test_s3_multipart_upload_is_told_apart_from_put_object(emulator: Emulator, aws_client: ClientFactory) -> None:
    """UploadPart shares ``PUT /{Bucket}/{Key+}`` with PutObject; its required query members decide."""
    s3 = aws_client("s3")
    bucket = _bucket()
    s3.create_bucket(Bucket=bucket)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="big", UploadId=upload_id, PartNumber=1, Body=b"x" * 1024)["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="big", UploadId=upload_id, MultipartUpload={"Parts": [{"ETag": etag, "PartNumber": 1}]})
    assert emulator.counts()["s3"] == {"CompleteMultipartUpload": 1, "CreateBucket": 1, "CreateMultipartUpload": 1, "UploadPart": 1}


def test_presigned_url_counts_by_its_credential_parameter(emulator: Emulator, aws_client: ClientFactory) -> None:
    """A SigV4 presigned URL has no Authorization header; the scope is in ``X-Amz-Credential``."""
    s3 = aws_client("s3", config=Config(signature_version="s3v4"))
    bucket = _bucket()
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    with urllib.request.urlopen(s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}), timeout=10) as response:
        assert response.read() == b"v"
    assert emulator.counts()["s3"]["GetObject"] == 1


def test_rest_json_services(emulator: Emulator, aws_client: ClientFactory) -> None:
    """REST-JSON too, including EFS whose signing name (elasticfilesystem) is not its model name."""
    aws_client("lambda").list_functions()
    aws_client("efs").describe_file_systems()
    assert emulator.counts() == {"elasticfilesystem": {"DescribeFileSystems": 1}, "lambda": {"ListFunctions": 1}}


def test_unknown_requests_are_counted_by_path_shape(emulator: Emulator) -> None:
    """Unsigned, unresolvable requests are still counted, grouped by method and first path segment."""
    for path in ("/nothing/here", "/nothing/else/either"):
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(emulator.endpoint + path, timeout=10).close()  # pylint: disable=consider-using-with
    assert emulator.counts() == {"unknown": {"GET /nothing/...": 2}}


def test_control_paths_are_not_counted(emulator: Emulator) -> None:
    """The emulator's own API and moto's /moto-api are not AWS calls."""
    for path in ("/_awsemu/health", "/_awsemu/requests", "/moto-api/config"):
        with urllib.request.urlopen(emulator.endpoint + path, timeout=10) as response:
            assert response.status < 300
    assert emulator.total() == 0


def test_reset_counts(emulator: Emulator, aws_client: ClientFactory) -> None:
    """Counts can be zeroed in-process and over HTTP, and the HTTP view matches counts()."""
    aws_client("sts").get_caller_identity()
    with urllib.request.urlopen(emulator.endpoint + "/_awsemu/requests", timeout=10) as response:
        assert json.load(response) == {"total": 1, "by_service": {"sts": {"GetCallerIdentity": 1}}}
    emulator.reset_counts()
    assert (emulator.total(), emulator.counts()) == (0, {})
    aws_client("sts").get_caller_identity()
    request = urllib.request.Request(emulator.endpoint + "/_awsemu/requests/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response)["status"] == "ok"
    assert emulator.total() == 0


def test_counting_is_thread_safe(emulator: Emulator, aws_client: ClientFactory) -> None:
    """Concurrent clients (ansible forks, xdist threads) must not lose increments."""
    clients = [aws_client("sts") for _index in range(8)]

    def call_many(client: Any) -> None:
        for _call in range(25):
            client.get_caller_identity()

    threads = [threading.Thread(target=call_many, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert emulator.counts() == {"sts": {"GetCallerIdentity": 200}}


def _classify(**environ: Any) -> tuple[str, str]:
    counter = RequestCounter(lambda env, start: [b""])
    base = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": "", "wsgi.input": io.BytesIO(b"")}
    return counter.classify(base | environ)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"QUERY_STRING": "Action=DescribeRegions&Version=2016-11-15", "HTTP_AUTHORIZATION": SIGV4.format(service="ec2")}, ("ec2", "DescribeRegions")),
        ({"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": "secretsmanager.GetSecretValue", "HTTP_AUTHORIZATION": SIGV4.format(service="secretsmanager")},
         ("secretsmanager", "GetSecretValue")),
        ({"PATH_INFO": "/bucket", "QUERY_STRING": "encryption", "HTTP_AUTHORIZATION": SIGV4.format(service="s3")}, ("s3", "GetBucketEncryption")),
        ({"PATH_INFO": "/bucket", "QUERY_STRING": "lifecycle", "HTTP_AUTHORIZATION": SIGV4.format(service="s3")}, ("s3", "GetBucketLifecycleConfiguration")),
        ({"REQUEST_METHOD": "PUT", "PATH_INFO": "/bucket", "QUERY_STRING": "versioning", "HTTP_AUTHORIZATION": SIGV4.format(service="s3")},
         ("s3", "PutBucketVersioning")),
        ({"PATH_INFO": "/bucket", "QUERY_STRING": "list-type=2&prefix=", "HTTP_AUTHORIZATION": SIGV4.format(service="s3")}, ("s3", "ListObjectsV2")),
        ({"REQUEST_METHOD": "HEAD", "PATH_INFO": "/bucket", "HTTP_AUTHORIZATION": SIGV4.format(service="s3")}, ("s3", "HeadBucket")),
        ({"REQUEST_METHOD": "DELETE", "PATH_INFO": "/x/y", "HTTP_AUTHORIZATION": SIGV4.format(service="nosuchservice")}, ("nosuchservice", "DELETE /x/...")),
        ({"PATH_INFO": "/"}, ("unknown", "GET /")),
    ],
)
def test_classify(environ: dict[str, Any], expected: tuple[str, str]) -> None:
    """Classification rules on synthetic requests, incl. GET query strings and deprecated-twin tie breaks."""
    assert _classify(**environ) == expected
