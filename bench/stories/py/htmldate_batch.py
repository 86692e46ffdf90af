"""Batch runner for the date comparison: one process, pages from stdin, dates to stdout.

Default settings, as a user would call it: `find_date(html, url=...)` (extensive search on,
publication rather than modification date as htmldate's defaults choose).
"""
import gzip
import json
import sys

import htmldate
from htmldate import find_date


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def main():
    out = sys.stdout
    out.write(json.dumps({"version": getattr(htmldate, "__version__", "?")}) + "\n")
    out.flush()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        html = req.get("html") or read(req["path"])
        try:
            date = find_date(html, url=req.get("url") or None)
        except Exception:  # a crash is no date, as for the cleaner
            date = None
        out.write(json.dumps({"id": req["id"], "date": date}) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
