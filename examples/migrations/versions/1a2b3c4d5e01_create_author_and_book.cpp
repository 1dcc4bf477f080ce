// Quarry - SQLAlchemy for C++20. MIT License.
// create author and book
//
// Revision ID: 1a2b3c4d5e01
// Revises: <base>
#include <quarry/migrate.hpp>

namespace {

namespace mg = quarry::migrate;

[[maybe_unused]] const mg::revision create_author_and_book = mg::add_revision({
    .id = "1a2b3c4d5e01",
    .message = "create author and book",
    .upgrade =
        [](mg::operations& op) {
          op.create_table("author", {mg::column("id", mg::BigInteger).primary_key(),
                                     mg::column("name", mg::String(100)).not_null().unique()});
          op.create_table("book", {mg::column("id", mg::BigInteger).primary_key(),
                                   mg::column("author_id", mg::BigInteger).not_null().references(
                                       "author", "id", quarry::fk_action::cascade),
                                   mg::column("title", mg::String(200)).not_null(),
                                   mg::column("year", mg::Integer)});
        },
    .downgrade =
        [](mg::operations& op) {
          op.drop_table("book");
          op.drop_table("author");
        }});

}  // namespace
