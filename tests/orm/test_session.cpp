// Quarry - SQLAlchemy for C++20. MIT License.
// The Session against the real databases: identity map, unit of work in
// foreign-key order, change detection, failed flushes and rollback.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backend.hpp"

using namespace quarry;

#include "orm_fixture.hpp"

TEST_CASE("add and commit: INSERTs in foreign-key order, generated keys read back", "[orm]") {
  fixture f;
  sessionmaker make_session(f.engine);
  auto session = make_session();
  // Added child first: the flush still inserts the author before the book that points at it.
  auto dune = session.add(Book{0, 7, "Dune", 412});
  auto herbert = session.add(Author{7, "Frank Herbert", std::nullopt});
  auto le_guin = session.add(Author{0, "Ursula K. Le Guin", "Earthsea"});
  CHECK(session.new_count() == 3);
  session.commit();
  CHECK(session.new_count() == 0);
  CHECK(dune->id == 1);  // generated, read back through RETURNING
  // SQLite numbers after the largest key (the explicit 7); PostgreSQL's identity starts at 1.
  CHECK(le_guin->id == (quarry_test::is_postgresql() ? 1 : 8));
  CHECK(f.engine.connect().execute(select(books.title, books.author_id)).one() ==
        std::tuple<std::string, std::int64_t>{"Dune", 7});
  CHECK(f.rows(authors) == 2);
  CHECK(herbert->name == "Frank Herbert");
}

TEST_CASE("the identity map: one object per key, get() without SQL, queries return the same objects", "[orm]") {
  fixture f;
  {
    auto conn = f.engine.connect();
    conn.execute(insert(authors).values(authors.id = 1, authors.name = "Herbert"));
    conn.execute(insert(authors).values(authors.id = 2, authors.name = "Le Guin"));
    conn.commit();
  }
  Session session(f.engine);
  f.statements.clear();
  auto a = session.get<Author>(std::int64_t{1});
  auto again = session.get<Author>(std::int64_t{1});
  CHECK(a == again);
  CHECK(f.count_sql("SELECT") == 1);
  CHECK(session.get<Author>(std::int64_t{99}) == nullptr);
  auto all = session.scalars(select<Author>().order_by(authors.id));
  REQUIRE(all.size() == 2);
  CHECK(all[0] == a);
  // A query does not overwrite an object the session holds, changed or not.
  a->name = "Frank Herbert";
  CHECK(session.is_modified(a));
  auto queried = session.scalars(select<Author>().where(authors.id == 1), {});
  CHECK(queried.front()->name == "Frank Herbert");
  CHECK(f.count_sql("UPDATE") == 1);  // the query's autoflush sent the change first
}

TEST_CASE("flush writes only what changed; delete removes children before parents", "[orm]") {
  fixture f;
  Session session(f.engine, {.autoflush = false});
  auto author = session.add(Author{0, "Herbert", std::nullopt});
  session.flush();
  auto book = session.add(Book{0, author->id, "Dune", 412});
  session.commit();
  f.statements.clear();
  book->pages = 896;
  CHECK(session.dirty_count() == 1);
  session.flush();
  REQUIRE(f.count_sql("UPDATE") == 1);
  CHECK(f.statements.back().find("SET pages = ") != std::string::npos);
  CHECK(f.statements.back().find("title") == std::string::npos);
  session.flush();  // nothing changed since
  CHECK(f.count_sql("UPDATE") == 1);

  session.delete_(author);
  session.delete_(book);
  CHECK(session.deleted_count() == 2);
  session.commit();
  CHECK(f.statements[f.statements.size() - 2].find("orm_book") != std::string::npos);
  CHECK(f.statements.back().find("orm_author") != std::string::npos);
  CHECK(session.get<Author>(author->id) == nullptr);
  CHECK_FALSE(session.contains(book.get()));
}

TEST_CASE("a failed flush rolls back; the session refuses work until rollback()", "[orm][errors]") {
  fixture f;
  Session session(f.engine);
  session.add(Author{0, "Herbert", std::nullopt});
  session.commit();
  auto fresh = session.add(Author{0, "Le Guin", std::nullopt});
  auto duplicate = session.add(Author{0, "Herbert", std::nullopt});
  CHECK_THROWS_AS(session.flush(), IntegrityError);
  CHECK_THROWS_AS(session.get<Author>(std::int64_t{1}), PendingRollbackError);
  session.rollback();
  CHECK_FALSE(session.contains(fresh.get()));
  CHECK_FALSE(session.contains(duplicate.get()));
  CHECK(f.rows(authors) == 1);  // nothing of the failed flush
  // The session works again.
  session.add(Author{0, "Le Guin", std::nullopt});
  session.commit();
  CHECK(f.rows(authors) == 2);
}

TEST_CASE("composite keys; expire on commit reads changes made elsewhere; stale objects raise", "[orm]") {
  fixture f;
  Session session(f.engine);
  auto author = session.add(Author{0, "Herbert", std::nullopt});
  session.flush();
  auto book = session.add(Book{0, author->id, "Dune", 412});
  session.flush();
  session.add(Edition{book->id, 1, 1965});
  session.add(Edition{book->id, 2, 1984});
  session.commit();
  auto second = session.get<Edition>(book->id, std::int32_t{2});
  REQUIRE(second);
  CHECK(second->year == 1984);
  session.commit();  // ends the session's read transaction, so that others may write (SQLite)

  {
    auto conn = f.engine.connect();
    conn.execute(update(books).values(books.pages = 999));
    conn.commit();
  }
  // Committed objects are expired: handed out again, they are read again.
  CHECK(session.get<Book>(book->id)->pages == 999);
  CHECK(book->pages == 999);
  session.commit();

  {
    auto conn = f.engine.connect();
    conn.execute(delete_(table<Edition>).where(table<Edition>.number == 2));
    conn.commit();
  }
  second->year = 2000;
  CHECK_THROWS_AS(session.flush(), StaleDataError);
  session.rollback();
}

TEST_CASE("merge, expire and no_autoflush", "[orm]") {
  fixture f;
  Session session(f.engine);
  auto herbert = session.add(Author{0, "Herbert", std::nullopt});
  session.commit();
  // merge(): a detached copy's values land on the session's object for its key.
  Author detached{herbert->id, "Frank Herbert", "Dune"};
  auto merged = session.merge(detached);
  CHECK(merged == herbert);
  CHECK(herbert->bio == "Dune");
  auto fresh = session.merge(Author{0, "Le Guin", std::nullopt});
  CHECK(session.new_count() == 1);
  session.commit();
  CHECK(fresh->id > 0);
  CHECK(f.rows(authors) == 2);

  f.statements.clear();
  {
    auto guard = session.no_autoflush();
    herbert->name = "changed, not flushed";
    session.scalars(select<Author>());
    CHECK(f.count_sql("UPDATE") == 0);  // no autoflush inside the guard
    // Expired at the commit, changed since: the query does not overwrite the change.
    CHECK(herbert->name == "changed, not flushed");
    CHECK(session.is_modified(herbert));
  }
  // expire() drops the unflushed change: the next get() reads the row again.
  session.expire(herbert);
  CHECK_FALSE(session.is_modified(herbert));
  CHECK(session.get<Author>(herbert->id)->name == "Frank Herbert");
  CHECK(f.count_sql("UPDATE") == 0);
  fresh->name = "Ursula";
  session.refresh(fresh);  // refresh() drops it too
  CHECK(fresh->name == "Le Guin");
}

TEST_CASE("scoped_session: one session per thread, 16 threads", "[orm][threads][not_in_memory]") {
  engine_options options;
  options.pool_size = 4;
  options.max_overflow = 12;
  options.sqlite_begin = sqlite_begin_mode::immediate;  // writers queue at BEGIN instead of deadlocking
  fixture f;
  auto engine = quarry::create_engine(quarry_test::is_postgresql() ? quarry_test::postgresql_url() : "sqlite:///quarry_orm.db", options);
  scoped_session registry{sessionmaker(engine)};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t)
    threads.emplace_back([&, t] {
      try {
        Session& mine = registry();
        if (&mine != &registry()) ++wrong;  // the same session on every call in a thread
        for (int i = 0; i < 5; ++i) {
          registry().add(Author{0, "author " + std::to_string(t) + "." + std::to_string(i), std::nullopt});
          registry().commit();
        }
        registry.remove();
      } catch (const std::exception&) {
        ++wrong;  // counted here, checked after the join: Catch is not thread-safe
      }
    });
  for (auto& thread : threads) thread.join();
  CHECK(wrong == 0);
  CHECK(f.rows(authors) == 80);
}

TEST_CASE("begin_nested: a rolled-back savepoint undoes only what it touched", "[orm]") {
  fixture f;
  Session session(f.engine);
  auto herbert = session.add(Author{0, "Herbert", std::nullopt});
  auto le_guin = session.add(Author{0, "Le Guin", std::nullopt});
  session.commit();
  herbert->bio = "outside the savepoint";
  {
    auto savepoint = session.begin_nested();  // flushes herbert's change first
    le_guin->bio = "inside";
    auto banks = session.add(Author{0, "Banks", std::nullopt});
    session.delete_(herbert);
    session.flush();
    CHECK_FALSE(session.contains(herbert.get()));
    savepoint.rollback();
    CHECK_FALSE(session.contains(banks.get()));  // inserted inside: gone
    CHECK(session.contains(herbert.get()));      // deleted inside: back
  }
  CHECK(session.get<Author>(le_guin->id)->bio == std::nullopt);  // updated inside: read again
  CHECK(session.get<Author>(herbert->id)->bio == "outside the savepoint");
  session.commit();  // the enclosing transaction still commits
  CHECK(f.rows(authors) == 2);
  CHECK(f.engine.connect().execute(select(authors.bio).where(authors.name == "Herbert")).scalar() == "outside the savepoint");

  {
    auto savepoint = session.begin_nested();
    session.add(Author{0, "Banks", std::nullopt});
    savepoint.commit();
  }
  session.commit();
  CHECK(f.rows(authors) == 3);
}

TEST_CASE("session events: before_flush changes join the flush; commit and rollback are reported", "[orm][events]") {
  fixture f;
  sessionmaker make_session(f.engine);
  std::vector<std::string> seen;
  make_session.listen(session_event::before_flush, [&](Session& s) {
    seen.push_back("before_flush");
    // An audit entry for each flush that has new objects, in the same flush.
    if (s.new_count() > 0 && seen.size() < 3) s.add(Author{0, "audit " + std::to_string(seen.size()), std::nullopt});
  });
  make_session.listen(session_event::after_flush, [&](Session&) { seen.push_back("after_flush"); });
  make_session.listen(session_event::before_commit, [&](Session&) { seen.push_back("before_commit"); });
  make_session.listen(session_event::after_commit, [&](Session&) { seen.push_back("after_commit"); });
  make_session.listen(session_event::after_rollback, [&](Session&) { seen.push_back("after_rollback"); });
  auto session = make_session();
  session.add(Author{0, "Herbert", std::nullopt});
  session.commit();
  CHECK(f.rows(authors) == 2);  // Herbert and the audit entry
  CHECK(seen == std::vector<std::string>{"before_commit", "before_flush", "after_flush", "after_commit"});
  CHECK(session.scalar(select(func::count()).select_from(authors)) == 2);  // begins a transaction
  session.rollback();
  CHECK(seen.back() == "after_rollback");
}

TEST_CASE("flush events fire only when there is something to write; session-wide views of the changes", "[orm][events]") {
  fixture f;
  Session session(f.engine);
  std::vector<std::string> seen;
  std::vector<std::string> audit;
  session.listen(session_event::before_flush, [&](Session& s) {
    seen.push_back("before_flush");
    for (auto& o : s.new_objects()) audit.push_back("new " + o.table_name() + " " + (o.is<Author>() ? o.as<Author>()->name : "?"));
    for (auto& o : s.dirty_objects()) audit.push_back("dirty " + o.table_name() + " " + std::to_string(o.key().at(0) == value(o.as<Author>()->id)));
    for (auto& o : s.deleted_objects()) audit.push_back("deleted " + o.table_name());
  });
  session.listen(session_event::after_flush, [&](Session&) { seen.push_back("after_flush"); });
  session.listen(session_event::after_flush_postexec, [&](Session&) { seen.push_back("after_flush_postexec"); });
  // A clean session: the autoflush before a query, flush() and a commit call no flush events.
  CHECK(session.scalar(select(func::count()).select_from(authors)) == 0);
  session.flush();
  session.commit();
  CHECK(seen.empty());
  auto herbert = session.add(Author{0, "Herbert", std::nullopt});
  session.commit();
  CHECK(seen == std::vector<std::string>{"before_flush", "after_flush", "after_flush_postexec"});
  CHECK(audit == std::vector<std::string>{"new orm_author Herbert"});
  seen.clear();
  audit.clear();
  // Reading it again after the commit (it expired) is not a change either.
  CHECK(session.get<Author>(herbert->id)->name == "Herbert");
  CHECK(session.scalars(select<Author>()).size() == 1);
  CHECK(seen.empty());
  herbert->bio = "writes";
  session.add(Author{0, "Ann", std::nullopt});
  session.flush();
  CHECK(audit == std::vector<std::string>{"new orm_author Ann", "dirty orm_author 1"});
  audit.clear();
  session.delete_(herbert);
  session.flush();
  CHECK(audit == std::vector<std::string>{"deleted orm_author"});
  CHECK(session.new_objects().empty());
  CHECK(session.deleted_objects().empty());
  session.rollback();
  auto herbert_again = session.get<Author>(herbert->id);
  herbert_again->bio = "again";
  auto dirty = session.dirty_objects();
  REQUIRE(dirty.size() == 1);
  CHECK(dirty[0].as<Author>() == herbert_again);
  CHECK_THROWS_AS(dirty[0].as<Book>(), InvalidRequestError);
  CHECK_FALSE(dirty[0].is<Book>());
}

TEST_CASE("text() through the session: its transaction, after an autoflush, typed and dynamic", "[orm]") {
  fixture f;
  Session session(f.engine);
  session.add(Author{0, "Zed", std::nullopt});
  // The pending author is flushed first, so the SQL sees it.
  CHECK(session.scalar<std::int64_t>(text("SELECT count(*) FROM orm_author")) == 1);
  session.add(Author{0, "Amy", std::nullopt});
  CHECK(session.scalars<std::string>(text("SELECT name FROM orm_author ORDER BY name")) == std::vector<std::string>{"Amy", "Zed"});
  CHECK(session.scalar(text("SELECT name FROM orm_author WHERE name = :n"), {{"n", "Zed"}}) == value("Zed"));
  auto result = session.execute(text("UPDATE orm_author SET bio = :b WHERE name = :n"), {{"b", "x"}, {"n", "Zed"}});
  CHECK(result.rowcount() == 1);
  auto rows = session.execute(text("SELECT name, bio FROM orm_author ORDER BY name")).as<std::tuple<std::string, std::optional<std::string>>>().all();
  REQUIRE(rows.size() == 2);
  CHECK(std::get<1>(rows[1]) == "x");
  // Statements of any other kind: the first column of each row.
  CHECK(session.scalars(select(authors.name).order_by(authors.name.desc())) == std::vector<std::string>{"Zed", "Amy"});
  // All of it was in the session's transaction.
  session.rollback();
  CHECK(f.rows(authors) == 0);
}

TEST_CASE("a Session entered by a second thread while the first is inside refuses it, touching nothing", "[orm][threads]") {
  auto engine = quarry_test::make_engine({}, "session_threads");
  Session session(engine);
  std::atomic<bool> inside{false}, refused{false};
  // The first thread waits inside execute(), in an engine listener, until the second has been refused.
  engine.listen(quarry::events::before_execute, [&](const quarry::execute_event&) {
    inside = true;
    for (int i = 0; i < 5000 && !refused; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  // Catch2's assertions are not thread-safe: the threads keep what they saw for the checks after join().
  std::int64_t first_result = 0;
  std::string second_error;
  std::thread first([&] { first_result = session.scalar<std::int64_t>(text("SELECT 41 + 1")); });
  while (!inside) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::thread second([&] {
    try {
      session.scalar<std::int64_t>(text("SELECT 1"));
    } catch (const quarry::InvalidRequestError& e) {
      second_error = e.what();
    }
    refused = true;
  });
  second.join();
  first.join();
  CHECK(first_result == 42);
  CHECK_THAT(second_error, Catch::Contains("in use by another thread"));
  // Afterwards, one thread at a time is fine, from any thread.
  std::int64_t later_result = 0;
  std::thread later([&] { later_result = session.scalar<std::int64_t>(text("SELECT 7")); });
  later.join();
  CHECK(later_result == 7);
  session.commit();
}

// Two places where Quarry differs from SQLAlchemy, as the README's reliability
// section says; what is asserted here is that nothing is lost either way.
TEST_CASE("delete and add of one primary key in one flush: refused at the flush, nothing lost; flush between works", "[orm]") {
  fixture f;
  Session session(f.engine);
  session.add(Author{1, "Frank Herbert", std::nullopt});
  session.commit();
  auto old = session.get<Author>(1);
  session.delete_(old);
  session.add(Author{1, "Brian Herbert", std::nullopt});
  // SQLAlchemy turns this pair into an UPDATE; Quarry's flush INSERTs before it DELETEs.
  CHECK_THROWS_AS(session.flush(), IntegrityError);
  session.rollback();
  CHECK(f.engine.connect().execute(select(authors.name).where(authors.id == 1)).scalar() == "Frank Herbert");
  // Flushing the DELETE first replaces the row.
  session.delete_(session.get<Author>(1));
  session.flush();
  session.add(Author{1, "Brian Herbert", std::nullopt});
  session.commit();
  CHECK(f.engine.connect().execute(select(authors.name).where(authors.id == 1)).scalar() == "Brian Herbert");
}

TEST_CASE("an object of one session added to another: the second session's flush is refused, nothing lost", "[orm]") {
  fixture f;
  Session first(f.engine);
  first.add(Author{1, "Frank Herbert", std::nullopt});
  first.commit();
  auto herbert = first.get<Author>(1);
  Session second(f.engine);
  second.add(herbert);  // SQLAlchemy refuses here; Quarry's objects are plain structs that do not know their session
  CHECK(second.contains(herbert.get()));
  CHECK_THROWS_AS(second.commit(), IntegrityError);  // it is new to the second session: a duplicate INSERT
  second.rollback();
  CHECK(f.rows(authors) == 1);
  herbert->name = "F. Herbert";
  first.commit();
  CHECK(f.engine.connect().execute(select(authors.name)).scalar() == "F. Herbert");
}
