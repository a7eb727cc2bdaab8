"""The default: everything archived under ./archive, no service needed."""

from __future__ import annotations

from settings.base import *  # noqa: F403

ARCHIVE_URI = "archive"
