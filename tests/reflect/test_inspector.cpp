// Quarry - SQLAlchemy for C++20. MIT License.
// The Inspector against real databases: every kind of object it reports, on a
// schema written by hand in each dialect's own DDL, the statements it sends,
// and its errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <quarry/reflect.hpp>

#include "backend.hpp"
#include "reflect_support.hpp"

namespace {

using quarry::fk_action;
using quarry::sql_type_kind;

const quarry::reflected_table& find(const std::vector<quarry::reflected_table>& tables, const std::string& name) {
  auto it = std::find_if(tables.begin(), tables.end(), [&](auto& t) { return t.name == name; });
  REQUIRE(it != tables.end());
  return *it;
}

const quarry::reflected_column& column(const quarry::reflected_table& t, const std::string& name) {
  auto* c = t.column(name);
  REQUIRE(c != nullptr);
  return *c;
}

// A schema of the features both databases share, in each one's DDL.
void create_shop(quarry::Connection& conn, const std::string& schema) {
  auto q = [&](const std::string& name) { return reflect_test::qualified(schema, name); };
  bool pg = quarry_test::is_postgresql();
  conn.exec_driver_sql("CREATE TABLE " + q("customer") + " (" +
                       (pg ? "id SERIAL PRIMARY KEY, " : "id INTEGER PRIMARY KEY, ") +
                       "email VARCHAR(120) NOT NULL, nick TEXT DEFAULT 'none', score NUMERIC(10, 2) DEFAULT 0, "
                       "active BOOLEAN NOT NULL DEFAULT TRUE, "
                       "CONSTRAINT uq_customer_email UNIQUE (email), CONSTRAINT ck_score CHECK (score >= 0))");
  conn.exec_driver_sql("CREATE TABLE " + q("purchase") +
                       " (customer_id INTEGER NOT NULL, line INTEGER NOT NULL, placed DATE, note TEXT, "
                       "CONSTRAINT pk_purchase PRIMARY KEY (customer_id, line), "
                       "CONSTRAINT fk_purchase_customer FOREIGN KEY (customer_id) REFERENCES " + q("customer") +
                       " (id) ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED)");
  conn.exec_driver_sql("CREATE TABLE " + q("refund") +
                       " (id INTEGER PRIMARY KEY, customer_id INTEGER, line INTEGER, reason TEXT, "
                       "FOREIGN KEY (customer_id, line) REFERENCES " + q("purchase") + " (customer_id, line))");
  conn.exec_driver_sql("CREATE INDEX ix_purchase_note ON " + q("purchase") + " (lower(note) DESC, line) WHERE note IS NOT NULL");
  conn.exec_driver_sql("CREATE UNIQUE INDEX ix_purchase_placed ON " + q("purchase") + " (placed, customer_id)");
  conn.exec_driver_sql("CREATE VIEW " + q("big_spender") + " AS SELECT id, email FROM " + q("customer") + " WHERE score > 100");
}

}  // namespace

TEST_CASE("the Inspector reports tables, columns, keys, indexes and constraints", "[reflect]") {
  auto engine = quarry_test::make_engine({}, "inspector");
  auto conn = engine.connect();
  reflect_test::scratch_schema scratch(conn, "reflect_shop");
  create_shop(conn, scratch.name);
  conn.commit();
  auto inspector = quarry::inspect(engine);
  const auto& schema = scratch.name;
  bool pg = quarry_test::is_postgresql();

  CHECK(inspector.table_names(schema) == std::vector<std::string>{"customer", "purchase", "refund"});
  CHECK(inspector.view_names(schema) == std::vector<std::string>{"big_spender"});
  CHECK(inspector.has_table("purchase", schema));
  CHECK(inspector.has_table("big_spender", schema));
  CHECK_FALSE(inspector.has_table("nothing", schema));
  CHECK(inspector.has_schema(schema));
  CHECK_FALSE(inspector.has_schema("no_such_schema"));
  CHECK(inspector.has_index("purchase", "ix_purchase_note", schema));
  CHECK_FALSE(inspector.has_index("purchase", "ix_nothing", schema));

  quarry::reflect_options options;
  options.schema = schema;
  options.views = true;
  auto tables = inspector.tables(options);
  REQUIRE(tables.size() == 4);

  SECTION("columns: type, spelling, nullability, defaults, autoincrement") {
    auto& customer = find(tables, "customer");
    REQUIRE(customer.columns.size() == 5);
    auto& id = column(customer, "id");
    CHECK(id.type.type.kind == sql_type_kind::integer);
    CHECK(id.autoincrement);
    CHECK_FALSE(id.nullable);  // on SQLite too: a rowid key is never NULL, NOT NULL written or not
    auto& email = column(customer, "email");
    CHECK(email.type.type.kind == sql_type_kind::text);
    CHECK(email.type.type.length == 120);
    CHECK(email.type.spelling == (pg ? "character varying(120)" : "VARCHAR(120)"));
    CHECK_FALSE(email.nullable);
    CHECK_FALSE(email.server_default);
    auto& nick = column(customer, "nick");
    REQUIRE(nick.server_default);
    CHECK(nick.server_default->find("'none'") == 0);
    CHECK(nick.nullable);
    auto& score = column(customer, "score");
    CHECK(score.type.type.kind == sql_type_kind::numeric);
    CHECK(score.type.precision == 10);
    CHECK(score.type.scale == 2);
    CHECK(column(customer, "active").type.type.kind == sql_type_kind::boolean);
    CHECK(column(find(tables, "purchase"), "placed").type.type.kind == sql_type_kind::date);
    CHECK_FALSE(column(find(tables, "purchase"), "line").autoincrement);
  }

  SECTION("primary keys with their names, columns in key order") {
    auto& purchase = find(tables, "purchase");
    CHECK(purchase.primary_key.name == "pk_purchase");
    CHECK(purchase.primary_key.columns == std::vector<std::string>{"customer_id", "line"});
    CHECK(inspector.primary_key("customer", schema).columns == std::vector<std::string>{"id"});
  }

  SECTION("foreign keys: names, composite keys, actions, deferrable") {
    auto fks = inspector.foreign_keys("purchase", schema);
    REQUIRE(fks.size() == 1);
    CHECK(fks[0].name == "fk_purchase_customer");
    CHECK(fks[0].columns == std::vector<std::string>{"customer_id"});
    CHECK(fks[0].referred_table == "customer");
    CHECK(fks[0].referred_columns == std::vector<std::string>{"id"});
    CHECK(fks[0].on_delete == fk_action::cascade);
    CHECK(fks[0].on_update == fk_action::set_null);
    CHECK(fks[0].deferrable);
    CHECK(fks[0].initially_deferred);
    auto& refund = find(tables, "refund");
    REQUIRE(refund.foreign_keys.size() == 1);
    CHECK(refund.foreign_keys[0].columns == std::vector<std::string>{"customer_id", "line"});
    CHECK(refund.foreign_keys[0].referred_columns == std::vector<std::string>{"customer_id", "line"});
    CHECK(refund.foreign_keys[0].on_delete == fk_action::no_action);
    CHECK_FALSE(refund.foreign_keys[0].deferrable);
  }

  SECTION("indexes: unique, expressions, sort order, partial") {
    auto indexes = inspector.indexes("purchase", schema);
    REQUIRE(indexes.size() == 2);
    auto& note = indexes[0];
    CHECK(note.name == "ix_purchase_note");
    CHECK_FALSE(note.unique);
    REQUIRE(note.keys.size() == 2);
    CHECK(note.keys[0].column.empty());
    CHECK(note.keys[0].expression == "lower(note)");
    CHECK(note.keys[0].descending);
    CHECK(note.keys[1].column == "line");
    CHECK_FALSE(note.keys[1].descending);
    CHECK(note.where == "note IS NOT NULL");
    CHECK(note.column_names().empty());
    auto& placed = indexes[1];
    CHECK(placed.name == "ix_purchase_placed");
    CHECK(placed.unique);
    CHECK(placed.column_names() == std::vector<std::string>{"placed", "customer_id"});
    CHECK(placed.where.empty());
  }

  SECTION("unique and check constraints") {
    auto uniques = inspector.unique_constraints("customer", schema);
    REQUIRE(uniques.size() == 1);
    CHECK(uniques[0].name == "uq_customer_email");
    CHECK(uniques[0].columns == std::vector<std::string>{"email"});
    auto checks = inspector.check_constraints("customer", schema);
    REQUIRE(checks.size() == 1);
    CHECK(checks[0].name == "ck_score");
    CHECK(checks[0].sql.find("score >= 0") == 0);
  }

  SECTION("views: columns and definition") {
    auto& view = find(tables, "big_spender");
    CHECK(view.kind == quarry::relation_kind::view);
    REQUIRE(view.columns.size() == 2);
    CHECK(view.columns[1].name == "email");
    CHECK(inspector.view_definition("big_spender", schema).find("score > 100") != std::string::npos);
    CHECK_THROWS_AS(inspector.view_definition("customer", schema), quarry::NoSuchTableError);
  }

  SECTION("only some tables, and the dependency order") {
    quarry::reflect_options some;
    some.schema = schema;
    some.only = {"refund", "customer"};
    auto two = inspector.tables(some);
    REQUIRE(two.size() == 2);
    CHECK(two[0].name == "customer");
    CHECK(two[1].name == "refund");
    auto order = inspector.sorted_table_names(schema);
    CHECK(order.tables == std::vector<std::string>{"customer", "purchase", "refund"});
    CHECK(order.cycles.empty());
  }
}

TEST_CASE("reflecting a schema sends a fixed number of statements, whatever its size", "[reflect]") {
  std::size_t statements = 0;
  auto count_for = [&](int tables) {
    auto engine = quarry_test::make_engine({}, "inspector_count" + std::to_string(tables));
    engine.listen(quarry::events::before_execute, [&](const quarry::execute_event&) { ++statements; });
    auto conn = engine.connect();
    reflect_test::scratch_schema scratch(conn, "reflect_count");
    for (int i = 0; i < tables; ++i)
      conn.exec_driver_sql("CREATE TABLE " + reflect_test::qualified(scratch.name, "t" + std::to_string(i)) +
                           " (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES " +
                           reflect_test::qualified(scratch.name, "t0") + " (id), label TEXT UNIQUE)");
    conn.exec_driver_sql("CREATE INDEX ix_t1_label ON " + reflect_test::qualified(scratch.name, "t1") + " (label)");
    conn.commit();
    quarry::reflect_options options;
    options.schema = scratch.name;
    statements = 0;
    auto reflected = quarry::inspect(conn).tables(options);
    REQUIRE(reflected.size() == static_cast<std::size_t>(tables));
    CHECK(reflected[1].foreign_keys.size() == 1);
    return statements;
  };
  auto few = count_for(3);
  auto many = count_for(40);
  CHECK(few == many);
  CHECK(few <= 8);
}

TEST_CASE("cycles between tables are reported, and the rest sorted", "[reflect]") {
  auto engine = quarry_test::make_engine({}, "inspector_cycle");
  auto conn = engine.connect();
  reflect_test::scratch_schema scratch(conn, "reflect_cycle");
  auto q = [&](const std::string& n) { return reflect_test::qualified(scratch.name, n); };
  // a <-> b form a cycle; c hangs off a; node refers to itself, which is no cycle.
  if (quarry_test::is_postgresql()) {
    conn.exec_driver_sql("CREATE TABLE " + q("a") + " (id INTEGER PRIMARY KEY, b_id INTEGER)");
    conn.exec_driver_sql("CREATE TABLE " + q("b") + " (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES " + q("a") + " (id))");
    conn.exec_driver_sql("ALTER TABLE " + q("a") + " ADD CONSTRAINT fk_a_b FOREIGN KEY (b_id) REFERENCES " + q("b") + " (id)");
  } else {  // SQLite cannot add a foreign key later, and does not check that the table exists yet
    conn.exec_driver_sql("CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER, CONSTRAINT fk_a_b FOREIGN KEY (b_id) REFERENCES b (id))");
    conn.exec_driver_sql("CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id))");
  }
  conn.exec_driver_sql("CREATE TABLE " + q("c") + " (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES " + q("a") + " (id))");
  conn.exec_driver_sql("CREATE TABLE " + q("node") + " (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES " + q("node") + " (id))");
  auto order = quarry::inspect(conn).sorted_table_names(scratch.name);
  REQUIRE(order.tables.size() == 4);
  auto at = [&](const std::string& n) { return std::find(order.tables.begin(), order.tables.end(), n) - order.tables.begin(); };
  CHECK(at("c") > at("a"));
  REQUIRE(order.cycles.size() == 2);
  CHECK(std::count(order.cycles.begin(), order.cycles.end(), std::pair<std::string, std::string>{"a", "fk_a_b"}) == 1);
  CHECK(std::count_if(order.cycles.begin(), order.cycles.end(), [](auto& c) { return c.first == "b"; }) == 1);
}

TEST_CASE("odd names: quotes, spaces, Unicode and keywords come back as stored", "[reflect]") {
  auto engine = quarry_test::make_engine({}, "inspector_names");
  auto conn = engine.connect();
  reflect_test::scratch_schema scratch(conn, "reflect_names");
  std::string table = "we\"ird ta\xC3\xA9" "ble";
  conn.exec_driver_sql("CREATE TABLE " + reflect_test::qualified(scratch.name, table) +
                       " (\"select\" INTEGER PRIMARY KEY, \"two words\" TEXT, \"caf\xC3\xA9\" TEXT, \"it's\" INTEGER)");
  auto t = quarry::inspect(conn).table(table, scratch.name);
  CHECK(t.name == table);
  REQUIRE(t.columns.size() == 4);
  CHECK(t.columns[0].name == "select");
  CHECK(t.columns[1].name == "two words");
  CHECK(t.columns[2].name == "caf\xC3\xA9");
  CHECK(t.columns[3].name == "it's");
  CHECK(t.primary_key.columns == std::vector<std::string>{"select"});
}

TEST_CASE("types Quarry has no built-in for are reported with their spelling", "[reflect]") {
  auto engine = quarry_test::make_engine({}, "inspector_types");
  auto conn = engine.connect();
  reflect_test::scratch_schema scratch(conn, "reflect_types");
  bool pg = quarry_test::is_postgresql();
  conn.exec_driver_sql("CREATE TABLE " + reflect_test::qualified(scratch.name, "odd") + " (id INTEGER PRIMARY KEY, " +
                       (pg ? "span interval, tags text[], addr inet" : "span INTERVAL, tags STRANGE_THING, addr") + ")");
  auto t = quarry::inspect(conn).table("odd", scratch.name);
  auto& span = column(t, "span");
  CHECK_FALSE(span.type.built_in);
  CHECK(span.type.spelling == (pg ? "interval" : "INTERVAL"));
  if (pg) {
    CHECK(span.type.type.kind == sql_type_kind::custom);
    CHECK(span.type.type.name == "interval");
    CHECK(column(t, "tags").type.spelling == "text[]");
    CHECK(column(t, "addr").type.type.name == "inet");
  } else {
    CHECK(span.type.type.kind == sql_type_kind::integer);  // SQLite's affinity rules: the name holds "INT"
    CHECK(column(t, "tags").type.type.kind == sql_type_kind::numeric);  // and NUMERIC when nothing matches
    CHECK(column(t, "addr").type.type.kind == sql_type_kind::custom);  // no declared type at all
  }
}

TEST_CASE("reflection refuses what is not there, with the name it looked for", "[reflect]") {
  auto engine = quarry_test::make_engine({}, "inspector_errors");
  auto inspector = quarry::inspect(engine);
  CHECK_THROWS_AS(inspector.table("no_such_table"), quarry::NoSuchTableError);
  CHECK_THROWS_WITH(inspector.columns("no_such_table"), Catch::Contains("no_such_table"));
  CHECK_THROWS_WITH(inspector.table_names("no_such_schema"), Catch::Contains("no schema 'no_such_schema'"));
  quarry::reflect_options options;
  options.only = {"missing_one"};
  CHECK_THROWS_AS(inspector.tables(options), quarry::NoSuchTableError);
  quarry::MetaData metadata;
  CHECK_THROWS_AS(metadata.reflect(engine, options), quarry::NoSuchTableError);
  CHECK(metadata.tables().empty());
  CHECK_THROWS_AS(metadata.table("missing_one"), quarry::NoSuchTableError);

  // A URL that cannot connect: the driver's OperationalError, on first use.
  auto nowhere = quarry::create_engine(quarry_test::is_postgresql()
                                           ? "postgresql://nobody:x@127.0.0.1:1/none"
                                           : "sqlite:///no_such_dir/sub/x.db");
  CHECK_THROWS_AS(quarry::inspect(nowhere).table_names(), quarry::OperationalError);
}

TEST_CASE("SQLite: an attached database is a schema of its own", "[reflect]") {
  if (!quarry_test::is_sqlite()) return;
  auto engine = quarry_test::make_engine({}, "inspector_attach");
  auto conn = engine.connect();
  std::remove("quarry_attached_extra.db");
  conn.exec_driver_sql("ATTACH DATABASE 'quarry_attached_extra.db' AS extra");
  conn.exec_driver_sql("CREATE TABLE extra.gadget (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  conn.exec_driver_sql("CREATE TABLE widget (id INTEGER PRIMARY KEY)");
  auto inspector = quarry::inspect(conn);
  auto schemas = inspector.schema_names();
  CHECK(std::find(schemas.begin(), schemas.end(), "extra") != schemas.end());
  CHECK(inspector.table_names("extra") == std::vector<std::string>{"gadget"});
  CHECK(inspector.table_names() == std::vector<std::string>{"widget"});
  auto gadget = inspector.table("gadget", "extra");
  CHECK(gadget.schema == "extra");
  REQUIRE(gadget.columns.size() == 2);
  CHECK_FALSE(gadget.columns[1].nullable);
  CHECK_THROWS_AS(inspector.table("gadget"), quarry::NoSuchTableError);
  // Without a rowid, an INTEGER PRIMARY KEY is an ordinary column the database does not number.
  conn.exec_driver_sql("CREATE TABLE keyed (id INTEGER PRIMARY KEY, note TEXT) WITHOUT ROWID");
  CHECK_FALSE(inspector.columns("keyed")[0].autoincrement);
  CHECK(inspector.columns("widget")[0].autoincrement);
  conn.commit();
  conn.exec_driver_sql("DETACH DATABASE extra");
}

TEST_CASE("PostgreSQL: a schema the user may not use is a ProgrammingError, as the server says", "[reflect]") {
  if (!quarry_test::is_postgresql()) return;
  auto engine = quarry_test::make_engine({}, "inspector_permission");
  auto conn = engine.connect();
  reflect_test::scratch_schema scratch(conn, "reflect_private");
  conn.exec_driver_sql("CREATE TABLE reflect_private.secret (id INTEGER PRIMARY KEY)");
  conn.exec_driver_sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'quarry_limited') THEN "
                       "CREATE ROLE quarry_limited LOGIN PASSWORD 'limited-pw'; END IF; END $$");
  conn.commit();
  auto url = quarry::make_url(quarry_test::postgresql_url());
  url.username = "quarry_limited";
  url.password = "limited-pw";
  auto limited = quarry::create_engine(url);
  auto inspector = quarry::inspect(limited);
  try {
    inspector.table_names("reflect_private");
    FAIL("reflecting a schema without USAGE did not fail");
  } catch (const quarry::ProgrammingError& e) {
    CHECK(e.sqlstate() == "42501");
    CHECK_THAT(e.what(), Catch::Contains("permission denied for schema reflect_private"));
  }
  quarry::reflect_options options;
  options.schema = "reflect_private";
  CHECK_THROWS_AS(inspector.tables(options), quarry::ProgrammingError);
  CHECK(inspector.has_schema("reflect_private"));  // that it exists is no secret: the catalog is public
  conn.exec_driver_sql("GRANT USAGE ON SCHEMA reflect_private TO quarry_limited");
  conn.commit();
  CHECK(inspector.table_names("reflect_private") == std::vector<std::string>{"secret"});
  limited.dispose();
}
