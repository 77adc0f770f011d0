"""The files service over S3 and DynamoDB (moto, the template's bucket and table): the same
scenarios as over the fakes (tests/unit/test_files_service.py), the bad corpus included."""

from __future__ import annotations

import boto3
import pytest
import requests

from chalicelib.adapters.file_records import DynamoFileRecords
from chalicelib.adapters.file_store import S3FileStore
from tests.unit.test_files_service import SCENARIOS, World, deps_over


@pytest.fixture
def moto_world(aws, calendar) -> World:
    bucket = aws["MOTCUA_FILES_BUCKET"]
    s3 = boto3.client("s3")

    def post(form, content):
        kind = form.fields["Content-Type"]
        return requests.post(
            form.url, data=form.fields, files={"file": ("f", content, kind)}
        ).status_code

    def fetch(url):
        answer = requests.get(url)
        return answer.content if answer.status_code == 200 else None

    def put_raw(key, content):
        s3.put_object(Bucket=bucket, Key=key, Body=content)

    deps = deps_over(calendar, S3FileStore(bucket), DynamoFileRecords(aws["MOTCUA_TABLE"]))
    return World(deps, post, put_raw, fetch)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_scenario_on_moto(moto_world, scenario):
    scenario(moto_world)


def test_the_bucket_is_made_as_the_template_says(aws):
    s3, bucket = boto3.client("s3"), aws["MOTCUA_FILES_BUCKET"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    uploads = [r for r in rules if r["Filter"].get("Prefix") == "uploads/"]
    assert uploads and uploads[0]["Expiration"]["Days"] == 1
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
