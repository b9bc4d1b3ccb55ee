"""The project's Scrapy commands (COMMANDS_MODULE); what they share is in `crawler.cli`."""
