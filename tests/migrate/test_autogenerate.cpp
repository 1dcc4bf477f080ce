// Quarry - SQLAlchemy for C++20. MIT License.
// Autogenerate: no difference between models and the tables create_all()
// made from them; the differences of changed models, with a guessed rename;
// the revision source written for them, stored and compiled into this test
// (expected/), which then upgrades the database until nothing differs, and
// downgrades it back.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <quarry/migrate.hpp>
#include <quarry/quarry.hpp>
#include <quarry/reflect.hpp>

#include "../core/models.hpp"
#include "backend.hpp"
#include "migrate_support.hpp"
#include "stored_files.hpp"

// The revisions autogenerate wrote for the changed models below, as stored: compiled
// here (in this translation unit, to spare the build one per file) and run by the test.
#include "expected/autogenerate_postgresql.cpp"
#include "expected/autogenerate_sqlite.cpp"

namespace autogenerate_models {
struct Customer {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> email_address;  // was `email`
  std::optional<std::string> tier;
  bool vip{};  // new
};
QUARRY_MODEL(Customer, "customer",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(80), quarry::index),  // was VARCHAR(50)
             QUARRY_COLUMN(email_address, quarry::length(120), quarry::unique),
             QUARRY_COLUMN(tier, quarry::length(10), quarry::server_default("'basic'")),
             QUARRY_COLUMN(vip, quarry::server_default("false")));

struct Order {  // a new table
  std::int64_t id{};
  std::int64_t customer_id{};
  double total{};
  std::string status;
};
QUARRY_MODEL(Order, "orders",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(customer_id, quarry::foreign_key(&Customer::id, quarry::fk_action::cascade), quarry::index),
             QUARRY_COLUMN(total, quarry::check("total >= 0")),
             QUARRY_COLUMN(status, quarry::length(20), quarry::server_default("'new'")));

// Tables made with a naming convention.
struct Shelf {
  std::int64_t id{};
  std::string label;
  std::int32_t capacity{};
};
QUARRY_MODEL(Shelf, "shelf",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(label, quarry::length(30), quarry::unique),
             QUARRY_COLUMN(capacity, quarry::check("capacity > 0")));

struct Slot {
  std::int64_t id{};
  std::int64_t shelf_id{};
};
QUARRY_MODEL(Slot, "slot",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(shelf_id, quarry::foreign_key(&Shelf::id), quarry::index));

// A PostgreSQL enum type before and after a label was added (one table name: never in one MetaData).
namespace before {
QUARRY_ENUM(Mood, calm, happy);
}
namespace after {
QUARRY_ENUM(Mood, calm, happy, ecstatic);
}
struct DiaryBefore {
  std::int64_t id{};
  before::Mood mood{};
};
QUARRY_MODEL(DiaryBefore, "diary", QUARRY_COLUMN(id, quarry::primary_key), QUARRY_COLUMN(mood));
struct DiaryAfter {
  std::int64_t id{};
  after::Mood mood{};
};
QUARRY_MODEL(DiaryAfter, "diary", QUARRY_COLUMN(id, quarry::primary_key), QUARRY_COLUMN(mood));
}  // namespace autogenerate_models

namespace {

namespace mg = quarry::migrate;

// The database before the models changed: a customer table and a legacy table.
std::vector<mg::revision> base_revisions() {
  return {{.id = "a10000000001",
           .message = "create customer",
           .upgrade =
               [](mg::operations& op) {
                 op.create_table("customer", {mg::column("id", mg::BigInteger).primary_key(),
                                              mg::column("name", mg::String(50)).not_null(),
                                              mg::column("email", mg::String(120)).unique(),
                                              mg::column("tier", mg::String(10)).server_default("'basic'")});
                 op.create_index("ix_customer_name", "customer", {"name"});
               },
           .downgrade = [](mg::operations& op) { op.drop_table("customer"); }},
          {.id = "a20000000002",
           .down_revisions = {"a10000000001"},
           .message = "a table the models no longer have",
           .upgrade =
               [](mg::operations& op) {
                 op.create_table("legacy", {mg::column("code", mg::String(8)).primary_key(),
                                            mg::column("note", mg::Text)},
                                 {mg::check_constraint("length(code) = 8")});
               },
           .downgrade = [](mg::operations& op) { op.drop_table("legacy"); }}};
}

quarry::MetaData changed_models() {
  quarry::MetaData models;
  models.add<autogenerate_models::Customer, autogenerate_models::Order>();
  return models;
}

std::vector<std::string> descriptions(const std::vector<mg::schema_change>& changes) {
  std::vector<std::string> out;
  for (auto& c : changes) out.push_back(c.description);
  return out;
}

// The stored revision of this backend (compiled into this binary from expected/).
mg::revision stored_revision(const std::string& id) {
  for (auto& r : mg::registered_revisions())
    if (r.id == id) return r;
  FAIL("no registered revision " << id);
  return {};
}

}  // namespace

TEST_CASE("no difference between the models and the tables create_all() made from them", "[migrations][autogenerate]") {
  quarry_test::scratch_database db("autogen_same");
  quarry::MetaData models;  // the core tests' models (an enum among them) and these
  models.add<core_models::User, core_models::Address, core_models::Product, core_models::Order, core_models::OrderLine,
             core_models::Shipment, autogenerate_models::Customer, autogenerate_models::Order,
             autogenerate_models::Shelf, autogenerate_models::Slot, autogenerate_models::DiaryAfter>();
  models.create_all(db.engine);
  auto changes = mg::compare_metadata(models, db.engine);
  INFO("differences: " << Catch::Detail::stringify(descriptions(changes)));
  CHECK(changes.empty());
  CHECK(models.tables().size() == 11);
}

TEST_CASE("changed models: the differences, a guessed rename, and a revision that makes them", "[migrations][autogenerate]") {
  quarry_test::scratch_database db("autogen_changes");
  auto revisions = base_revisions();
  mg::migrator(db.engine, revisions).upgrade();
  auto models = changed_models();

  auto changes = mg::compare_metadata(models, db.engine);
  auto text = descriptions(changes);
  INFO(Catch::Detail::stringify(text));
  REQUIRE(changes.size() == 5);
  CHECK(changes[0].kind == mg::schema_change::add_table);
  CHECK(changes[0].table == "orders");
  CHECK(changes[1].kind == mg::schema_change::rename_column);
  CHECK(changes[1].suggestion);
  CHECK(changes[1].description == "column 'email' of 'customer' is gone and 'email_address' of the same type is new: renamed?");
  CHECK(changes[1].instead_upgrade.find("op.drop_column(\"customer\", \"email\");") == 0);
  CHECK(changes[2].kind == mg::schema_change::add_column);
  CHECK(changes[2].name == "vip");
  CHECK(changes[3].kind == mg::schema_change::alter_column);
  CHECK(changes[3].description.find("column 'name' of 'customer': type ") == 0);
  CHECK(changes[4].kind == mg::schema_change::drop_table);
  CHECK(changes[4].table == "legacy");
  CHECK(changes[4].downgrade.find("mg::check_constraint(") != std::string::npos);

  bool pg = quarry_test::is_postgresql();
  std::string id = pg ? "5f0000000001" : "5e0000000001";
  mg::revision_source source{.id = id, .down_revisions = {"a20000000002"}, .message = "orders, a vip flag, longer names"};
  auto unconfirmed = mg::render_revision(changes, source);
  CHECK(unconfirmed.find("#error \"quarry: confirm each rename") != std::string::npos);
  CHECK_THROWS_AS(mg::render_revision(changes, {.id = "not-an-id"}), quarry::ArgumentError);
  CHECK(mg::render_revision({}, {.id = "abc", .message = "two\nlines"}).find("// two\n// lines\n") == 0);
  source.accept_renames = true;
  auto confirmed = mg::render_revision(changes, source);
  CHECK(confirmed.find("#error") == std::string::npos);
  CHECK(confirmed.find("// op.drop_column(\"customer\", \"email\");") != std::string::npos);
  quarry_test::check_against_stored(confirmed, pg ? "autogenerate_postgresql.cpp" : "autogenerate_sqlite.cpp");

  // The stored source, compiled into this test, makes the database match the models.
  revisions.push_back(stored_revision(id));
  mg::migrator m(db.engine, revisions);
  {
    auto conn = db.engine.connect();
    conn.exec_driver_sql("INSERT INTO customer (id, name, email, tier) VALUES (1, 'ada', 'ada@example.com', 'gold')");
    conn.commit();
  }
  CHECK(m.upgrade() == std::vector<std::string>{id});
  auto after = mg::compare_metadata(models, db.engine);
  INFO("left: " << Catch::Detail::stringify(descriptions(after)));
  CHECK(after.empty());
  {
    auto conn = db.engine.connect();
    auto row = conn.exec_driver_sql("SELECT email_address, vip FROM customer WHERE id = 1").one<std::tuple<std::string, bool>>();
    CHECK(std::get<0>(row) == "ada@example.com");  // renamed, not dropped and added
    CHECK_FALSE(std::get<1>(row));
  }
  CHECK(m.downgrade("-1") == std::vector<std::string>{id});
  CHECK(descriptions(mg::compare_metadata(models, db.engine)) == text);  // back where it was
}

TEST_CASE("autogenerate leaves out the version table and excluded tables; options turn comparisons off",
          "[migrations][autogenerate]") {
  quarry_test::scratch_database db("autogen_options");
  auto models = changed_models();
  models.create_all(db.engine);
  mg::migrator(db.engine, std::vector<mg::revision>{{.id = "b10000000001"}}).stamp("head");  // makes the version table
  {
    auto conn = db.engine.connect();
    conn.exec_driver_sql("CREATE TABLE audit_log (id INTEGER PRIMARY KEY)");
    // Dropped children first, whatever the names' order.
    conn.exec_driver_sql("CREATE TABLE zz_parent (id INTEGER PRIMARY KEY)");
    conn.exec_driver_sql("CREATE TABLE aa_child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES zz_parent (id))");
    conn.exec_driver_sql("ALTER TABLE orders ADD COLUMN note VARCHAR(5) DEFAULT 'x'");
    conn.commit();
  }
  auto changes = mg::compare_metadata(models, db.engine);
  auto text = descriptions(changes);
  INFO(Catch::Detail::stringify(text));
  REQUIRE(text.size() == 4);
  CHECK(text[0] == "drop column 'note' of 'orders'");
  auto at = [&](const std::string& what) { return std::find(text.begin(), text.end(), what) - text.begin(); };
  CHECK(at("drop table 'aa_child'") < at("drop table 'zz_parent'"));
  CHECK(at("drop table 'audit_log'") < 4);
  mg::autogenerate_options options;
  options.exclude_tables = {"audit_log", "aa_child", "zz_parent"};
  CHECK(mg::compare_metadata(models, db.engine, options).size() == 1);
}

TEST_CASE("a naming convention names what create_all() and the operations make, so that revisions drop it by name",
          "[migrations][autogenerate]") {
  quarry::MetaData models(quarry::naming_convention::recommended());
  models.add<autogenerate_models::Shelf, autogenerate_models::Slot>();
  quarry_test::scratch_database db("autogen_naming");
  std::string ddl;
  for (auto& sql : models.create_ddl(db.engine.dialect())) ddl += sql + ";\n";
  INFO(ddl);
  CHECK(ddl.find("CONSTRAINT pk_shelf PRIMARY KEY (id)") != std::string::npos);
  CHECK(ddl.find("CONSTRAINT uq_shelf_label UNIQUE (label)") != std::string::npos);
  CHECK(ddl.find("capacity INTEGER NOT NULL CONSTRAINT ck_shelf_capacity CHECK (capacity > 0)") != std::string::npos);
  CHECK(ddl.find("CONSTRAINT fk_slot_shelf_id_shelf FOREIGN KEY(shelf_id)") != std::string::npos);
  CHECK(ddl.find("CREATE INDEX ix_slot_shelf_id ON slot (shelf_id)") != std::string::npos);
  models.create_all(db.engine);
  auto shelf = quarry::inspect(db.engine).table("shelf");
  REQUIRE(shelf.unique_constraints.size() == 1);
  CHECK(shelf.unique_constraints[0].name == "uq_shelf_label");
  REQUIRE(shelf.check_constraints.size() == 1);
  CHECK(shelf.check_constraints[0].name == "ck_shelf_capacity");
  auto slot = quarry::inspect(db.engine).table("slot");
  REQUIRE(slot.foreign_keys.size() == 1);
  CHECK(slot.foreign_keys[0].name == "fk_slot_shelf_id_shelf");
  if (quarry_test::is_postgresql()) CHECK(shelf.primary_key.name == "pk_shelf");

  // The same tables made by a revision with the same convention: nothing differs; a later revision drops the check by name.
  quarry_test::scratch_database by_revisions("autogen_naming_ops");
  std::vector<mg::revision> revisions{
      {.id = "c10000000001",
       .message = "shelves and slots",
       .upgrade =
           [](mg::operations& op) {
             op.create_table("shelf", {mg::column("id", mg::BigInteger).primary_key(),
                                       mg::column("label", mg::String(30)).not_null().unique(),
                                       mg::column("capacity", mg::Integer).not_null().check("capacity > 0")});
             op.create_table("slot", {mg::column("id", mg::BigInteger).primary_key(),
                                      mg::column("shelf_id", mg::BigInteger).not_null().references("shelf", "id").index()});
           }},
      {.id = "c15000000000",
       .down_revisions = {"c10000000001"},
       .message = "a spare shelf",
       .upgrade =
           [](mg::operations& op) {
             op.add_column("slot", mg::column("spare_id", mg::BigInteger).references("shelf", "id"));
           },
       .downgrade = [](mg::operations& op) { op.drop_column("slot", "spare_id"); }},
      {.id = "c20000000002",
       .down_revisions = {"c10000000001"},  // a branch beside the spare shelf
       .message = "no capacity check",
       .upgrade = [](mg::operations& op) {
         op.batch_alter_table("shelf", [](mg::batch_operations& batch) { batch.drop_constraint("ck_shelf_capacity"); });
       },
       .downgrade = [](mg::operations& op) {
         op.batch_alter_table("shelf", [](mg::batch_operations& batch) {
           batch.create_check_constraint("ck_shelf_capacity", "capacity > 0");
         });
       }}};
  mg::migrator m(by_revisions.engine, revisions, {.naming = quarry::naming_convention::recommended()});
  m.upgrade("c10000000001");
  INFO(Catch::Detail::stringify(descriptions(mg::compare_metadata(models, by_revisions.engine))));
  CHECK(mg::compare_metadata(models, by_revisions.engine).empty());
  m.upgrade("c15000000000");  // add_column(...).references() is named by the convention too
  auto spare = quarry::inspect(by_revisions.engine).table("slot").foreign_keys;
  CHECK(std::any_of(spare.begin(), spare.end(), [](auto& fk) { return fk.name == "fk_slot_spare_id_shelf"; }));
  m.downgrade("c10000000001");
  m.upgrade("c20000000002");
  auto changes = mg::compare_metadata(models, by_revisions.engine);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].kind == mg::schema_change::add_check);
  CHECK(changes[0].name == "ck_shelf_capacity");  // the models' name for it, not one made up
  m.downgrade("-1");
  CHECK(mg::compare_metadata(models, by_revisions.engine).empty());

  // Without a name or a convention an operation says what it needs; with one it names the index itself.
  mg::operations plain(by_revisions.engine.dialect());
  CHECK_THROWS_WITH(plain.create_foreign_key("", "slot", "shelf", {"shelf_id"}, {"id"}), Catch::Contains("needs a name"));
  mg::operations named(by_revisions.engine.dialect(), quarry::naming_convention::recommended());
  named.create_index("", "slot", {"id"});
  CHECK(named.script().back() == "CREATE INDEX ix_slot_id ON slot (id)");
  CHECK_THROWS_WITH(quarry::convention_name("x_%(nope)s", {"t", {"c"}}), Catch::Contains("unknown token %(nope)s"));
}

TEST_CASE("a label added to an enum: PostgreSQL adds the value; SQLite sees a wider column and a new check",
          "[migrations][autogenerate]") {
  quarry_test::scratch_database db("autogen_enum");
  quarry::MetaData before, after;
  before.add<autogenerate_models::DiaryBefore>();
  after.add<autogenerate_models::DiaryAfter>();
  before.create_all(db.engine);
  auto changes = mg::compare_metadata(after, db.engine);
  INFO(Catch::Detail::stringify(descriptions(changes)));
  if (!quarry_test::is_postgresql()) {
    CHECK(std::any_of(changes.begin(), changes.end(), [](auto& c) { return c.kind == mg::schema_change::add_check; }));
    return;
  }
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].kind == mg::schema_change::add_enum_value);
  CHECK(changes[0].upgrade == "op.add_enum_value(\"mood\", \"ecstatic\");");
  mg::migrator(db.engine, std::vector<mg::revision>{{.id = "e20000000001", .upgrade = [](mg::operations& op) {
                                                       op.add_enum_value("mood", "ecstatic");
                                                     }}})
      .upgrade();
  CHECK(mg::compare_metadata(after, db.engine).empty());
  CHECK(mg::compare_metadata(before, db.engine).size() == 1);  // the other way: a label the models do not have
}
