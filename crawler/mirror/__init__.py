"""Replay a saved copy of the web: the fixture web, or a user's own `wget --mirror` tree.

One setting, `OGI_MIRROR`, routes every http(s) request of every spider to a mirror, given as
either

* a **directory** in the layout `wget --mirror` writes, answered from files by
  `MirrorDownloadHandler` itself, or
* the **URL of a server** serving such a directory (`scrapy servemirror DIR`, or any server
  answering `/<host>/<path>?<query>`), to which the handler forwards each request through
  Scrapy's own HTTP handler.

Either way the response comes back under the request's real URL, so spiders, middlewares
(robots.txt, redirects, retries, HTTP cache, download slots keyed by the real host) and the
database never see the mirror. A third way keeps the mirror out of the crawl's path: every host
on a loopback address of its own (`loopback`), for measuring what a crawl of thousands of real
hosts holds (connections, sockets).

The parts, by responsibility:

* `tree`: how a tree answers a request (`resolve()`: URL → file, sidecars, dynamic routes);
* `handler`: `OGI_MIRROR` and `--mirror`, and the download handler;
* `server`: `MirrorServer` and `VirtualHostServer`;
* `loopback`: host → loopback address, and the resolver a crawl installs to use it.
"""

from crawler.mirror.handler import (
    DEMO_MIRROR_DIR,
    MirrorDownloadHandler,
    add_mirror_argument,
    apply_mirror_argument,
    crawl_origin,
    parse_mirror,
)
from crawler.mirror.loopback import LoopbackResolver, loopback_address
from crawler.mirror.server import LoggedRequest, MirrorServer, VirtualHostServer
from crawler.mirror.tree import (
    MISSING_HOST_HEADER,
    MISSING_HOST_VALUE,
    SIDECAR_SUFFIX,
    HostNotInMirror,
    MirrorError,
    MirrorResponse,
    candidate_files,
    guess_content_type,
    host_key,
    make_etag,
    mirror_url,
    resolve,
)

__all__ = [
    "DEMO_MIRROR_DIR",
    "MISSING_HOST_HEADER",
    "MISSING_HOST_VALUE",
    "SIDECAR_SUFFIX",
    "HostNotInMirror",
    "LoggedRequest",
    "LoopbackResolver",
    "MirrorDownloadHandler",
    "MirrorError",
    "MirrorResponse",
    "MirrorServer",
    "VirtualHostServer",
    "add_mirror_argument",
    "apply_mirror_argument",
    "candidate_files",
    "crawl_origin",
    "guess_content_type",
    "host_key",
    "loopback_address",
    "make_etag",
    "mirror_url",
    "parse_mirror",
    "resolve",
]
