#!/usr/bin/env bash
# Python trafilatura for the extraction bench: installs the pinned version into a private venv
# under ~/.cache/newsflow/ (once), then runs the batch runner, which reads one JSON request per
# line on stdin ({"id","path","url"}; path is a .html.gz or .html file) and writes one JSON
# result per line on stdout: text, title, author, date and milliseconds for the extraction.
set -euo pipefail
VERSION="${TRAFILATURA_VERSION:-2.0.0}"
VENV="${NEWSFLOW_CACHE:-$HOME/.cache/newsflow}/trafilatura-$VERSION"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import trafilatura" 2>/dev/null; then
  python3 -m venv "$VENV" >&2
  # justext (a trafilatura dependency) needs lxml's cleaner, a separate package since lxml 5.2.
  "$VENV/bin/pip" install --quiet "trafilatura==$VERSION" "lxml_html_clean==0.4.3" >&2
fi
exec "$VENV/bin/python" "$(dirname "$0")/trafilatura_batch.py"
