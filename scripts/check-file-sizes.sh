#!/usr/bin/env bash
# Size budget (docs/architecture.md): no Swift file over $MAX lines, so no file grows into Nova's 14k-line
# libvirt driver. Split by type or concern instead of raising the number.
set -euo pipefail
cd "$(dirname "$0")/.."
MAX=${MAX:-400}
over=$(find Sources Plugins Tests examples -name '*.swift' -not -path '*/.build/*' -print0 \
  | xargs -0 wc -l | awk -v max="$MAX" '$2 != "total" && $1 > max {print "  " $2 ": " $1 " lines"}')
if [ -n "$over" ]; then
  echo "files over the $MAX-line budget:"; echo "$over"; exit 1
fi
echo "size budget: every Swift file within $MAX lines"
