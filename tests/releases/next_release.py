"""The service as its next release would run: the `sites` read model at version 2, with one
more column (`host`, the site URL's host name). Run `python -m tests.releases.next_release
serve …` (one HTTP worker: the change lives in this process's modules)."""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import urlsplit

from app.aggregates.site import Site
from app.projection_engine.changeset import Changeset
from app.projections import sites

sites.Sites.version = sites.SITES.version = 2
sites.SITES.columns = {**sites.SITES.columns, "host": "TEXT"}
created = sites.Sites._declared[Site.Created]


def created_with_host(self: Any, e: Site.Created, changes: Changeset, position: int) -> None:
    created(self, e, changes, position)
    row = changes.row(sites.SITES, str(e.originator_id))
    if row is not None:
        row["host"] = urlsplit(e.url).hostname
        changes.mark(sites.SITES, row)


sites.Sites._declared[Site.Created] = created_with_host
sites.Sites._resolved.clear()

if __name__ == "__main__":
    from app.cli import main

    sys.exit(main(sys.argv[1:]))
