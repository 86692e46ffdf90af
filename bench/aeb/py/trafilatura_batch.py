"""Batch runner for the extraction bench: one process, pages from stdin, results to stdout.

Default settings, as a user would call it: `extract(html, url=...)` for the text and
`extract_metadata(html, default_url=...)` for title, author and date.
"""
import gzip
import json
import sys
import time

import trafilatura
from trafilatura.metadata import extract_metadata


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def main():
    out = sys.stdout
    out.write(json.dumps({"version": trafilatura.__version__}) + "\n")
    out.flush()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        html = read(req["path"])
        url = req.get("url") or None
        t0 = time.perf_counter()
        try:
            text = trafilatura.extract(html, url=url) or ""
        except Exception:  # a crash is an empty extraction, as for the in-process peers
            text = ""
        ms = (time.perf_counter() - t0) * 1e3
        title = author = date = None
        try:
            m = extract_metadata(html, default_url=url)
            if m is not None:
                title, author, date = m.title, m.author, m.date
        except Exception:
            pass
        out.write(json.dumps({"id": req["id"], "text": text, "ms": ms, "title": title,
                              "author": author, "date": date}) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
