"""For scrapyd-deploy, which builds eggs with `setup.py bdist_egg`: everything else is in pyproject.toml.

Without this file scrapyd-deploy writes its own, which packs every folder with an __init__.py (tests and
bench too) into an egg named "project".
"""

from setuptools import setup

setup()
