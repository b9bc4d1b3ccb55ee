"""What the crawl's fork server loads once for all its children (`crawler.children.PRELOAD`).

Imported in the fork server only, never in the crawl process: importing it builds the parser's
national place matcher (every division since 1981: about 0.1 CPU-second), which the parser
otherwise builds lazily at its first document, in every worker again (half a CPU-ms a report at
22 sites × 20 reports with two workers, issue 9). Built here, before any fork, each worker
starts with it as it starts with the parser's modules: shared, not rebuilt.

Then the server's heap is frozen (`gc.freeze`): the children's collections never walk the
imported modules and the matcher (a full collection would otherwise visit every one of those
objects in every child, and in doing so write to their pages, which the kernel then copies for
that child alone).
"""

from __future__ import annotations

import gc

import crawler.parsing  # noqa: F401  (the workers' target: imported once, in the server)
from reportparser import api  # noqa: F401  (the parser's modules)
from reportparser.places import matcher

matcher()
gc.freeze()
