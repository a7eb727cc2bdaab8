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
