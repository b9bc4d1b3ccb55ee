"""ORM classes over the tables of `models.schema`, for readers who query with SQLAlchemy's ORM.

The project reads and writes with Core and never imports this module: mapping the classes costs
every process that imports it the ORM (issue 9). A reader's session works on any database the
store made, e.g. `select(Report).where(Report.county_code == "640424")`. The attributes come
from the tables at run time; a type checker does not see them (annotating each would repeat the
schema), so typed code filters on the table's columns (`reports_table.c.county_code`).
"""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from models import schema


class Base(DeclarativeBase):
    metadata = schema.metadata


class County(Base):
    __table__ = schema.counties_table


class Division(Base):
    __table__ = schema.divisions_table


class DivisionLink(Base):
    __table__ = schema.division_links_table


class Report(Base):
    __table__ = schema.reports_table


class Figure(Base):
    __table__ = schema.figures_table


class Finding(Base):
    __table__ = schema.findings_table


class Source(Base):
    __table__ = schema.sources_table


class Revision(Base):
    __table__ = schema.revisions_table


class Page(Base):
    __table__ = schema.pages_table


class CrawlRunRow(Base):
    __table__ = schema.crawl_runs_table


class FetchFailureRow(Base):
    __table__ = schema.fetch_failures_table


class CrawlJob(Base):
    __table__ = schema.crawl_jobs_table


class ParseJobRow(Base):
    __table__ = schema.parse_jobs_table
