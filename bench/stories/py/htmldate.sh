#!/usr/bin/env bash
# Python htmldate for the date comparison of the story bench: installs the pinned version into a
# private venv under ~/.cache/newsflow/ (once), then runs the batch runner, which reads one JSON
# request per line on stdin ({"id", "url", and "path" to an .html or .html.gz file or "html"
# inline}) and writes one JSON result per line on stdout: {"id", "date"} (YYYY-MM-DD or null).
set -euo pipefail
VERSION="${HTMLDATE_VERSION:-1.11.0}"
VENV="${NEWSFLOW_CACHE:-$HOME/.cache/newsflow}/htmldate-$VERSION"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import htmldate" 2>/dev/null; then
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install --quiet "htmldate==$VERSION" >&2
fi
exec "$VENV/bin/python" "$(dirname "$0")/htmldate_batch.py"
