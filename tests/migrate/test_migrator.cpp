// Quarry - SQLAlchemy for C++20. MIT License.
// Migrations against real databases: revisions up and down, relative targets,
// branches and merges, stamp, offline SQL, a revision that fails halfway, and
// the operations each revision uses.
#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include <quarry/core.hpp>
#include <quarry/dialect/postgresql/dialect.hpp>
#include <quarry/dialect/sqlite/dialect.hpp>
#include <quarry/migrate.hpp>

#include "backend.hpp"
#include "migrate_support.hpp"
#include "stored_files.hpp"

namespace {

namespace mg = quarry::migrate;

std::vector<mg::revision> shop_revisions() {
  return {
      {.id = "1a0000000001",
       .down_revisions = {},
       .message = "create customer",
       .upgrade =
           [](mg::operations& op) {
             op.create_table("customer", {mg::column("id", mg::Integer).primary_key(),
                                          mg::column("name", mg::String(50)).not_null(),
                                          mg::column("email", mg::String(120)).unique()});
           },
       .downgrade = [](mg::operations& op) { op.drop_table("customer"); }},
      {.id = "2b0000000002",
       .down_revisions = {"1a0000000001"},
       .message = "add a tier, filled in for everyone",
       .upgrade =
           [](mg::operations& op) {
             op.add_column("customer", mg::column("tier", mg::String(10)).server_default("'basic'"));
             op.bulk_insert("customer", {"id", "name", "tier"}, {{1, "it's ada", "gold"}, {2, "bob", nullptr}});
           },
       .downgrade =
           [](mg::operations& op) {
             op.execute("DELETE FROM customer");
             op.drop_column("customer", "tier");
           }},
      {.id = "3c0000000003",
       .down_revisions = {"2b0000000002"},
       .message = "index the names",
       .upgrade = [](mg::operations& op) { op.create_index("ix_customer_name", "customer", {"name"}); },
       .downgrade = [](mg::operations& op) { op.drop_index("ix_customer_name"); }},
  };
}

bool has_index(quarry::Engine& engine, const std::string& name) {
  auto conn = engine.connect();
  std::string sql = quarry_test::is_postgresql() ? "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1"
                                                 : "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?";
  return conn.exec_driver_sql(sql, {name}).scalar<std::int64_t>() == 1;
}

}  // namespace

TEST_CASE("upgrade to head, down by one, to base, and up by two", "[migrations]") {
  quarry_test::scratch_database db("migrate_linear");
  mg::migrator m(db.engine, shop_revisions());
  CHECK(m.current().empty());
  CHECK(m.heads() == std::vector<std::string>{"3c0000000003"});

  CHECK(m.upgrade() == std::vector<std::string>{"1a0000000001", "2b0000000002", "3c0000000003"});
  CHECK(m.current() == std::vector<std::string>{"3c0000000003"});
  CHECK(has_index(db.engine, "ix_customer_name"));
  {
    auto conn = db.engine.connect();
    auto tiers = conn.execute(quarry::text("SELECT name, tier FROM customer ORDER BY id")).all<std::tuple<std::string, std::optional<std::string>>>();
    REQUIRE(tiers.size() == 2);
    CHECK(std::get<0>(tiers[0]) == "it's ada");
    CHECK(std::get<1>(tiers[0]) == "gold");
    CHECK(std::get<1>(tiers[1]) == std::nullopt);  // an explicit NULL, not the default
  }
  CHECK(m.upgrade().empty());  // nothing left to do

  CHECK(m.downgrade("-1") == std::vector<std::string>{"3c0000000003"});
  CHECK_FALSE(has_index(db.engine, "ix_customer_name"));
  CHECK(m.current() == std::vector<std::string>{"2b0000000002"});
  CHECK(m.downgrade("base") == std::vector<std::string>{"2b0000000002", "1a0000000001"});
  CHECK_FALSE(db.has_table("customer"));
  CHECK(m.current().empty());

  CHECK(m.upgrade("+2") == std::vector<std::string>{"1a0000000001", "2b0000000002"});
  CHECK(m.upgrade("3c") == std::vector<std::string>{"3c0000000003"});  // an id prefix
  CHECK(m.downgrade("1a0000000001") == std::vector<std::string>{"3c0000000003", "2b0000000002"});
  CHECK(db.has_table("customer"));

  auto history = m.history();
  REQUIRE(history.size() == 3);
  CHECK(history[0].id == "3c0000000003");
  CHECK(history[0].head);
  CHECK_FALSE(history[0].applied);
  CHECK(history[2].applied);
  CHECK(history[2].message == "create customer");

  CHECK_THROWS_AS(m.upgrade("+5"), mg::CommandError);
  CHECK_THROWS_AS(m.downgrade("3c0000000003"), mg::CommandError);  // not applied
  CHECK_THROWS_WITH(m.upgrade("ffff"), Catch::Contains("no revision 'ffff'"));
}

TEST_CASE("a revision that fails halfway leaves the schema and the version table as they were", "[migrations]") {
  quarry_test::scratch_database db("migrate_failure");
  auto revisions = shop_revisions();
  revisions.push_back({.id = "4d0000000004",
                       .down_revisions = {"3c0000000003"},
                       .message = "breaks in the middle",
                       .upgrade =
                           [](mg::operations& op) {
                             op.create_table("coupon", {mg::column("code", mg::String(20)).primary_key()});
                             op.add_column("customer", mg::column("coupon_code", mg::String(20)));
                             op.execute("INSERT INTO no_such_table VALUES (1)");
                           },
                       .downgrade = [](mg::operations& op) { op.drop_table("coupon"); }});
  // An engine in AUTOCOMMIT too: the migrator makes its own transactions.
  auto autocommit = quarry::create_engine(db.url, {.isolation_level = quarry::isolation_level::autocommit});
  mg::migrator m(autocommit, revisions);
  CHECK_THROWS_AS(m.upgrade(), quarry::DBAPIError);
  CHECK(m.current() == std::vector<std::string>{"3c0000000003"});  // the three before it stay applied
  CHECK_FALSE(db.has_table("coupon"));
  auto conn = db.engine.connect();
  CHECK_THROWS_AS(conn.exec_driver_sql("SELECT coupon_code FROM customer"), quarry::DBAPIError);
}

TEST_CASE("branches need a merge (or 'heads') before upgrading to head", "[migrations]") {
  quarry_test::scratch_database db("migrate_branches");
  auto revisions = shop_revisions();
  revisions.push_back({.id = "b1aaaaaaaaaa", .down_revisions = {"3c0000000003"}, .message = "branch a",
                       .upgrade = [](mg::operations& op) { op.create_table("alpha", {mg::column("id", mg::Integer).primary_key()}); },
                       .downgrade = [](mg::operations& op) { op.drop_table("alpha"); }});
  revisions.push_back({.id = "b2bbbbbbbbbb", .down_revisions = {"3c0000000003"}, .message = "branch b",
                       .upgrade = [](mg::operations& op) { op.create_table("beta", {mg::column("id", mg::Integer).primary_key()}); },
                       .downgrade = [](mg::operations& op) { op.drop_table("beta"); }});
  {
    mg::migrator m(db.engine, revisions);
    CHECK(m.heads() == std::vector<std::string>{"b1aaaaaaaaaa", "b2bbbbbbbbbb"});
    CHECK(m.branches() == std::vector<std::string>{"3c0000000003"});
    CHECK_THROWS_WITH(m.upgrade("head"), Catch::Contains("several heads (b1aaaaaaaaaa, b2bbbbbbbbbb)"));
    CHECK(m.current().empty());
    CHECK(m.upgrade("b1").back() == "b1aaaaaaaaaa");
    CHECK(m.upgrade("heads") == std::vector<std::string>{"b2bbbbbbbbbb"});
    CHECK(m.current() == std::vector<std::string>{"b1aaaaaaaaaa", "b2bbbbbbbbbb"});
    CHECK_THROWS_WITH(m.upgrade("b"), Catch::Contains("could be any of the revisions"));
  }
  revisions.push_back({.id = "c3cccccccccc", .down_revisions = {"b1aaaaaaaaaa", "b2bbbbbbbbbb"}, .message = "merge"});
  mg::migrator merged(db.engine, revisions);
  CHECK(merged.heads() == std::vector<std::string>{"c3cccccccccc"});
  CHECK(merged.upgrade() == std::vector<std::string>{"c3cccccccccc"});
  CHECK(merged.current() == std::vector<std::string>{"c3cccccccccc"});
  CHECK(merged.downgrade("b1aaaaaaaaaa") == std::vector<std::string>{"c3cccccccccc", "b2bbbbbbbbbb"});
  CHECK(db.has_table("alpha"));
  CHECK_FALSE(db.has_table("beta"));
}

TEST_CASE("a version table from before checksums gets its checksum column; its revisions count as unchanged",
          "[migrations]") {
  quarry_test::scratch_database db("migrate_old_table");
  {
    auto conn = db.engine.connect();
    conn.exec_driver_sql("CREATE TABLE quarry_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY, "
                         "applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)");
    conn.exec_driver_sql("INSERT INTO quarry_version (version_num) VALUES ('1a0000000001')");
    mg::operations op(conn);
    shop_revisions()[0].upgrade(op);  // what that revision made
    conn.commit();
  }
  mg::migrator m(db.engine, shop_revisions());
  CHECK(m.current() == std::vector<std::string>{"1a0000000001"});  // read without the column
  CHECK(m.changed().empty());
  CHECK(m.upgrade("+1") == std::vector<std::string>{"2b0000000002"});
  auto history = m.history();
  REQUIRE(history.size() == 3);
  CHECK(history[1].applied);
  CHECK_FALSE(history[1].changed);
}

TEST_CASE("stamp marks a revision applied without running it; unknown applied revisions are refused", "[migrations]") {
  quarry_test::scratch_database db("migrate_stamp");
  mg::migrator m(db.engine, shop_revisions());
  m.stamp("2b0000000002");
  CHECK(m.current() == std::vector<std::string>{"2b0000000002"});
  CHECK(m.applied().size() == 2);
  CHECK_FALSE(db.has_table("customer"));
  m.stamp("base");
  CHECK(m.current().empty());
  {
    auto conn = db.engine.connect();
    conn.exec_driver_sql("INSERT INTO quarry_version (version_num) VALUES ('deadbeef0000')");
    conn.commit();
  }
  CHECK_THROWS_WITH(m.current(), Catch::Contains("'deadbeef0000', which this program does not have"));
}

TEST_CASE("offline: the SQL of a range of revisions, version table included, for the dialect", "[migrations]") {
  quarry_test::scratch_database db("migrate_offline");
  mg::migrator m(db.engine, shop_revisions());
  auto sql = m.upgrade_sql();
  bool pg = quarry_test::is_postgresql();
  CHECK(sql.find("BEGIN;") == 0);
  CHECK(sql.find("CREATE TABLE IF NOT EXISTS quarry_version") != std::string::npos);
  CHECK(sql.find(std::string("CREATE TABLE customer (id ") + (pg ? "INTEGER GENERATED BY DEFAULT AS IDENTITY" : "INTEGER") + " NOT NULL, name VARCHAR(50) NOT NULL") !=
        std::string::npos);
  CHECK(sql.find("-- Running upgrade 1a0000000001 -> 2b0000000002, add a tier, filled in for everyone") != std::string::npos);
  CHECK(sql.find("VALUES (1, 'it''s ada', 'gold')") != std::string::npos);  // values as literals, quotes doubled
  CHECK(sql.find("VALUES (2, 'bob', NULL)") != std::string::npos);
  CHECK(sql.find("INSERT INTO quarry_version (version_num, checksum) VALUES ('3c0000000003', '" +
                 mg::revision_checksum(shop_revisions()[2], db.engine.dialect()) + "')") != std::string::npos);
  CHECK((sql.find("SET LOCAL lock_timeout = '10000ms';") != std::string::npos) == pg);
  CHECK(sql.rfind("COMMIT;\n") == sql.size() - 8);
  auto partial = m.upgrade_sql("head", "2b0000000002");
  CHECK(partial.find("CREATE TABLE customer") == std::string::npos);
  CHECK(partial.find("CREATE INDEX ix_customer_name ON customer (name)") != std::string::npos);
  auto down = m.downgrade_sql("base");
  CHECK(down.find("DROP INDEX ix_customer_name") < down.find("DROP TABLE customer"));
  CHECK(down.find("DELETE FROM quarry_version WHERE version_num = '1a0000000001'") != std::string::npos);
  CHECK_FALSE(db.has_table("customer"));  // nothing ran
  // A Core statement's values become literals; what looks like a placeholder inside a string stays as it is.
  mg::operations offline(db.engine.dialect());
  auto customer = mg::table("customer", {mg::column("name", mg::Text), mg::column("tier", mg::Text)});
  offline.execute(quarry::update(customer)
                      .where(customer["name"] == std::string("it's '?' $1"))
                      .values(customer["tier"] = std::string("gold")));
  CHECK(offline.script().back() == "UPDATE customer SET tier = 'gold' WHERE customer.name = 'it''s ''?'' $1'");
  // A data migration that reads cannot be written out.
  auto revisions = shop_revisions();
  revisions[1].upgrade = [](mg::operations& op) { op.connection().exec_driver_sql("SELECT 1"); };
  CHECK_THROWS_AS(mg::migrator(db.engine, revisions).upgrade_sql(), quarry::InvalidRequestError);
}

TEST_CASE("checksums: an applied revision that changed is reported, refused by upgrade, and accepted with force",
          "[migrations]") {
  quarry_test::scratch_database db("migrate_checksum");
  auto revisions = shop_revisions();
  mg::migrator(db.engine, revisions).upgrade("2b0000000002");
  auto sum = mg::revision_checksum(revisions[1], db.engine.dialect());
  CHECK(sum.size() == 16);
  CHECK(sum == mg::revision_checksum(shop_revisions()[1], db.engine.dialect()));  // the same steps, the same sum
  CHECK(sum != mg::revision_checksum(revisions[0], db.engine.dialect()));
  // A SQLite batch cannot be written out, but its changes still count.
  auto batch = [](std::string column) {
    return mg::revision{.id = "f00000000001", .upgrade = [column](mg::operations& op) {
                          op.batch_alter_table("customer", [column](mg::batch_operations& b) {
                            b.alter_column(column, {.nullable = false});
                          });
                        }};
  };
  quarry::sqlite::dialect sqlite;
  CHECK(mg::revision_checksum(batch("name"), sqlite) != mg::revision_checksum(batch("email"), sqlite));

  revisions[1].upgrade = [](mg::operations& op) {  // edited after it ran
    op.add_column("customer", mg::column("tier", mg::String(12)).server_default("'basic'"));
  };
  mg::migrator edited(db.engine, revisions);
  CHECK(edited.changed() == std::vector<std::string>{"2b0000000002"});
  auto history = edited.history();
  REQUIRE(history.size() == 3);
  CHECK(history[1].changed);
  CHECK_FALSE(history[2].changed);
  CHECK(history[1].checksum != sum);
  CHECK_THROWS_WITH(edited.upgrade(), Catch::Contains("changed since they ran: 2b0000000002 (add a tier"));
  CHECK(edited.current() == std::vector<std::string>{"2b0000000002"});  // refused before anything ran

  mg::migrator forced(db.engine, revisions, {.force = true});
  CHECK(forced.upgrade() == std::vector<std::string>{"3c0000000003"});
  CHECK(edited.changed().empty());  // the new checksum is recorded
  CHECK(edited.upgrade().empty());
}

TEST_CASE("the migration lock: two processes upgrading at once apply each revision once", "[migrations]") {
  quarry_test::scratch_database db("migrate_lock");
  {
    auto conn = db.engine.connect();
    conn.exec_driver_sql("CREATE TABLE applications (revision VARCHAR(12) NOT NULL, pid INTEGER NOT NULL)");
    conn.commit();
  }
  auto slow_revision = [](std::string id, std::vector<std::string> down) {
    return mg::revision{.id = id, .down_revisions = std::move(down), .message = "slow",
                        .upgrade = [id](mg::operations& op) {
                          if (op.offline()) return;
                          op.bulk_insert("applications", {"revision", "pid"}, {{id, static_cast<std::int64_t>(::getpid())}});
                          std::this_thread::sleep_for(std::chrono::milliseconds(300));
                        }};
  };
  std::vector<mg::revision> revisions{slow_revision("51000000000a", {}), slow_revision("52000000000b", {"51000000000a"})};
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // a second process with an engine of its own; its outcome is its exit status
    int status = 1;
    try {
      mg::migrator(quarry::create_engine(db.url), revisions).upgrade();
      status = 0;
    } catch (...) {
      status = 3;
    }
    ::_exit(status);
  }
  mg::migrator(db.engine, revisions).upgrade();
  int status = -1;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  auto conn = db.engine.connect();
  auto rows = conn.exec_driver_sql("SELECT revision, COUNT(*) FROM applications GROUP BY revision ORDER BY revision")
                  .all<std::tuple<std::string, std::int64_t>>();
  REQUIRE(rows.size() == 2);
  CHECK(std::get<1>(rows[0]) == 1);
  CHECK(std::get<1>(rows[1]) == 1);
  CHECK(mg::migrator(db.engine, revisions).current() == std::vector<std::string>{"52000000000b"});
}

TEST_CASE("the revision graph refuses duplicates, unknown parents and cycles; ids look like Alembic's", "[migrations]") {
  using revisions = std::vector<mg::revision>;
  CHECK_THROWS_WITH(mg::revision_graph(revisions{{.id = "a"}, {.id = "a"}}), Catch::Contains("two revisions have the id 'a'"));
  CHECK_THROWS_WITH(mg::revision_graph(revisions{{.id = "a", .down_revisions = {"zz"}}}),
                    Catch::Contains("'zz', which is not a known revision"));
  CHECK_THROWS_WITH(mg::revision_graph(revisions{{.id = "a", .down_revisions = {"b"}}, {.id = "b", .down_revisions = {"a"}}}),
                    Catch::Contains("cycle"));
  CHECK_THROWS_AS(mg::revision_graph(revisions{{.id = ""}}), mg::CommandError);
  auto id = mg::new_revision_id();
  CHECK(id.size() == 12);
  CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(mg::new_revision_id() != id);
}

TEST_CASE("alter_column, constraints and enum types: PostgreSQL runs them, SQLite refuses what it cannot do", "[migrations]") {
  quarry_test::scratch_database db("migrate_alter");
  bool pg = quarry_test::is_postgresql();
  auto revisions = shop_revisions();
  revisions.push_back({.id = "5e0000000005",
                       .down_revisions = {"3c0000000003"},
                       .message = "rename a column",
                       .upgrade = [](mg::operations& op) { op.alter_column("customer", "name", {.new_name = "full_name"}); },
                       .downgrade = [](mg::operations& op) { op.rename_column("customer", "full_name", "name"); }});
  mg::migrator m(db.engine, revisions);
  m.upgrade();
  auto conn = db.engine.connect();
  CHECK(conn.exec_driver_sql("SELECT full_name FROM customer WHERE id = 1").scalar<std::string>() == "it's ada");
  conn.commit();

  mg::operations op(conn);
  if (!pg) {
    CHECK_THROWS_WITH(op.alter_column("customer", "tier", {.nullable = false}), Catch::Contains("batch mode"));
    CHECK_THROWS_AS(op.create_unique_constraint("uq_x", "customer", {"tier"}), quarry::NotSupportedError);
    CHECK_THROWS_AS(op.drop_constraint("uq_x", "customer"), quarry::NotSupportedError);
    op.create_enum("mood", {"sad", "happy"});  // nothing to create: an enum is text on SQLite
    m.downgrade("base");
    CHECK_FALSE(db.has_table("customer"));
    return;
  }
  auto tx = conn.begin();
  op.execute("UPDATE customer SET tier = 'basic' WHERE tier IS NULL");
  op.alter_column("customer", "tier", {.type = mg::String(20), .nullable = false, .server_default = "'silver'"});
  op.alter_column("customer", "id", {.type = mg::BigInteger, .using_sql = "id::bigint"});
  op.create_check_constraint("ck_customer_tier", "customer", "tier <> ''");
  op.create_unique_constraint("uq_customer_full_name", "customer", {"full_name"});
  op.create_table("voucher", {mg::column("code", mg::String(20)), mg::column("customer_id", mg::BigInteger)});
  op.create_primary_key("pk_voucher", "voucher", {"code"});
  op.create_foreign_key("fk_voucher_customer", "voucher", "customer", {"customer_id"}, {"id"}, quarry::fk_action::cascade);
  op.create_enum("mood", {"sad", "happy"});
  op.add_enum_value("mood", "ok");
  op.add_column("customer", mg::column("feeling", quarry::sql_type::custom("mood")));
  tx.commit();
  CHECK(conn.exec_driver_sql("SELECT data_type || ':' || is_nullable || ':' || column_default FROM information_schema.columns "
                             "WHERE table_schema = current_schema() AND table_name = 'customer' AND column_name = 'tier'")
            .scalar<std::string>() == "character varying:NO:'silver'::character varying");
  CHECK_THROWS_AS(conn.exec_driver_sql("INSERT INTO customer (id, full_name, tier) VALUES (9, 'x', '')"), quarry::IntegrityError);
  conn.rollback();
  CHECK_THROWS_AS(conn.exec_driver_sql("INSERT INTO customer (id, full_name, tier) VALUES (9, 'x', NULL)"), quarry::IntegrityError);
  conn.rollback();
  CHECK_THROWS_AS(conn.exec_driver_sql("INSERT INTO customer (id, full_name) VALUES (9, 'bob')"), quarry::IntegrityError);
  conn.rollback();
  conn.exec_driver_sql("INSERT INTO customer (id, full_name) VALUES (11, 'dee')");
  CHECK(conn.exec_driver_sql("SELECT tier FROM customer WHERE id = 11").scalar<std::string>() == "silver");
  conn.exec_driver_sql("INSERT INTO customer (id, full_name, feeling) VALUES (3, 'cy', 'ok')");
  conn.exec_driver_sql("INSERT INTO voucher VALUES ('V1', 3)");
  conn.exec_driver_sql("DELETE FROM customer WHERE id = 3");
  CHECK(conn.exec_driver_sql("SELECT count(*) FROM voucher").scalar<std::int64_t>() == 0);  // ON DELETE CASCADE
  conn.commit();
  auto undo = conn.begin();
  op.drop_constraint("fk_voucher_customer", "voucher");
  op.drop_table("voucher");
  op.drop_column("customer", "feeling");
  op.drop_enum("mood");
  op.drop_constraint("ck_customer_tier", "customer");
  undo.commit();
  conn.exec_driver_sql("INSERT INTO customer (id, full_name, tier) VALUES (9, 'x', '')");
  conn.commit();
  CHECK(m.downgrade("base").size() == 4);
  CHECK_FALSE(db.has_table("customer"));
}

TEST_CASE("batch_alter_table: SQLite rebuilds the table and keeps every constraint, rows and children; PostgreSQL alters in place",
          "[migrations]") {
  quarry_test::scratch_database db("migrate_batch");
  {
    auto conn = db.engine.connect();
    conn.exec_driver_sql("CREATE TABLE author (id INTEGER PRIMARY KEY, name VARCHAR(40), born INTEGER, "
                         "nickname TEXT, CHECK (born > 1000), CONSTRAINT uq_author_name UNIQUE (name))");
    conn.exec_driver_sql("CREATE INDEX ix_author_born ON author (born)");
    conn.exec_driver_sql("CREATE TABLE book (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES author (id) ON DELETE CASCADE)");
    conn.exec_driver_sql("INSERT INTO author VALUES (1, 'Le Guin', 1929, 'ursula'), (2, 'Lem', 1921, NULL)");
    conn.exec_driver_sql("INSERT INTO book VALUES (10, 1), (11, 2)");
    conn.commit();
  }
  std::vector<mg::revision> revisions{
      {.id = "ba0000000001",
       .message = "tighten author",
       .upgrade =
           [](mg::operations& op) {
             op.batch_alter_table("author", [](mg::batch_operations& batch) {
               batch.alter_column("name", {.type = mg::String(80), .nullable = false});
               batch.alter_column("born", {.new_name = "born_in"});
               batch.drop_column("nickname");
               batch.create_check_constraint("ck_author_name", "length(name) > 1");
             });
           }},
      {.id = "ba0000000002",
       .down_revisions = {"ba0000000001"},
       .message = "a foreign key no row satisfies",
       .upgrade =
           [](mg::operations& op) {
             op.batch_alter_table("book", [](mg::batch_operations& batch) {
               batch.add_column(mg::column("editor_id", mg::Integer).server_default("99"));
               batch.create_foreign_key("fk_book_editor", "author", {"editor_id"}, {"id"});
             });
           }},
  };
  mg::migrator m(db.engine, revisions);
  CHECK(m.upgrade("ba0000000001").size() == 1);
  auto conn = db.engine.connect();
  // The rows, and the children that point at them, are all there.
  CHECK(conn.exec_driver_sql("SELECT name || ':' || born_in FROM author ORDER BY id").scalars<std::string>() ==
        std::vector<std::string>{"Le Guin:1929", "Lem:1921"});
  CHECK(conn.exec_driver_sql("SELECT count(*) FROM book").scalar<std::int64_t>() == 2);
  CHECK_THROWS_AS(conn.exec_driver_sql("SELECT nickname FROM author"), quarry::DBAPIError);
  conn.rollback();
  // The unnamed CHECK survived (Alembic drops it), so did the named unique; the new ones are in.
  CHECK_THROWS_AS(conn.exec_driver_sql("INSERT INTO author (id, name, born_in) VALUES (3, 'Zed', 999)"), quarry::IntegrityError);
  conn.rollback();
  CHECK_THROWS_AS(conn.exec_driver_sql("INSERT INTO author (id, name, born_in) VALUES (3, 'Lem', 1999)"), quarry::IntegrityError);
  conn.rollback();
  CHECK_THROWS_AS(conn.exec_driver_sql("INSERT INTO author (id, name, born_in) VALUES (3, 'Z', 1999)"), quarry::IntegrityError);
  conn.rollback();
  CHECK_THROWS_AS(conn.exec_driver_sql("INSERT INTO author (id, name, born_in) VALUES (3, NULL, 1999)"), quarry::IntegrityError);
  conn.rollback();
  CHECK(has_index(db.engine, "ix_author_born"));
  // The foreign key from book still holds, cascade included.
  conn.exec_driver_sql("DELETE FROM author WHERE id = 2");
  CHECK(conn.exec_driver_sql("SELECT count(*) FROM book").scalar<std::int64_t>() == 1);
  conn.commit();

  // A revision whose new foreign key no row satisfies fails, and leaves book as it was.
  CHECK_THROWS_AS(m.upgrade(), quarry::IntegrityError);
  CHECK(m.current() == std::vector<std::string>{"ba0000000001"});
  CHECK_THROWS_AS(conn.exec_driver_sql("SELECT editor_id FROM book"), quarry::DBAPIError);
  conn.rollback();
  CHECK(conn.exec_driver_sql("SELECT count(*) FROM book").scalar<std::int64_t>() == 1);
}

namespace {
// Runs the command-line tool in-process: its exit status and what it wrote.
struct tool_run {
  int status;
  std::string out;
  std::string err;
};
tool_run run_tool(std::vector<std::string> args, mg::command_config config) {
  std::ostringstream out, err;
  config.out = &out;
  config.err = &err;
  args.insert(args.begin(), "migrate");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  int status = mg::main(static_cast<int>(argv.size()), argv.data(), config);
  return {status, out.str(), err.str()};
}
}  // namespace

TEST_CASE("the command line: verbs, exit codes, merge and branch files, check", "[migrations]") {
  quarry_test::scratch_database db("migrate_cli");
  auto revisions = shop_revisions();
  revisions.push_back({.id = "b1aaaaaaaaaa", .down_revisions = {"3c0000000003"}, .message = "branch a"});
  revisions.push_back({.id = "b2bbbbbbbbbb", .down_revisions = {"3c0000000003"}, .message = "branch b"});
  std::filesystem::remove_all("cli_versions");
  mg::command_config config{.url = db.url,
                            .versions_directory = "cli_versions",
                            .models = [] { return quarry::MetaData{}; },  // a program with no models
                            .revisions = revisions};

  auto usage = run_tool({}, config);
  CHECK(usage.status == 2);
  CHECK(usage.err.find("no command given") != std::string::npos);
  CHECK(run_tool({"upgrade", "--bogus"}, config).status == 2);
  CHECK(run_tool({"frobnicate"}, config).err.find("unknown command 'frobnicate'") != std::string::npos);
  auto no_url = config;
  no_url.url.clear();
  no_url.url_variable = "QUARRY_TEST_NO_SUCH_VARIABLE";
  CHECK(run_tool({"current"}, no_url).err.find("no database URL") != std::string::npos);

  auto several = run_tool({"upgrade", "head"}, config);
  CHECK(several.status == 1);
  CHECK(several.err.find("several heads (b1aaaaaaaaaa, b2bbbbbbbbbb)") != std::string::npos);
  CHECK(run_tool({"branches"}, config).out == "3c0000000003 (branchpoint) -> b1aaaaaaaaaa, b2bbbbbbbbbb\n");
  CHECK(run_tool({"revision", "-m", "next"}, config).err.find("several heads") != std::string::npos);

  auto merge = run_tool({"merge", "-m", "Join the branches!", "heads", "--rev-id", "c3cccccccccc"}, config);
  CHECK(merge.status == 0);
  auto merge_file = quarry_test::read_file("cli_versions/c3cccccccccc_join_the_branches.cpp");
  CHECK(merge_file.find(".down_revisions = {\"b1aaaaaaaaaa\", \"b2bbbbbbbbbb\"}") != std::string::npos);
  CHECK(merge_file.find("[](mg::operations&) {") != std::string::npos);  // nothing to do, and no unused parameter

  CHECK(run_tool({"upgrade", "heads"}, config).out.find("upgraded 3c0000000003 -> b2bbbbbbbbbb, branch b") != std::string::npos);
  auto check = run_tool({"check"}, config);
  CHECK(check.status == 1);  // the revisions' tables are not the program's models
  CHECK(check.out.find("differs: drop table 'customer'") != std::string::npos);
  CHECK(run_tool({"downgrade", "base"}, config).status == 0);
  auto behind = run_tool({"check"}, config);
  CHECK(behind.status == 1);
  CHECK(behind.out.find("the database is at <base>, not at the head (b1aaaaaaaaaa, b2bbbbbbbbbb)") != std::string::npos);

  auto changed = config;
  changed.revisions.resize(1);
  CHECK(run_tool({"upgrade"}, changed).status == 0);
  changed.revisions[0].downgrade = [](mg::operations& op) { op.execute("DROP TABLE IF EXISTS customer"); };
  CHECK(run_tool({"history"}, changed).out.find("create customer [applied, CHANGED since]") != std::string::npos);
  CHECK(run_tool({"check"}, changed).out.find("revision 1a0000000001 changed since it was applied") != std::string::npos);
  CHECK(run_tool({"upgrade"}, changed).status == 1);
  CHECK(run_tool({"upgrade", "--force"}, changed).status == 0);
  CHECK(run_tool({"history"}, changed).out.find("create customer [applied]") != std::string::npos);

  auto bad_id = run_tool({"revision", "-m", "x", "--rev-id", "../escaped"}, changed);
  CHECK(bad_id.status == 1);
  CHECK(bad_id.err.find("cannot be a revision id") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists("escaped_x.cpp"));

  quarry_test::scratch_database custom("migrate_cli_custom");
  mg::command_config own_table{.url = custom.url,
                               .models = [] { return quarry::MetaData{}; },
                               .revisions = {{.id = "f10000000001"}},
                               .options = {.version_table = "schema_migrations"}};
  CHECK(run_tool({"upgrade"}, own_table).status == 0);
  auto own_check = run_tool({"check"}, own_table);
  CHECK(own_check.out == "no differences: the database is at the head and matches the models\n");  // its version table is not a difference
  CHECK(own_check.status == 0);

  std::filesystem::remove_all("cli_init");
  auto init = run_tool({"init", "cli_init/versions/"}, config);
  CHECK(init.status == 0);
  CHECK(std::filesystem::is_directory("cli_init/versions"));
  CHECK(quarry_test::read_file("cli_init/migrate.cpp").find("quarry::migrate::main(argc, argv") != std::string::npos);
  CHECK(mg::revision_file_name("1975ea83b712", "Add a tier -- for everyone!") == "1975ea83b712_add_a_tier_for_everyone.cpp");
}

TEST_CASE("the PostgreSQL lint names each risky statement with its safer form; SQLite has nothing to report",
          "[migrations]") {
  mg::revision risky{
      .id = "d10000000001",
      .message = "risky",
      .upgrade = [](mg::operations& op) {
        op.create_table("fresh", {mg::column("id", mg::Integer).primary_key(), mg::column("x", mg::Integer)});
        op.create_index("ix_fresh_x", "fresh", {"x"});  // a new table: empty, nothing to lock
        op.create_index("ix_customer_tier", "customer", {"tier"});
        op.create_index_concurrently("ix_customer_email", "customer", {"email"});
        op.add_column("customer", mg::column("code", mg::Integer).not_null());
        op.add_column("customer", mg::column("level", mg::Integer).not_null().server_default("1"));
        op.alter_column("customer", "name", {.type = mg::String(80)});
        op.alter_column("customer", "tier", {.nullable = false});
        op.create_foreign_key("fk_customer_level", "customer", "fresh", {"level"}, {"id"});
        op.create_check_constraint("ck_customer_level", "customer", "level > 0", true);
        op.create_unique_constraint("uq_customer_code", "customer", {"code"});
        op.drop_column("customer", "email");
        op.rename_column("customer", "tier", "rank");
        op.drop_table("legacy");
      }};
  auto warnings = mg::lint_revision(risky, quarry::postgresql::dialect{});
  std::vector<mg::lint_kind> kinds;
  for (auto& w : warnings) kinds.push_back(w.kind);
  using k = mg::lint_kind;
  CHECK(kinds == std::vector<mg::lint_kind>{k::index_without_concurrently, k::not_null_without_default, k::type_change,
                                            k::set_not_null, k::constraint_without_not_valid, k::unique_in_place,
                                            k::drop_column, k::rename, k::drop_table});
  REQUIRE_FALSE(warnings.empty());
  CHECK(warnings[0].statement == "CREATE INDEX ix_customer_tier ON customer (tier)");
  CHECK(warnings[0].revision == "d10000000001");
  CHECK(warnings[0].safer.find("create_index_concurrently") != std::string::npos);
  CHECK(mg::lint_revision(risky, quarry::sqlite::dialect{}).empty());
}

TEST_CASE("CREATE INDEX CONCURRENTLY runs outside the revision's transaction; NOT VALID and VALIDATE; lock_timeout",
          "[migrations]") {
  quarry_test::scratch_database db("migrate_concurrently");
  bool pg = quarry_test::is_postgresql();
  std::string timeout;
  auto revisions = shop_revisions();
  revisions.push_back({.id = "e10000000001",
                       .down_revisions = {"3c0000000003"},
                       .message = "an index built concurrently",
                       .upgrade =
                           [&](mg::operations& op) {
                             op.add_column("customer", mg::column("score", mg::Integer));
                             op.create_index_concurrently("ix_customer_score", "customer", {"score"});
                             op.execute("UPDATE customer SET score = 1");
                             if (!op.offline() && pg)
                               timeout = op.connection().exec_driver_sql("SHOW lock_timeout").scalar<std::string>();
                           },
                       .downgrade =
                           [](mg::operations& op) {
                             op.drop_index_concurrently("ix_customer_score");
                             op.drop_column("customer", "score");
                           }});
  mg::migrator m(db.engine, revisions);
  auto sql = m.upgrade_sql("head", "3c0000000003");
  if (pg) {
    CHECK(sql.find("COMMIT;\n\nCREATE INDEX CONCURRENTLY ix_customer_score ON customer (score);\n\nBEGIN;\n\n"
                   "SET LOCAL lock_timeout = '10000ms';") != std::string::npos);
  } else {
    CHECK(sql.find("CREATE INDEX ix_customer_score ON customer (score);") != std::string::npos);
  }
  CHECK(m.upgrade().back() == "e10000000001");
  CHECK(has_index(db.engine, "ix_customer_score"));
  CHECK(m.current() == std::vector<std::string>{"e10000000001"});
  if (pg) CHECK(timeout == "10s");  // set again in the transaction after the concurrent step
  CHECK(m.downgrade("-1") == std::vector<std::string>{"e10000000001"});
  CHECK_FALSE(has_index(db.engine, "ix_customer_score"));

  if (!pg) return;
  auto conn = db.engine.connect();
  conn.exec_driver_sql("INSERT INTO customer (id, name) VALUES (7, 'x')");
  conn.commit();
  mg::operations op(conn);
  op.create_check_constraint("ck_customer_name", "customer", "length(name) > 3", true);  // the existing row is not checked
  conn.commit();
  CHECK_THROWS_AS(conn.exec_driver_sql("INSERT INTO customer (id, name) VALUES (8, 'y')"), quarry::IntegrityError);
  conn.rollback();
  CHECK_THROWS_AS(op.validate_constraint("ck_customer_name", "customer"), quarry::IntegrityError);
}
