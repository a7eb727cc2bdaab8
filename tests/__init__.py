"""Tests of the outlet archive."""
