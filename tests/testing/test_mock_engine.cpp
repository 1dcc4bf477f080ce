// Quarry - SQLAlchemy for C++20. MIT License.
// The mock engine (no database): recorded SQL, scripted rows through real
// Sessions and Core code, unscripted statements refused, scripted errors; the
// compiles_to and statement matchers; factories building objects.
#include <catch2/catch.hpp>

#include <quarry/testing.hpp>
#include <quarry/testing/catch2.hpp>

#include <string>
#include <vector>

#include "models.hpp"

namespace mock_engine_tests {

using namespace quarry;
using namespace testing_models;
namespace qt = quarry::testing;

namespace {
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("a mock engine records the DDL of create_all without a database", "[mock]") {
  qt::mock_engine mock("sqlite");
  MetaData metadata;
  metadata.add<Author, Book>();
  metadata.create_all(mock, false);
  auto sql = mock.sql();
  REQUIRE(sql.size() == 2);
  CHECK(sql[0].starts_with("CREATE TABLE testing_author ("));
  CHECK(sql[1].starts_with("CREATE TABLE testing_book ("));
  CHECK(contains(sql[1], "REFERENCES testing_author (id)"));
  // The whole exchange: the DDL ran in one transaction.
  auto transcript = mock.transcript();
  CHECK(transcript.front().starts_with("BEGIN"));
  CHECK(transcript.back() == "COMMIT");
}

#if defined(QUARRY_WITH_POSTGRESQL)
TEST_CASE("a mock engine speaks its dialect's SQL", "[mock]") {
  qt::mock_engine mock("postgresql");
  const auto& a = table<Author>;
  mock.on("SELECT testing_author.name FROM testing_author WHERE testing_author.id = $1").returns({{"ann"}});
  auto conn = mock.engine().connect();
  CHECK(conn.execute(select(a.name).where(a.id == 7)).scalar() == "ann");
  REQUIRE(mock.statements().size() == 1);
  CHECK(mock.statements()[0].params == std::vector<value>{7});
}
#endif

TEST_CASE("scripted rows convert to typed rows as a driver's values do", "[mock]") {
  qt::mock_engine mock;
  const auto& a = table<Author>;
  mock.on(qt::regex_sql("SELECT .* FROM testing_author WHERE testing_author.active = \\?"))
      .returns({"id", "name", "email", "active", "bio"}, {{1, "ann", "ann@example.com", 1, nullptr}, {2, "bob", "bob@example.com", 0, "writes"}});
  auto conn = mock.engine().connect();
  auto rows = conn.execute(select<Author>().where(a.active == true)).all();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].name == "ann");
  CHECK(rows[0].active);
  CHECK_FALSE(rows[0].bio.has_value());
  CHECK_FALSE(rows[1].active);
  CHECK(rows[1].bio == "writes");

  // A value the column's type cannot take fails as it would from SQLite.
  mock.on("SELECT testing_author.id FROM testing_author").returns({{"not a number"}});
  CHECK_THROWS(conn.execute(select(a.id)).all());

  // Dynamic rows keep the scripted column names.
  mock.on("SELECT name FROM testing_author WHERE active = ?").returns({"name"}, {{"ann"}});
  auto result = conn.execute(text("SELECT name FROM testing_author WHERE active = :active"), {{"active", 1}});
  CHECK(result.keys() == std::vector<std::string>{"name"});
  auto row = result.first();
  REQUIRE(row.has_value());
  CHECK((*row)[0] == value("ann"));
}

TEST_CASE("a real Session runs against scripted answers", "[mock]") {
  qt::mock_engine mock;
  mock.on("SELECT testing_author.id, testing_author.name, testing_author.email, testing_author.active, testing_author.bio "
          "FROM testing_author WHERE testing_author.id = ?")
      .returns({{3, "cy", "cy@example.com", 1, nullptr}});
  mock.on(qt::regex_sql("INSERT INTO testing_author .*")).affects(1).lastrowid(41).returns({{41}});
  mock.on(qt::regex_sql("UPDATE testing_author SET name = \\? WHERE testing_author.id = \\?", std::vector<value>{"cyril", 3})).affects(1);

  Session session(mock);
  auto cy = session.get<Author>(3);
  REQUIRE(cy);
  CHECK(cy->email == "cy@example.com");
  CHECK(session.get<Author>(3) == cy);  // the identity map answers: no second SELECT
  cy->name = "cyril";
  auto dee = session.add(Author{0, "dee", "dee@example.com", true, {}, {}});
  session.commit();
  CHECK(dee->id == 41);

  auto statements = mock.statements();
  REQUIRE(statements.size() == 3);
  CHECK(statements[0].sql.starts_with("SELECT"));
  auto transcript = mock.transcript();
  CHECK(transcript.back() == "COMMIT");
  REQUIRE_THAT(mock, qt::emits({qt::regex_sql("SELECT .*"), qt::unordered({qt::regex_sql("INSERT .*"), qt::regex_sql("UPDATE .*")})}));
}

TEST_CASE("an unscripted statement fails and names its SQL", "[mock]") {
  qt::mock_engine mock;
  Session session(mock);
  try {
    session.get<Author>(9);
    FAIL("an unscripted SELECT was answered");
  } catch (const qt::assertion_error& e) {
    CHECK(contains(e.what(), "FROM testing_author WHERE testing_author.id = ?"));
    CHECK(contains(e.what(), "(9)"));
  }
  // Not strict: unscripted statements give nothing.
  qt::mock_engine lenient("sqlite", {.strict = false});
  Session other(lenient);
  CHECK(other.get<Author>(9) == nullptr);
}

TEST_CASE("a scripted error reaches the caller as the driver's would, and the session recovers", "[mock]") {
  qt::mock_engine mock;
  mock.on(qt::regex_sql("INSERT INTO testing_author .*")).raises<IntegrityError>("UNIQUE constraint failed: testing_author.email").times(1);
  mock.on(qt::regex_sql("INSERT INTO testing_author .*")).lastrowid(5).returns({{5}});
  Session session(mock);
  session.add(Author{0, "eve", "eve@example.com", true, {}, {}});
  CHECK_THROWS_AS(session.commit(), IntegrityError);
  CHECK_THROWS_AS(session.flush(), PendingRollbackError);
  session.rollback();
  auto eve = session.add(Author{0, "eve", "eve2@example.com", true, {}, {}});
  session.commit();
  CHECK(eve->id == 5);
  CHECK(mock.check_scripts_used().empty());
  auto statements = mock.statements();
  REQUIRE(statements.size() == 2);
  CHECK_FALSE(statements[0].completed);
  CHECK(statements[1].completed);
}

TEST_CASE("scripts with times() report when they were not used up", "[mock]") {
  qt::mock_engine mock;
  mock.on("SELECT 1").returns({{1}}).times(2);
  auto conn = mock.engine().connect();
  CHECK(conn.execute(text("SELECT 1")).scalar<int>() == 1);
  CHECK(contains(mock.check_scripts_used(), "answered 1 of 2"));
  CHECK_THROWS_AS(mock.assert_scripts_used(), qt::assertion_error);
  CHECK(conn.execute(text("SELECT 1")).scalar<int>() == 1);
  CHECK_NOTHROW(mock.assert_scripts_used());
  CHECK_THROWS_AS(conn.execute(text("SELECT 1")), qt::assertion_error);  // used up, nothing else matches
  CHECK_THROWS_AS(mock.on(qt::unordered({qt::sql("SELECT 1")})), ArgumentError);
  CHECK_THROWS_AS(qt::regex_sql("(unclosed"), ArgumentError);
}

TEST_CASE("compiles_to compares SQL and parameters, printing both sides", "[mock][compile]") {
  const auto& a = table<Author>;
  auto statement = select(a.name).where(a.id == 5);
  REQUIRE_THAT(statement, qt::compiles_to("SELECT testing_author.name FROM testing_author WHERE testing_author.id = ?",
                                          sqlite::dialect{}, std::vector<value>{5}));
  // Whitespace runs compare as one space, so the expected text may be spread over lines.
  REQUIRE_THAT(statement, qt::compiles_to("SELECT testing_author.name\n  FROM testing_author\n  WHERE testing_author.id = ?",
                                          sqlite::dialect{}));
  auto wrong = qt::compiles_to("SELECT testing_author.email FROM testing_author WHERE testing_author.id = ?", sqlite::dialect{},
                               std::vector<value>{6});
  CHECK_FALSE(wrong.match(statement));
  auto text = wrong.describe();
  CHECK(contains(text, "expected: SELECT testing_author.email"));
  CHECK(contains(text, "actual:   SELECT testing_author.name"));
  CHECK(contains(text, "(6)"));
  CHECK(contains(text, "(5)"));
  CHECK_THROWS_AS(qt::assert_compiles(statement, "SELECT 1", sqlite::dialect{}), qt::assertion_error);
  CHECK_NOTHROW(qt::assert_compiles(statement, "SELECT testing_author.name FROM testing_author WHERE testing_author.id = ?",
                                    sqlite::dialect{}));
#if defined(QUARRY_WITH_POSTGRESQL)
  REQUIRE_THAT(statement, qt::compiles_to("SELECT testing_author.name FROM testing_author WHERE testing_author.id = $1",
                                          postgresql::dialect{}, std::vector<value>{5}));
  // A dialect known by its base, as a connection gives it; a mock engine named by a URL.
  qt::mock_engine pg("postgresql://");
  const quarry::dialect& base = pg.engine().dialect();
  REQUIRE_THAT(statement, qt::compiles_to("SELECT testing_author.name FROM testing_author WHERE testing_author.id = $1", base, {{5}}));
#endif
}

TEST_CASE("statement rules: order, any order, regex, parameters and leftovers", "[mock][rules]") {
  std::vector<qt::recorded_statement> emitted{{"SELECT a FROM t", {1}, 1, 0, -1, true},
                                             {"UPDATE t SET a=?", {2}, 1, 0, 1, true},
                                             {"INSERT INTO t (a) VALUES (?)", {3}, 1, 0, 1, true}};
  CHECK(qt::check_statements(emitted, std::vector{qt::sql("SELECT a FROM t", std::vector<value>{1}),
                                                  qt::unordered({qt::regex_sql("INSERT .*"), qt::regex_sql("UPDATE .*")})})
            .empty());
  // A loose rule listed first must not take the statement a strict one needs.
  CHECK(qt::check_statements(emitted, std::vector{qt::sql("SELECT a FROM t"),
                                                  qt::unordered({qt::regex_sql(".*"), qt::regex_sql("UPDATE .*")})})
            .empty());
  auto wrong_params = qt::check_statements(emitted, std::vector{qt::sql("SELECT a FROM t", std::vector<value>{2})});
  CHECK(contains(wrong_params, "statement 1 does not match"));
  auto leftover = qt::check_statements(emitted, std::vector{qt::sql("SELECT a FROM t")});
  CHECK(contains(leftover, "2 more statement(s) than expected"));
  CHECK(contains(leftover, "3. INSERT INTO t (a) VALUES (?)"));
  auto missing = qt::check_statements(emitted, std::vector{qt::sql("SELECT a FROM t"), qt::sql("UPDATE t SET a=?"),
                                                           qt::sql("INSERT INTO t (a) VALUES (?)"), qt::sql("DELETE FROM t")});
  CHECK(contains(missing, "only 3 were emitted"));
  CHECK_THROWS_AS(qt::unordered({qt::unordered({})}), ArgumentError);
}

TEST_CASE("factories build objects with values, sequences, computed values and related objects", "[mock][factory]") {
  auto authors = qt::factory<Author>()
                     .sequence(&Author::name, [](std::size_t n) { return "author" + std::to_string(n); })
                     .lazy(&Author::email, [](const Author& a) { return a.name + "@example.com"; })
                     .with(&Author::active, false);
  auto first = authors.build();
  auto second = authors.build();
  CHECK(first.name == "author0");
  CHECK(first.email == "author0@example.com");
  CHECK_FALSE(first.active);
  CHECK(second.name == "author1");
  // A refined factory shares the sequence and overrides a value.
  auto named = authors.with(&Author::name, std::string("fixed"));
  auto third = named.build();
  CHECK(third.name == "fixed");
  CHECK(third.email == "fixed@example.com");
  CHECK(authors.build().name == "author3");
  authors.reset_sequence();
  CHECK(authors.build().name == "author0");

  auto books = qt::factory<Book>().with(&Book::title, "Dune").sub_factory(&Book::author, authors);
  auto book = books.build();
  REQUIRE(book.author.get());
  CHECK(book.author.get()->email.ends_with("@example.com"));
  auto prolific = authors.related(&Author::books, qt::factory<Book>().with(&Book::title, "t"), 3).build();
  CHECK(prolific.books.size() == 3);
  CHECK(authors.build_batch(4).size() == 4);
}

}  // namespace mock_engine_tests
