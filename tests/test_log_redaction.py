"""Redaction masks secrets only: paths and URIs stay readable, with the credentials a URL carries removed."""

from __future__ import annotations

import logging

import pytest
from scrapy.utils.test import get_crawler

from crawler.extensions.log_redaction import SecretRedaction, credentials_in_url


def test_locations_are_not_secrets_but_their_userinfo_is() -> None:
    assert credentials_in_url("archive") == set()
    assert credentials_in_url("/proc/nope") == set()
    assert credentials_in_url("s3://bucket/prefix") == set()
    assert credentials_in_url("http://minio:9000") == set()
    assert credentials_in_url("http://admin:s%40cret-pass@minio:9000") == {"admin", "s%40cret-pass", "s@cret-pass"}


def test_the_archive_path_stays_readable_while_the_secret_key_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    crawler = get_crawler(settings_dict={"ARCHIVE_URI": "archive", "AWS_SECRET_ACCESS_KEY": "Zq8-test-secret-4471",
                                         "AWS_ENDPOINT_URL": "http://ops:Endpoint-pw-9931@127.0.0.1:9000"})
    SecretRedaction.from_crawler(crawler)
    log = logging.getLogger("tests.redaction")
    with caplog.at_level(logging.INFO):
        log.info("archived so far into outlet_archive/archive: key %s, endpoint %s", "Zq8-test-secret-4471",
                 "http://ops:Endpoint-pw-9931@127.0.0.1:9000")
        log.info("cannot write to file:///proc/nope: Permission denied")
    text = caplog.text
    assert "outlet_archive/archive" in text
    assert "file:///proc/nope" in text
    assert "Zq8-test-secret-4471" not in text and "Endpoint-pw-9931" not in text
    assert "127.0.0.1:9000" in text
