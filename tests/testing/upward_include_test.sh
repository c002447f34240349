#!/usr/bin/env bash
# tools/check-layers must fail on a tree where a lower layer includes a
# higher one, and pass on the same tree without that include.
#   upward_include_test.sh PATH-TO-check-layers
set -euo pipefail
check=$1
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/base" "$tree/state" "$tree/ledger/store" "$tree/app"
printf '#include "base/limits.h"\n' > "$tree/state/books.h"
printf '#include "base/limits.h"\n#include "state/books.h"\n' > "$tree/app/queries.h"
printf '#include "absl/strings/str_cat.h"\n' > "$tree/base/limits.h"
bash "$check" "$tree" >/dev/null
printf '#include "ledger/ledger.h"\n' > "$tree/ledger/store/store.h"
if bash "$check" "$tree" 2>/dev/null; then
  echo "check-layers passed a store that includes the engine above it" >&2
  exit 1
fi
echo "check-layers refused the upward include, as it must"
