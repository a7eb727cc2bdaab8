"""What fetches and extracts: the outlet registry, spiders, extractors, WARC capture, commands."""

from crawler.utils.public_suffix import use_bundled_suffix_list

use_bundled_suffix_list()
