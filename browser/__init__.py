"""The data browser: Datasette over the crawl's database, plus report, county and coverage pages.

`scrapy browse` (crawler/commands/browse.py) builds the app with `browser.app.make_datasette`:
Datasette serves the tables, views and canned queries with the shipped metadata
(`metadata.yaml`), and the plugin (`browser.plugin`) adds the pages that lay a report out like
the template's tables, a county's history and the coverage grid. The database is only ever
opened read-only; nothing is fetched from the internet (charts are server-rendered SVG).
"""
