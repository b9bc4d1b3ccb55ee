"""The cluster's parts, started by the project's scripts on 127.0.0.1: PostgreSQL
(scripts/pg-test-server), an S3 endpoint (scripts/s3-test-server: moto) and two Scrapyd nodes
(scripts/scrapyd-nodes). Each test gets its own PostgreSQL schema and its own bucket.

When a part cannot start, its tests are skipped with the reason, or fail under
OGI_REQUIRE_POSTGRES=1 (scripts/test sets it: CI has every part).
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import PROJECT_DIR
from tests.models.conftest import postgres_schema_url, postgres_url

__all__ = ["postgres_schema_url", "postgres_url"]

# moto accepts any credentials; boto3 insists on having some (and on a region).
TEST_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def start_script(name: str, *args: str) -> list[str]:
    """Run scripts/<name> start …; its stdout lines (URLs), or skip/fail with the reason."""
    env = {**os.environ, **TEST_AWS_ENV}
    try:
        started = subprocess.run(
            [str(PROJECT_DIR / "scripts" / name), "start", *args],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
            env=env,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        stderr = getattr(exc, "stderr", "") or ""
        reason = f"scripts/{name} could not start ({exc}; {stderr.strip()[-2000:]})"
        if os.environ.get("OGI_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return started.stdout.split()


@pytest.fixture(scope="session")
def aws_env() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in TEST_AWS_ENV}
    os.environ.update(TEST_AWS_ENV)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def s3_endpoint(aws_env: None) -> str:
    [url] = start_script("s3-test-server")
    return url


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    """A fresh bucket on the test endpoint: its s3:// URL with a prefix."""
    from models.objectstore import s3_client

    name = f"ogi-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    return f"s3://{name}/blobs"


@pytest.fixture(scope="session")
def scrapyd_nodes(aws_env: None) -> Iterator[list[str]]:
    """Two Scrapyd nodes (their URLs); a test that kills one starts it again. Stopped at the
    end: a node runs the code of the checkout that started it."""
    yield start_script("scrapyd-nodes", "2")
    subprocess.run(
        [str(PROJECT_DIR / "scripts" / "scrapyd-nodes"), "stop", "2"], check=False, timeout=60
    )


def restart_nodes() -> list[str]:
    return start_script("scrapyd-nodes", "2")
