"""The file store: S3 (the bucket of infra/resources.json, `FilesBucket`), and its fake.

Uploads are presigned POSTs whose policy binds the key, the `Content-Type` and the size
(`content-length-range`): S3 refuses any other post. Downloads are presigned GETs answered as
attachments. The bucket encrypts at rest, keeps versions, blocks public access and refuses
plain HTTP (its template); objects under `uploads/` that nobody recorded expire after a day.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import quote

from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.adapters import aws
from chalicelib.ports.files import FileTooLarge, UploadForm

MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
# Presigned forms and links signed with SigV4 (botocore may pick SigV2 for a POST policy).
S3_CONFIG = aws.CLIENT_CONFIG.merge(Config(signature_version="s3v4"))


def attachment(filename: str) -> str:
    """A Content-Disposition naming `filename` (RFC 6266; any letter, Vietnamese included)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def upload_fields(content_type: str, redirect: str | None) -> dict[str, str]:
    """The fields a presigned POST sends besides the key and the signature."""
    fields = {"Content-Type": content_type}
    if redirect is not None:
        fields["success_action_redirect"] = redirect
    return fields


def upload_conditions(
    key: str, content_type: str, max_bytes: int, redirect: str | None = None
) -> list[Any]:
    """What a presigned POST allows: this key, this type, 1 to `max_bytes` bytes (and, for a
    page's form, the way back: S3 refuses a field the policy does not name)."""
    exact: list[Any] = [
        {name: value} for name, value in upload_fields(content_type, redirect).items()
    ]
    return [{"key": key}, *exact, ["content-length-range", 1, max_bytes]]


class S3FileStore:
    """IAM (`.chalice/policy-api-handler.json`): put, get and delete under `uploads/`, put and
    get under `files/`, `forms/` and `forms-pin/`, and ListBucket, without which S3 answers 403
    for a missing key."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @cached_property
    def _s3(self) -> Any:
        return aws.new_client("s3", S3_CONFIG)

    def upload_form(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int,
        redirect: str | None = None,
    ) -> UploadForm:  # fmt: skip
        posted = self._s3.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields=upload_fields(content_type, redirect),
            Conditions=upload_conditions(key, content_type, max_bytes, redirect)[1:],
            ExpiresIn=expires_in,
        )
        return UploadForm(url=posted["url"], fields=dict(posted["fields"]), expires_in=expires_in)

    def read(self, key: str, *, max_bytes: int) -> bytes | None:
        s3 = self._s3
        try:
            head = s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _code(error) in MISSING:
                return None
            raise
        if head["ContentLength"] > max_bytes:
            raise FileTooLarge(f"{key}: {head['ContentLength']} bytes > {max_bytes}")
        body = s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        data: bytes = body.read(max_bytes + 1)  # never more, whatever changed since the HEAD
        body.close()
        if len(data) > max_bytes:
            raise FileTooLarge(f"{key}: more than {max_bytes} bytes")
        return data

    def copy(self, source: str, target: str) -> None:
        self._s3.copy_object(
            Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source}
        )

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def delete(self, key: str) -> None:
        self._s3.delete_object(Bucket=self.bucket, Key=key)

    def exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _code(error) in MISSING:
                return False
            raise
        return True

    def download_url(self, key: str, *, expires_in: int, filename: str, content_type: str) -> str:
        url: str = self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": attachment(filename),
                "ResponseContentType": content_type,
            },
            ExpiresIn=expires_in,
        )
        return url

    def keys(self, prefix: str) -> list[str]:
        pages = self._s3.get_paginator("list_objects_v2")
        found = [
            item["Key"]
            for page in pages.paginate(Bucket=self.bucket, Prefix=prefix)
            for item in page.get("Contents", [])
        ]
        return sorted(found)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class MemoryFileStore:
    """The fake: objects in a dict. `receive` plays the browser's POST and enforces the form's
    policy as S3 does (key, type, size, expiry); `fetch` plays the GET of a download link."""

    URL = "memory://files/"

    def __init__(self, now: Any = None) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self._now = now or (lambda: datetime.now(UTC))

    def upload_form(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int,
        redirect: str | None = None,
    ) -> UploadForm:  # fmt: skip
        expiration = self._now() + timedelta(seconds=expires_in)
        policy = {
            "expiration": expiration.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "conditions": upload_conditions(key, content_type, max_bytes, redirect),
        }
        encoded = base64.b64encode(json.dumps(policy).encode()).decode()
        fields = {"key": key, **upload_fields(content_type, redirect), "policy": encoded}
        return UploadForm(url=self.URL, fields=fields, expires_in=expires_in)

    def receive(self, form: UploadForm, content: bytes) -> int:
        """A POST of `content` with `form`: 204, or 403 / 400 as S3 answers a breach."""
        policy = json.loads(base64.b64decode(form.fields["policy"]))
        expiration = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ")
        if self._now() > expiration.replace(tzinfo=UTC):
            return 403
        key, content_type = form.fields["key"], form.fields["Content-Type"]
        for condition in policy["conditions"]:
            if isinstance(condition, list):
                _, low, high = condition
                if not low <= len(content) <= high:
                    return 400
            elif any(form.fields.get(name) != value for name, value in condition.items()):
                return 403
        self.objects[key] = (content, content_type)
        return 204

    def read(self, key: str, *, max_bytes: int) -> bytes | None:
        found = self.objects.get(key)
        if found is None:
            return None
        if len(found[0]) > max_bytes:
            raise FileTooLarge(f"{key}: {len(found[0])} bytes > {max_bytes}")
        return found[0]

    def copy(self, source: str, target: str) -> None:
        self.objects[target] = self.objects[source]

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        self.objects[key] = (data, content_type)

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def exists(self, key: str) -> bool:
        return key in self.objects

    def download_url(self, key: str, *, expires_in: int, filename: str, content_type: str) -> str:
        expires = int(self._now().timestamp()) + expires_in
        return f"{self.URL}{quote(key)}?expires={expires}&filename={quote(filename)}"

    def fetch(self, url: str) -> bytes | None:
        """What GET `url` answers: the bytes, or None once expired or gone."""
        from urllib.parse import parse_qs, unquote, urlsplit

        parts = urlsplit(url)
        expires = int(parse_qs(parts.query)["expires"][0])
        if self._now().timestamp() > expires:
            return None
        found = self.objects.get(unquote(url[len(self.URL) :].split("?", 1)[0]))
        return found[0] if found else None

    def keys(self, prefix: str) -> list[str]:
        return sorted(key for key in self.objects if key.startswith(prefix))
