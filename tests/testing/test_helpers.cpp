// Quarry - SQLAlchemy for C++20. MIT License.
// The testing helpers against a real database: the transaction-per-test
// fixture (sessions, sessionmakers, scoped_sessions and Core code committing
// inside it; nothing survives), the statement recorder on an engine and on a
// session, factories persisting objects, backends and throwaway databases.
#include <catch2/catch.hpp>

#include <quarry/testing.hpp>
#include <quarry/testing/catch2.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "backend.hpp"
#include "models.hpp"

namespace helper_tests {

using namespace quarry;
using namespace testing_models;
namespace qt = quarry::testing;

namespace {

// The tables, created once per process and committed: each test works inside a fixture on them.
Engine& shared_engine() {
  static Engine engine = [] {
    auto e = quarry_test::make_engine({}, "testing_helpers");
    MetaData metadata;
    metadata.add<Author, Book>();
    metadata.drop_all(e);
    metadata.create_all(e);
    return e;
  }();
  return engine;
}

// Rows of a table as another connection sees them (committed rows only).
std::int64_t committed_rows(std::string_view table) {
  auto conn = shared_engine().connect();
  return conn.execute(text("SELECT count(*) FROM " + std::string(table))).scalar<std::int64_t>();
}

Author author(std::string name) { return Author{0, name, name + "@example.com", true, {}, {}}; }

// Code under test that uses a sessionmaker it did not create.
sessionmaker& application_sessions() {
  static sessionmaker factory(shared_engine());
  return factory;
}

}  // namespace

TEST_CASE("the transaction fixture rolls back what a committing session wrote", "[fixture][not_in_memory]") {
  auto& engine = shared_engine();
  REQUIRE(committed_rows("testing_author") == 0);
  {
    qt::transaction_fixture fx(engine);
    Session session = fx.session();
    session.add(author("ann"));
    session.commit();  // a RELEASE of the fixture's savepoint: still inside the test's transaction
    auto ann = session.scalars(select<Author>()).first();
    REQUIRE(ann);
    CHECK(ann->name == "ann");
    // rollback() undoes only what came after the last commit.
    session.add(author("bob"));
    session.flush();
    session.rollback();
    CHECK(session.scalar(select(func::count()).select_from(table<Author>)) == 1);
    // Core code on the fixture's engine joins the same transaction.
    fx.engine().begin([](Connection& conn) { conn.execute(insert(table<Author>).values(table<Author>.name = "cy", table<Author>.email = "cy@x", table<Author>.active = true)); });
    CHECK(session.scalar(select(func::count()).select_from(table<Author>)) == 2);
    // Another connection sees nothing: the test's transaction never commits.
    CHECK(committed_rows("testing_author") == 0);
    session.close();
  }
  CHECK(committed_rows("testing_author") == 0);
}

TEST_CASE("each SECTION starts from an empty database", "[fixture]") {
  qt::transaction_fixture fx(shared_engine());
  Session session = fx.session();
  CHECK(session.scalar(select(func::count()).select_from(table<Author>)) == 0);
  SECTION("one") {
    session.add(author("one"));
    session.commit();
    CHECK(session.scalar(select(func::count()).select_from(table<Author>)) == 1);
  }
  SECTION("two") {
    session.add(author("two-a"));
    session.add(author("two-b"));
    session.commit();
    CHECK(session.scalar(select(func::count()).select_from(table<Author>)) == 2);
  }
  session.close();
}

TEST_CASE("bound sessionmakers and scoped_sessions join the fixture and are put back", "[fixture][not_in_memory]") {
  auto& factory = application_sessions();
  scoped_session registry(application_sessions());
  {
    qt::transaction_fixture fx(shared_engine());
    fx.bind(factory);
    fx.bind(registry);
    {
      Session s = factory();  // as the application makes its sessions
      s.add(author("dee"));
      s.commit();
    }
    Session& scoped = registry();
    CHECK(scoped.scalar(select(func::count()).select_from(table<Author>)) == 1);
    scoped.add(author("eve"));
    scoped.commit();
    CHECK(committed_rows("testing_author") == 0);
  }
  CHECK(committed_rows("testing_author") == 0);
  // Put back: the factory's sessions commit for real again.
  {
    Session s = factory();
    s.add(author("real"));
    s.commit();
  }
  CHECK(committed_rows("testing_author") == 1);
  shared_engine().begin([](Connection& conn) { conn.execute(delete_(table<Author>)); });
  CHECK(committed_rows("testing_author") == 0);
}

TEST_CASE("a failing statement inside the fixture is rolled back to its savepoint and the test goes on", "[fixture]") {
  qt::transaction_fixture fx(shared_engine());
  Session session = fx.session();
  session.add(author("fay"));
  session.commit();
  session.add(author("fay"));  // the same email: a unique violation
  CHECK_THROWS_AS(session.commit(), IntegrityError);
  session.rollback();
  CHECK(session.scalar(select(func::count()).select_from(table<Author>)) == 1);
  auto more = session.add(author("gus"));
  session.commit();
  CHECK(more->id > 0);
  CHECK(session.scalar(select(func::count()).select_from(table<Author>)) == 2);
  session.close();
}

TEST_CASE("connections of the fixture's engine nest their transactions in one another", "[fixture]") {
  qt::transaction_fixture fx(shared_engine());
  const auto& a = table<Author>;
  auto count = [&] { return fx.engine().connect().execute(select(func::count()).select_from(a)).scalar(); };
  auto add = [&](Connection& conn, const char* name) {
    conn.execute(insert(a).values(a.name = name, a.email = std::string(name) + "@x", a.active = true));
  };
  Session session = fx.session();
  // A transaction begun while the session's is open nests in it: committed, it is kept when the session commits...
  session.add(author("jo"));
  session.flush();
  {
    auto conn = fx.engine().connect();
    add(conn, "kim");
    conn.commit();
  }
  session.commit();
  CHECK(count() == 2);
  // ... and undone with the session's when the session rolls back (one database transaction underneath).
  session.add(author("lee"));
  session.flush();
  {
    auto conn = fx.engine().connect();
    add(conn, "mia");
    conn.commit();
  }
  session.rollback();
  CHECK(count() == 2);

  // The session commits while another connection's transaction is open: kept once that one ends.
  session.add(author("ned"));
  session.flush();
  {
    auto conn = fx.engine().connect();
    add(conn, "ola");
    session.commit();
    conn.commit();
  }
  CHECK(count() == 4);

  // A rollback under another connection's open transaction would undo that one's work too: refused.
  session.add(author("pat"));
  session.flush();
  {
    auto conn = fx.engine().connect();
    add(conn, "quin");
    CHECK_THROWS_AS(session.rollback(), InvalidRequestError);
    conn.rollback();
  }
  session.rollback();
  CHECK(count() == 4);
  session.close();
}

TEST_CASE("the fixture's engine refuses work after the fixture ended", "[fixture]") {
  std::optional<Engine> leftover;
  {
    qt::transaction_fixture fx(shared_engine());
    leftover = fx.engine();
    fx.rollback();
    fx.rollback();  // once is enough; twice is harmless
  }
  {
    auto conn = leftover->connect();
    CHECK_THROWS_AS(conn.execute(text("SELECT 1")), InvalidRequestError);
  }
  // The outer connection goes back to the pool when nothing of the fixture's engine is left.
  leftover.reset();
  CHECK(shared_engine().pool_status().checked_out == 0);
}

TEST_CASE("a statement recorder counts and matches what an engine and a session emit", "[recorder]") {
  qt::transaction_fixture fx(shared_engine());
  Session session = fx.session();
  {
    qt::statement_recorder recorder(fx.engine());
    session.add(author("hal"));
    session.add(author("ivy"));
    session.commit();
    auto all = session.scalars(select<Author>().order_by(table<Author>.id)).all();
    REQUIRE(all.size() == 2);
    REQUIRE_THAT(recorder, qt::emitted_at_most(3));
    REQUIRE_THAT(recorder, qt::emits({qt::regex_sql("INSERT INTO testing_author .*"), qt::regex_sql("SELECT .* ORDER BY testing_author.id")}));
    CHECK_NOTHROW(recorder.assert_count(2));
    CHECK(recorder.statements()[0].completed);
    try {
      recorder.assert_count(1);
      FAIL("a wrong count passed");
    } catch (const qt::assertion_error& e) {
      CHECK(std::string(e.what()).find("2. SELECT") != std::string::npos);
    }
    auto matcher = qt::emitted_count(5);
    CHECK_FALSE(matcher.match(recorder));
    CHECK(matcher.describe().find("1. INSERT INTO testing_author") != std::string::npos);
  }
  {
    // On a session: only that session's statements, not another connection's.
    qt::statement_recorder recorder(session);
    Session other = fx.session();
    other.get<Author>(12345);
    session.get<Author>(54321);
    other.close();
    REQUIRE_THAT(recorder, qt::emitted_count(1));
    CHECK(recorder.statements()[0].params == std::vector<value>{54321});
  }
  {
    // A failed statement is kept, marked.
    qt::statement_recorder recorder(fx.engine());
    auto conn = fx.engine().connect();
    CHECK_THROWS(conn.execute(text("SELECT * FROM no_such_table")));
    REQUIRE(recorder.count() == 1);
    CHECK_FALSE(recorder.statements()[0].completed);
    recorder.stop();
    conn.rollback();
    CHECK(recorder.count() == 1);
  }
  session.close();
}

TEST_CASE("factories create objects in a session, flushed or committed", "[factory]") {
  qt::transaction_fixture fx(shared_engine());
  Session session = fx.session();
  auto authors = qt::factory<Author>()
                     .sequence(&Author::name, [](std::size_t n) { return "writer" + std::to_string(n); })
                     .lazy(&Author::email, [](const Author& a) { return a.name + "@example.com"; });
  auto one = authors.create(session);
  CHECK(one->id > 0);  // flushed: the key is there
  auto books = qt::factory<Book>().sequence(&Book::title, [](std::size_t n) { return "volume " + std::to_string(n); }).sub_factory(&Book::author, authors);
  auto book = books.create(session, qt::persist::commit);
  CHECK(book->author_id > 0);
  CHECK(book->author_id != one->id);
  auto batch = books.create_batch(session, 3);
  CHECK(batch.size() == 3);
  CHECK(session.scalar(select(func::count()).select_from(table<Book>)) == 4);
  CHECK(session.scalar(select(func::count()).select_from(table<Author>)) == 5);
  auto pending = authors.create(session, qt::persist::add);
  CHECK(pending->id == 0);
  CHECK(session.new_count() == 1);
  session.close();
}

TEST_CASE("test_backends follows the environment, and a throwaway database is the process's own", "[backends]") {
  auto backends = qt::test_backends();
  REQUIRE(backends.size() == 1);  // ctest runs this binary once per backend
  CHECK(backends[0].name == quarry_test::backend());
  std::string url;
  {
    qt::throwaway_database db(backends[0]);
    url = db.url();
    CHECK(db.name().find("quarry_test_") != std::string::npos);
    auto engine = db.engine();
    MetaData metadata;
    metadata.add<Author>();
    metadata.create_all(engine);
    Session session(engine);
    session.add(author("own"));
    session.commit();
    CHECK(session.scalar(select(func::count()).select_from(table<Author>)) == 1);
    session.close();
    qt::throwaway_database second(backends[0]);
    CHECK(second.url() != db.url());
    // The shared test database did not get the table's row.
    CHECK(committed_rows("testing_author") == 0);
    // A connection still open does not keep the database from going.
    auto open = engine.connect();
    open.execute(text("SELECT 1")).scalar<int>();
  }
  if (quarry_test::is_sqlite()) {
    CHECK_FALSE(std::filesystem::exists(url.substr(std::string("sqlite:///").size())));
  } else {
    auto conn = shared_engine().connect();
    auto name = make_url(url).database.value();
    CHECK(conn.execute(text("SELECT count(*) FROM pg_database WHERE datname = :n"), {{"n", name}}).scalar<std::int64_t>() == 0);
  }
}

TEST_CASE("the process's database is made once and is the same on each call", "[backends]") {
  auto backend = qt::test_backends().front();
  const auto& first = qt::process_database(backend);
  const auto& again = qt::process_database(backend);
  CHECK(&first == &again);
  CHECK(first.engine().connect().execute(text("SELECT 2")).scalar<int>() == 2);
}

TEST_CASE("one test body on every backend of the run", "[backends]") {
  auto backend = GENERATE(qt::backends());
  qt::throwaway_database db(backend);
  auto engine = db.engine();
  CHECK(engine.dialect().name() == backend.name);
  CHECK(engine.connect().execute(text("SELECT 1 + 1")).scalar<int>() == 2);
}

}  // namespace helper_tests
