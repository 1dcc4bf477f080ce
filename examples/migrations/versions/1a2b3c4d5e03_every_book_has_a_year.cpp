// Quarry - SQLAlchemy for C++20. MIT License.
// every book has a year: NOT NULL with a default and a CHECK, which SQLite
// cannot add to an existing table, so batch mode rebuilds it there
//
// Revision ID: 1a2b3c4d5e03
// Revises: 1a2b3c4d5e02
#include <quarry/migrate.hpp>

namespace {

namespace mg = quarry::migrate;

[[maybe_unused]] const mg::revision book_years = mg::add_revision({
    .id = "1a2b3c4d5e03",
    .down_revisions = {"1a2b3c4d5e02"},
    .message = "every book has a year",
    .upgrade =
        [](mg::operations& op) {
          op.execute("UPDATE book SET year = 2000 WHERE year IS NULL");
          op.batch_alter_table("book", [](mg::batch_operations& batch) {
            batch.alter_column("year", {.nullable = false, .server_default = "2000"});
            batch.create_check_constraint("ck_book_year", "year > 0");
          });
        },
    .downgrade =
        [](mg::operations& op) {
          op.batch_alter_table("book", [](mg::batch_operations& batch) {
            batch.drop_constraint("ck_book_year");
            batch.alter_column("year", {.nullable = true, .server_default = ""});
          });
        }});

}  // namespace
