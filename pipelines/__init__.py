"""What happens after the fetch: normalize, validate, write WARC records and items, store them."""
