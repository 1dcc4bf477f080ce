#!/usr/bin/env bash
# Quarry - SQLAlchemy for C++20. MIT License.
# The bookshelf's migration tool as its developers use it, on one backend:
#   upgrade head -> downgrade base -> upgrade head; check; then the next models
#   (a book gets an ISBN): check fails, autogenerate writes the revision stored
#   in versions_v2/ (compiled into the second tool), the PostgreSQL lint flags
#   its index, upgrade, check passes.
# usage: run_example.sh MIGRATE MIGRATE_V2 VERSIONS_V2_DIR sqlite|postgresql
set -euo pipefail
migrate=$1 migrate_v2=$2 stored=$3 backend=$4

if [ "$backend" = sqlite ]; then
  rm -f bookshelf.db
  url=sqlite:///bookshelf.db
else
  if [ -z "${QUARRY_TEST_POSTGRESQL_URL:-}" ]; then
    case "${CI:-}" in ''|false|0) echo "SKIPPED: QUARRY_TEST_POSTGRESQL_URL is not set; run scripts/test.sh"; exit 77;; esac
    echo "FAILED: QUARRY_TEST_POSTGRESQL_URL is not set under CI"; exit 1
  fi
  psql -q -v ON_ERROR_STOP=1 "$QUARRY_TEST_POSTGRESQL_URL" -c "SET client_min_messages = warning" \
    -c "DROP SCHEMA IF EXISTS bookshelf CASCADE" -c "CREATE SCHEMA bookshelf" >/dev/null
  case "$QUARRY_TEST_POSTGRESQL_URL" in *\?*) sep='&';; *) sep='?';; esac
  url="$QUARRY_TEST_POSTGRESQL_URL${sep}options=-csearch_path%3Dbookshelf"
fi
export QUARRY_DATABASE_URL=$url

step() { echo "\$ migrate $*"; }
expect_output() {  # expect_output PATTERN COMMAND...: runs the tool, shows its output, greps it
  local pattern=$1; shift
  local out
  out=$("$@")
  echo "$out"
  grep -q -- "$pattern" <<<"$out" || { echo "FAILED: expected '$pattern'"; exit 1; }
}

step upgrade head;   expect_output "upgraded 1a2b3c4d5e03 -> 1a2b3c4d5e04, index book titles" "$migrate" upgrade head
step current;        expect_output "^1a2b3c4d5e04 (head)$" "$migrate" current
step check;          expect_output "no differences" "$migrate" check
step downgrade base; expect_output "downgraded <base> -> 1a2b3c4d5e01" "$migrate" downgrade base
step current;        [ -z "$("$migrate" current)" ] || { echo "FAILED: not at base"; exit 1; }
step upgrade +2;     expect_output "upgraded 1a2b3c4d5e01 -> 1a2b3c4d5e02" "$migrate" upgrade +2
step upgrade head;   expect_output "upgraded 1a2b3c4d5e02 -> 1a2b3c4d5e03" "$migrate" upgrade head
step history;        expect_output "1a2b3c4d5e03 -> 1a2b3c4d5e04 (head), index book titles \[applied\]" "$migrate" history
step "upgrade --sql --from 1a2b3c4d5e03"
expect_output "CREATE INDEX ix_book_title ON book (title)" "$migrate" upgrade head --sql --from 1a2b3c4d5e03

# The next version of the models: the database differs, and autogenerate writes the stored revision.
step "(v2) check";   if "$migrate_v2" check; then echo "FAILED: check passed before the upgrade"; exit 1; fi
mkdir -p generated && rm -f generated/*.cpp
step "(v2) revision --autogenerate"
expect_output "add column 'isbn' to 'book'" "$migrate_v2" revision --autogenerate -m "a book has an isbn" \
  --head 1a2b3c4d5e04 --rev-id 1a2b3c4d5e05 --versions generated
stored_file="$stored/1a2b3c4d5e05_a_book_has_an_isbn.cpp"
if [ "${QUARRY_UPDATE_EXPECTED:-}" = 1 ]; then cp generated/1a2b3c4d5e05_a_book_has_an_isbn.cpp "$stored_file"; fi
diff -u "$stored_file" generated/1a2b3c4d5e05_a_book_has_an_isbn.cpp || {
  echo "FAILED: autogenerate wrote something else than $stored_file (QUARRY_UPDATE_EXPECTED=1 stores it)"; exit 1; }
step "(v2) lint"
if [ "$backend" = postgresql ]; then
  lint=$("$migrate_v2" lint) && { echo "FAILED: lint passed a blocking index build"; exit 1; }
  echo "$lint"
  grep -q "CREATE UNIQUE INDEX uq_book_isbn ON book (isbn)" <<<"$lint" || { echo "FAILED: lint did not name the index"; exit 1; }
else
  expect_output "nothing risky" "$migrate_v2" lint
fi
step "(v2) upgrade head"; expect_output "upgraded 1a2b3c4d5e04 -> 1a2b3c4d5e05" "$migrate_v2" upgrade head
step "(v2) check";        expect_output "no differences" "$migrate_v2" check
step "(v2) downgrade -1"; expect_output "downgraded 1a2b3c4d5e04 -> 1a2b3c4d5e05" "$migrate_v2" downgrade -1
step "check";             expect_output "no differences" "$migrate" check
step "downgrade base";    "$migrate" downgrade base >/dev/null
echo "example.migrations.$backend: passed"
