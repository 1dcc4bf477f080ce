// Quarry - SQLAlchemy for C++20. MIT License.
// Every keyword the database itself lists works as a table name and a column
// name through Quarry: it is quoted where it must be.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <string>
#include <vector>

#include "backend.hpp"

using namespace quarry;

namespace {
std::vector<std::string> database_keywords(Connection& conn) {
  std::vector<std::string> words;
  if (quarry_test::is_postgresql()) return conn.execute(text("SELECT word FROM pg_get_keywords() ORDER BY word")).scalars<std::string>();
  for (int i = 0; i < sqlite3_keyword_count(); ++i) {
    const char* name = nullptr;
    int size = 0;
    sqlite3_keyword_name(i, &name, &size);
    std::string word(name, static_cast<std::size_t>(size));
    for (auto& c : word) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    words.push_back(word);
  }
  return words;
}
}  // namespace

TEST_CASE("every keyword of the database names a table and a column", "[dialect][keywords]") {
  auto engine = quarry_test::make_engine({}, "keywords");
  auto conn = engine.connect();
  auto words = database_keywords(conn);
  conn.rollback();
  // On the shared PostgreSQL database, a schema of its own: other suites' tables have keyword names too.
  if (quarry_test::is_postgresql()) {
    conn.exec_driver_sql("DROP SCHEMA IF EXISTS quarry_keywords CASCADE");
    conn.exec_driver_sql("CREATE SCHEMA quarry_keywords");
    conn.commit();
  }
  // PostgreSQL 15 lists 460 keywords, SQLite 3.40 147.
  CHECK(words.size() > (quarry_test::is_postgresql() ? 400u : 140u));
  std::vector<std::string> failed;
  for (auto& word : words) {
    table_info info;
    info.name = word;
    info.columns.push_back(column_info::named("id", sql_type::of(sql_type_kind::big_integer), false));
    auto column = column_info::named(word, sql_type::of(sql_type_kind::integer));
    column.index = true;
    info.columns.push_back(column);
    info.primary_key = {"id"};
    Table t(info);
    MetaData m;
    m.add(t);
    try {
      if (quarry_test::is_postgresql()) conn.exec_driver_sql("SET LOCAL search_path TO quarry_keywords");
      m.create_all(conn, false);
      conn.execute(insert(t).values(t["id"] = 1, t[word] = 2));
      auto found = conn.execute(select(t[word], func::count(t["id"]).label(word)).where(t[word] == 2).group_by(t[word]).order_by(t[word])).all();
      auto sub = select(t[word]).where(t[word] > 0).subquery(word);
      auto via_subquery = conn.execute(select(func::count()).select_from(sub)).scalar();
      conn.execute(update(t).where(t[word] == 2).values(t[word] = 3));
      auto updated = conn.execute(select(t[word])).scalar();
      conn.execute(delete_(t).where(t[word] == 3));
      auto left = conn.execute(select(func::count()).select_from(t)).scalar();
      if (found.size() != 1 || via_subquery != 1 || updated.ref().as_int64() != 3 || left != 0) failed.push_back(word + ": wrong rows");
    } catch (const Error& e) {
      failed.push_back(word + ": " + e.what());
    }
    conn.rollback();
  }
  for (auto& f : failed) UNSCOPED_INFO(f);
  CHECK(failed.empty());
  if (quarry_test::is_postgresql()) {
    conn.exec_driver_sql("DROP SCHEMA quarry_keywords");
    conn.commit();
  }
}

TEST_CASE("names longer than PostgreSQL keeps are refused, and generated ones are shortened apart", "[dialect][identifiers]") {
  auto engine = quarry_test::make_engine({}, "identifiers");
  auto conn = engine.connect();
  auto make_table = [](std::string name, std::string column) {
    table_info info;
    info.name = std::move(name);
    info.columns.push_back(column_info::named("id", sql_type::of(sql_type_kind::big_integer), false));
    auto indexed = column_info::named(std::move(column), sql_type::of(sql_type_kind::integer));
    indexed.index = true;
    info.columns.push_back(indexed);
    info.primary_key = {"id"};
    return Table(info);
  };
  const std::string longest(63, 't');                     // what PostgreSQL keeps whole
  const std::string column_a(40, 'c'), column_b = std::string(39, 'c') + "d";  // index names collide when truncated
  auto fits = make_table(longest, column_a);
  auto also = make_table(std::string(62, 't') + "u", column_b);
  MetaData m;
  m.add(fits);
  m.add(also);
  m.drop_all(conn);
  m.create_all(conn);
  conn.execute(insert(fits).values(fits["id"] = 1, fits[column_a] = 5));
  CHECK(conn.execute(select(fits[column_a])).scalar().ref().as_int64() == 5);
  if (quarry_test::is_postgresql()) {
    // Both index names ran past 63 bytes and still differ.
    auto names = conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_ttt%' ORDER BY indexname")).scalars<std::string>();
    REQUIRE(names.size() == 2);
    CHECK(names[0] != names[1]);
    CHECK(names[0].size() <= 63);
    auto too_long = make_table(std::string(64, 't'), "n");
    MetaData bad;
    bad.add(too_long);
    CHECK_THROWS_AS(bad.create_all(conn), IdentifierError);
    CHECK_THROWS_WITH(conn.execute(select(too_long["n"])), Catch::Contains("is 64 bytes long"));
    auto long_column = make_table("short_name", std::string(64, 'c'));
    CHECK_THROWS_AS(conn.execute(select(long_column[std::string(64, 'c')])), IdentifierError);
  } else {
    // SQLite keeps names of any length.
    auto roomy = make_table(std::string(200, 't'), std::string(200, 'c'));
    MetaData more;
    more.add(roomy);
    more.create_all(conn);
    CHECK(conn.execute(select(func::count()).select_from(roomy)).scalar() == 0);
    more.drop_all(conn);
  }
  conn.rollback();
  m.drop_all(conn);
  conn.commit();
}
