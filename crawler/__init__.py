"""Spiders and the crawl machinery around them (platform base, middlewares, commands)."""
