"""Project commands, named after their modules (Scrapy's COMMANDS_MODULE); archive-sync is in crawler/named_commands."""
