"""Production: the archive in S3-compatible storage, configured from the environment.

Credentials come from boto3's own chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...);
they are never written here, logged, or stored in a manifest.
"""

from __future__ import annotations

import os

from settings.base import *  # noqa: F403

ARCHIVE_URI = os.environ.get("ARCHIVE_URI", "archive")
ARCHIVE_SPOOL_DIR = os.environ.get("ARCHIVE_SPOOL_DIR", "/var/lib/outlet-archive/spool")
ARCHIVE_CONTACT_URL = os.environ.get("ARCHIVE_CONTACT_URL", ARCHIVE_CONTACT_URL)  # noqa: F405
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

# --- S3 storage -------------------------------------------------------------------------------------
# Non-secret connection settings from the environment (deploy/archive.env.example). Credentials are not
# copied into settings: boto3 reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and
# AWS_PROFILE from the environment itself, so they never show in Scrapy's "Overridden settings" log line.
AWS_ENDPOINT_URL = os.environ.get("AWS_ENDPOINT_URL") or None
AWS_REGION_NAME = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE", S3_ADDRESSING_STYLE)  # noqa: F405
S3_CHECKSUM_MODE = os.environ.get("S3_CHECKSUM_MODE", S3_CHECKSUM_MODE)  # noqa: F405
S3_MAX_ATTEMPTS = int(os.environ.get("S3_MAX_ATTEMPTS", S3_MAX_ATTEMPTS))  # noqa: F405
S3_UPLOAD_CONCURRENCY = int(os.environ.get("S3_UPLOAD_CONCURRENCY", S3_UPLOAD_CONCURRENCY))  # noqa: F405
