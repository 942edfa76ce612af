"""The S3 storage for documents: private objects, short-lived signed downloads."""

from __future__ import annotations

from django.utils.functional import cached_property
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class DocumentS3Storage(S3Storage):
    """django-storages' S3Storage that can sign links for a public address.

    In docker compose the portal reaches MinIO as http://minio:9000, a name no
    browser resolves. A v4 signature covers the host, so a link cannot be
    rewritten afterwards: it is signed for `public_endpoint_url` instead.
    """

    def get_default_settings(self):
        return {**super().get_default_settings(), "public_endpoint_url": None}

    def url(self, name, parameters=None, expire=None, http_method=None):
        """A presigned GET link, for the public endpoint when one is set."""
        if not self.public_endpoint_url:
            return super().url(name, parameters, expire, http_method)
        params = {
            **(parameters or {}),
            "Bucket": self.bucket_name,
            "Key": self._normalize_name(clean_name(name)),
        }
        return self.public_client.generate_presigned_url(
            "get_object",
            Params=params,
            ExpiresIn=self.querystring_expire if expire is None else expire,
            HttpMethod=http_method,
        )

    @cached_property
    def public_client(self):
        """A client used only to sign links; it never sends a request."""
        return self._create_session().client(
            "s3",
            region_name=self.region_name,
            use_ssl=self.use_ssl,
            endpoint_url=self.public_endpoint_url,
            config=self.client_config,
            verify=self.verify,
        )

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("public_client", None)
        return state
