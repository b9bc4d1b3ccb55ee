"""The S3-compatible blob store (models.objectstore) against moto in server mode."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from models.objectstore import S3BlobStore, open_blobs, read_blob, s3_client
from models.store import BlobStore, MissingBlobError, ReportStore, StoreError

pytestmark = pytest.mark.xdist_group("cluster")


def test_put_get_has_and_layout(bucket: str, s3_endpoint: str) -> None:
    blobs = open_blobs(bucket, s3_endpoint)
    assert isinstance(blobs, S3BlobStore)
    data = "盐池县 2022 年报".encode()
    sha = blobs.put(data)

    assert sha == hashlib.sha256(data).hexdigest()
    assert blobs.has(sha)
    assert blobs.get(sha) == data
    assert blobs.location(sha) == f"{bucket}/{sha[:2]}/{sha[2:4]}/{sha}"
    assert read_blob(blobs.location(sha), s3_endpoint) == data
    assert blobs.put(data) == sha  # idempotent
    listed = s3_client(s3_endpoint).list_objects_v2(Bucket=blobs.bucket)["Contents"]
    assert [o["Key"] for o in listed] == [f"blobs/{sha[:2]}/{sha[2:4]}/{sha}"]


def test_missing_and_corrupted_objects(bucket: str, s3_endpoint: str) -> None:
    blobs = open_blobs(bucket, s3_endpoint)
    assert isinstance(blobs, S3BlobStore)
    absent = "0" * 64
    assert not blobs.has(absent)
    with pytest.raises(MissingBlobError):
        blobs.get(absent)
    # An object whose bytes are not what its name says is refused, never returned.
    sha = hashlib.sha256(b"original").hexdigest()
    s3_client(s3_endpoint).put_object(Bucket=blobs.bucket, Key=blobs.key(sha), Body=b"changed")
    with pytest.raises(StoreError, match="do not match"):
        blobs.get(sha)


def test_local_directory_stays_the_default(tmp_path: Path) -> None:
    blobs = open_blobs(tmp_path / "blobs")
    assert isinstance(blobs, BlobStore)
    sha = blobs.put(b"x")
    assert read_blob(blobs.location(sha)) == b"x"


def test_report_store_from_settings_uses_the_object_store(
    bucket: str, s3_endpoint: str, tmp_path: Path
) -> None:
    settings = {
        "OGI_DATABASE_URL": f"sqlite:///{tmp_path / 'ogi.sqlite3'}",
        "OGI_BLOB_DIR": bucket,
        "OGI_S3_ENDPOINT_URL": s3_endpoint,
    }
    with ReportStore.from_settings(settings) as store:
        sha = store.put_blob(b"%PDF-1.7 ...")
        assert store.get_blob(sha) == b"%PDF-1.7 ..."
        assert store.blob_location(sha).startswith(bucket)
        assert store.blob_dir is None
    assert not (tmp_path / "blobs").exists()
