#!/usr/bin/env bash
# tools/check-catalog must pass on a tree whose every message is in the
# catalog, and fail on one with a message the catalog lacks or leaves
# untranslated.
#   catalog_check_test.sh PATH-TO-check-catalog PATH-TO-zh_CN.po
set -euo pipefail
check=$1
catalog=$2
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/base" "$tree/app" "$tree/state" "$tree/ledger" "$tree/cli" "$tree/server"
cp "$catalog" "$tree/base/zh_CN.po"
printf 'auto a = Rejected(v1::AMOUNT_INVALID, "amount", Tr("rejected: "));\n' > "$tree/app/known.cc"
bash "$check" "$tree" >/dev/null
printf 'auto b = Tr("a sentence nobody translated");\n' > "$tree/state/new.cc"
if bash "$check" "$tree" 2>/dev/null; then
  echo "check-catalog passed a message missing from the catalog" >&2
  exit 1
fi
rm "$tree/state/new.cc"
printf '\nmsgid "an entry left untranslated"\nmsgstr ""\n' >> "$tree/base/zh_CN.po"
printf 'auto c = TrIn(Language::kChinese, "an entry left untranslated");\n' > "$tree/cli/empty.cc"
if bash "$check" "$tree" 2>/dev/null; then
  echo "check-catalog passed a message the catalog leaves untranslated" >&2
  exit 1
fi
echo "check-catalog refused the missing and the untranslated message, as it must"
