"""The S3 API server the tests start (moto's), and the portal's storage on it."""

from __future__ import annotations

from dataclasses import dataclass

import boto3
from botocore.config import Config

S3_KEYS = {"access_key": "testing", "secret_key": "testing"}
S3_REGION = "us-east-1"


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    port: int

    def client(self):
        """A boto3 client of this server, to look behind the portal's back."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=S3_REGION,
            aws_access_key_id=S3_KEYS["access_key"],
            aws_secret_access_key=S3_KEYS["secret_key"],
            config=Config(signature_version="s3v4"),
        )


def use_s3_documents(settings, endpoint: str, bucket: str, **options) -> None:
    """Make STORAGES["documents"] the portal's S3 storage (settings' options)."""
    backend = settings.DOCUMENT_STORAGE_BACKENDS["s3"]
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            **backend,
            "OPTIONS": {
                **backend["OPTIONS"],
                "endpoint_url": endpoint,
                "bucket_name": bucket,
                "region_name": S3_REGION,
                **S3_KEYS,
                **options,
            },
        },
    }
