#!/usr/bin/env bash
# tools/check-function-length must fail on a tree with a 71-line function in
# state/, and pass on one whose function is 70 lines, a multi-line
# signature included.
#   long_function_test.sh PATH-TO-check-function-length
set -euo pipefail
check=$1
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/base" "$tree/state" "$tree/ledger"
# A function of `lines` lines from its signature's first line to its "}".
function_of() {
  local lines=$1
  printf 'absl::Status Ledger::Long(int first,\n                            int second) {\n'
  for ((i = 0; i < lines - 3; ++i)); do printf '  ++first;\n'; done
  printf '}\n'
}
printf 'int Short() {\n  return 1;\n}\n' > "$tree/base/short.cc"
function_of 70 > "$tree/state/long.cc"
python3 "$check" "$tree" >/dev/null
function_of 71 > "$tree/state/long.cc"
if python3 "$check" "$tree" 2>/dev/null; then
  echo "check-function-length passed a 71-line function" >&2
  exit 1
fi
echo "check-function-length refused the 71-line function, as it must"
