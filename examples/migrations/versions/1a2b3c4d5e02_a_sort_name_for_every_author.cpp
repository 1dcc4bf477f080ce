// Quarry - SQLAlchemy for C++20. MIT License.
// a sort name for every author: a new column and a data migration through Core
//
// Revision ID: 1a2b3c4d5e02
// Revises: 1a2b3c4d5e01
#include <quarry/core.hpp>
#include <quarry/migrate.hpp>

namespace {

namespace mg = quarry::migrate;

[[maybe_unused]] const mg::revision sort_names = mg::add_revision({
    .id = "1a2b3c4d5e02",
    .down_revisions = {"1a2b3c4d5e01"},
    .message = "a sort name for every author",
    .upgrade =
        [](mg::operations& op) {
          op.add_column("author", mg::column("sort_name", mg::String(100)));
          // The table as this revision knows it, not as the models say today.
          auto author = mg::table("author", {mg::column("name", mg::Text), mg::column("sort_name", mg::Text)});
          op.execute(quarry::update(author).values(author["sort_name"] = quarry::func::lower(author["name"])));
        },
    .downgrade = [](mg::operations& op) { op.drop_column("author", "sort_name"); }});

}  // namespace
