// Quarry - SQLAlchemy for C++20. MIT License.
// index book titles
//
// Revision ID: 1a2b3c4d5e04
// Revises: 1a2b3c4d5e03
#include <quarry/migrate.hpp>

namespace {

namespace mg = quarry::migrate;

[[maybe_unused]] const mg::revision title_index = mg::add_revision({
    .id = "1a2b3c4d5e04",
    .down_revisions = {"1a2b3c4d5e03"},
    .message = "index book titles",
    .upgrade = [](mg::operations& op) { op.create_index("ix_book_title", "book", {"title"}); },
    .downgrade = [](mg::operations& op) { op.drop_index("ix_book_title"); }});

}  // namespace
