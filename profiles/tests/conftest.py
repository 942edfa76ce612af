"""Fixtures for tests that need a real S3 API server (moto's, on 127.0.0.1)."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from profiles.tests.processes import free_port, stop, wait_for_port
from profiles.tests.s3 import S3Server, use_s3_documents


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's standalone S3 server, started once for the tests that ask for it."""
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, process)
        yield S3Server(endpoint=f"http://127.0.0.1:{port}", port=port)
    finally:
        stop(process)
        log.close()


@pytest.fixture
def s3_documents(settings, document_storage, s3_server) -> str:
    """Documents go to the portal's S3 storage, in a fresh bucket; its name.

    Links are signed for http://localhost:PORT while the portal talks to
    127.0.0.1, as in compose, where browsers and the portal see S3 differently.
    """
    bucket = f"documents-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=bucket)
    use_s3_documents(
        settings,
        s3_server.endpoint,
        bucket,
        public_endpoint_url=f"http://localhost:{s3_server.port}",
    )
    return bucket
