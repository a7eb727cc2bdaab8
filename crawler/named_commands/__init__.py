"""Commands whose names are not Python module names (`archive-sync`).

Scrapy names the commands of COMMANDS_MODULE (crawler/commands/) after their modules, so a module there would
be listed as `archive_sync` beside the entry point's `archive-sync`. These are registered only through the
`scrapy.commands` entry points of pyproject.toml, and listed once.
"""
