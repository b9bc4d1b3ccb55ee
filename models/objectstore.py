"""Where fetched documents are kept: a local directory or an S3-compatible object store.

Both are content-addressed by SHA-256 under the same layout (`ab/cd/abcd…`) and offer the same
four methods (`Blobs`), so the store, the crawl and the parse workers never ask which one they
have. `open_blobs(location, endpoint_url)` picks by the location: `s3://bucket/prefix` is an
object store (AWS, or any S3-compatible one at `endpoint_url`: MinIO, Ceph, moto in the tests),
anything else a directory (`models.store.BlobStore`, the single-machine default).

Credentials for S3 come from boto3's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
~/.aws, an instance role), never from project settings: they are secrets, not configuration.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from models.store import BlobStore

OBJECT_STORE_SCHEMES = ("s3",)


class Blobs(Protocol):
    """A content-addressed blob store: bytes in, their SHA-256 out, and back."""

    def put(self, data: bytes, *, durable: bool = True) -> str:
        """Store bytes under their SHA-256 (atomic, idempotent); return the hex digest. With
        `durable=False` the caller will `sync` before committing a reference to it."""

    def sync(self, digests: Iterable[str]) -> None:
        """Make blobs put with `durable=False` durable."""

    def clean_temporary(self) -> list[Path]:
        """Remove what writes cut short left behind; what was removed."""

    def names(self) -> Iterator[str]:
        """The SHA-256 of every blob in the store."""

    def verify(self, sha256: str) -> Exception | None:
        """None when the blob is intact, else why not; MissingBlobError when there is none."""

    def get(self, sha256: str) -> bytes:
        """The bytes stored under `sha256`; raises `models.store.MissingBlobError`."""

    def has(self, sha256: str) -> bool: ...

    def location(self, sha256: str) -> str:
        """Where the blob lives (a file path or an `s3://` URL): what a parse job carries."""


def is_object_store(location: str | Path) -> bool:
    return isinstance(location, str) and urlsplit(location).scheme in OBJECT_STORE_SCHEMES


def blob_key(sha256: str) -> str:
    """`ab/cd/abcd…`: the layout of both stores (a few hundred entries per directory level)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a lowercase hex SHA-256: {sha256!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def open_blobs(location: str | Path, endpoint_url: str | None = None) -> Blobs | BlobStore:
    """The blob store at `location` (OGI_BLOB_DIR): a directory, or `s3://bucket/prefix`."""
    if is_object_store(location):
        return S3BlobStore(str(location), endpoint_url=endpoint_url)
    from models.store import BlobStore  # noqa: PLC0415  (models.store imports this module)

    return BlobStore(Path(location))


def read_blob(location: str, endpoint_url: str | None = None) -> bytes:
    """The bytes at a `Blobs.location` (a path or an `s3://bucket/key` URL), in any process."""
    if not is_object_store(location):
        return Path(location).read_bytes()
    parts = urlsplit(location)
    key = parts.path.lstrip("/")
    return S3BlobStore.read_key(parts.netloc, key, endpoint_url, expected=key.rpartition("/")[2])


def _s3_store(uri: str) -> tuple[str, str]:
    parts = urlsplit(uri)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"not an s3://bucket/prefix URL: {uri!r}")
    return parts.netloc, parts.path.strip("/")


_CLIENTS: dict[str | None, Any] = {}
_CLIENTS_LOCK = threading.Lock()


def s3_client(endpoint_url: str | None) -> Any:
    """One boto3 S3 client per endpoint and process (clients are thread-safe, sessions not)."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(endpoint_url)
        if client is None:
            try:
                import boto3  # noqa: PLC0415  (the cluster extra; a local store never needs it)
                from botocore.config import Config  # noqa: PLC0415
            except ImportError as exc:
                raise RuntimeError(
                    "an s3:// OGI_BLOB_DIR needs boto3: pip install 'ogi-reports[cluster]'"
                ) from exc
            # Path-style addressing: self-hosted stores rarely have a DNS name per bucket.
            config = Config(s3={"addressing_style": "path"}, retries={"mode": "standard"})
            client = boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=config)
            _CLIENTS[endpoint_url] = client
        return client


class S3BlobStore:
    """Blobs as objects `<prefix>/ab/cd/<sha256>` in one bucket of an S3-compatible store.

    A PUT is atomic in S3 (a reader sees the whole object or none), and the store checks the
    SHA-256 we send (`ChecksumSHA256`), so a corrupted upload is refused, never kept. An object
    already there is not sent again: content addressing makes the PUT idempotent anyway, the
    HEAD saves the upload.
    """

    def __init__(self, uri: str, *, endpoint_url: str | None = None) -> None:
        self.bucket, self.prefix = _s3_store(uri)
        self.uri = uri
        self.endpoint_url = endpoint_url

    @property
    def client(self) -> Any:
        return s3_client(self.endpoint_url)

    def key(self, sha256: str) -> str:
        key = blob_key(sha256)
        return f"{self.prefix}/{key}" if self.prefix else key

    def location(self, sha256: str) -> str:
        return f"s3://{self.bucket}/{self.key(sha256)}"

    def put(self, data: bytes, *, durable: bool = True) -> str:
        # `durable` is moot: an object store's PUT is durable once it is answered.
        digest = hashlib.sha256(data).digest()
        sha256 = digest.hex()
        if self.has(sha256):
            return sha256
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.key(sha256),
            Body=data,
            ChecksumSHA256=base64.b64encode(digest).decode("ascii"),
        )
        return sha256

    def get(self, sha256: str) -> bytes:
        return self.read_key(self.bucket, self.key(sha256), self.endpoint_url, expected=sha256)

    def sync(self, digests: Iterable[str]) -> None:
        """Nothing to do: every PUT was durable when it returned."""

    def clean_temporary(self) -> list[Path]:
        """Nothing to clean: a PUT cut short leaves no object (S3 PUTs are atomic)."""
        return []

    def names(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}/" if self.prefix else ""
        )
        for page in pages:
            for entry in page.get("Contents", ()):
                name = str(entry["Key"]).rpartition("/")[2]
                if len(name) == 64:
                    yield name

    def verify(self, sha256: str) -> Exception | None:
        from models.store import MissingBlobError, StoreError  # noqa: PLC0415

        try:
            self.get(sha256)
        except MissingBlobError:
            raise
        except StoreError as exc:  # the bytes do not match the name
            return exc
        return None

    def has(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError  # noqa: PLC0415

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if _not_found(exc):
                return False
            raise
        return True

    @staticmethod
    def read_key(bucket: str, key: str, endpoint_url: str | None, *, expected: str) -> bytes:
        from botocore.exceptions import ClientError  # noqa: PLC0415

        from models.store import MissingBlobError, StoreError  # noqa: PLC0415

        try:
            answer = s3_client(endpoint_url).get_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if _not_found(exc):
                raise MissingBlobError(f"blob {expected} is not in s3://{bucket}") from None
            raise
        data: bytes = answer["Body"].read()
        if hashlib.sha256(data).hexdigest() != expected:
            raise StoreError(f"s3://{bucket}/{key}: the object's bytes do not match its name")
        return data


def _not_found(exc: Any) -> bool:
    error = exc.response.get("Error", {})
    return str(error.get("Code")) in ("404", "NoSuchKey", "NotFound")
