// orders, a vip flag, longer names
//
// Revision ID: 5e0000000001
// Revises: a20000000002
// Written by quarry autogenerate: review it before it runs.
#include <quarry/migrate.hpp>

namespace {

namespace mg = quarry::migrate;

[[maybe_unused]] const mg::revision revision_5e0000000001 = mg::add_revision({
    .id = "5e0000000001",
    .down_revisions = {"a20000000002"},
    .message = "orders, a vip flag, longer names",
    .upgrade =
        [](mg::operations& op) {
          // add table 'orders'
          op.create_table("orders",
                          {mg::column("id", mg::Integer).primary_key(),
                           mg::column("customer_id", mg::BigInteger).not_null().references("customer", "id", quarry::fk_action::cascade),
                           mg::column("total", mg::Double).not_null(),
                           mg::column("status", mg::String(20)).not_null().server_default("'new'")},
                          {mg::check_constraint("total >= 0")});
          op.create_index("ix_orders_customer_id", "orders", {"customer_id"});
          // column 'email' of 'customer' is gone and 'email_address' of the same type is new: renamed?
          // lint (PostgreSQL): the running application still uses the old name; safer: add the new name alongside, move the code over, then drop the old one
          // quarry: a guess. Keep this rename, or delete it and use the drop + add below, which loses the data.
          op.rename_column("customer", "email", "email_address");
          // op.drop_column("customer", "email");
          // op.add_column("customer", mg::column("email_address", mg::String(120)));
          // add column 'vip' to 'customer'
          op.add_column("customer", mg::column("vip", mg::Boolean).not_null().server_default("false"));
          // column 'name' of 'customer': type VARCHAR(50) -> VARCHAR(80)
          // lint (PostgreSQL): changing a column's type may rewrite the whole table under an exclusive lock; safer: add a new column, copy the values in batches, then switch to it
          op.batch_alter_table("customer", [](mg::batch_operations& batch) { batch.alter_column("name", {.type = mg::String(80)}); });
          // drop table 'legacy'
          // lint (PostgreSQL): the running application may still read the table; safer: deploy code that no longer uses it first, then drop it in a later revision
          op.drop_table("legacy");
        },
    .downgrade =
        [](mg::operations& op) {
          // drop table 'legacy'
          op.create_table("legacy",
                          {mg::column("code", mg::String(8)).primary_key(),
                           mg::column("note", mg::Text)},
                          {mg::check_constraint("length(code) = 8")});
          // column 'name' of 'customer': type VARCHAR(50) -> VARCHAR(80)
          op.batch_alter_table("customer", [](mg::batch_operations& batch) { batch.alter_column("name", {.type = mg::String(50)}); });
          // add column 'vip' to 'customer'
          op.drop_column("customer", "vip");
          // column 'email' of 'customer' is gone and 'email_address' of the same type is new: renamed?
          // quarry: a guess. Keep this rename, or delete it and use the drop + add below, which loses the data.
          op.rename_column("customer", "email_address", "email");
          // op.drop_column("customer", "email_address");
          // op.add_column("customer", mg::column("email", mg::String(120)));
          // add table 'orders'
          op.drop_table("orders");
        }});

}  // namespace
