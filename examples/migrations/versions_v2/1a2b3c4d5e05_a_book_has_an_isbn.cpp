// a book has an isbn
//
// Revision ID: 1a2b3c4d5e05
// Revises: 1a2b3c4d5e04
// Written by quarry autogenerate: review it before it runs.
#include <quarry/migrate.hpp>

namespace {

namespace mg = quarry::migrate;

[[maybe_unused]] const mg::revision revision_1a2b3c4d5e05 = mg::add_revision({
    .id = "1a2b3c4d5e05",
    .down_revisions = {"1a2b3c4d5e04"},
    .message = "a book has an isbn",
    .upgrade =
        [](mg::operations& op) {
          // add column 'isbn' to 'book'
          op.add_column("book", mg::column("isbn", mg::String(20)));
          // add a unique constraint (isbn) to 'book'
          // lint (PostgreSQL): CREATE INDEX without CONCURRENTLY blocks writes to the table while the index builds; safer: op.create_index_concurrently(...), in a revision of its own
          op.create_index("uq_book_isbn", "book", {"isbn"}, true);
        },
    .downgrade =
        [](mg::operations& op) {
          // add a unique constraint (isbn) to 'book'
          op.drop_index("uq_book_isbn");
          // add column 'isbn' to 'book'
          op.drop_column("book", "isbn");
        }});

}  // namespace
