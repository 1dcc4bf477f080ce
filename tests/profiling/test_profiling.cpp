// Quarry - SQLAlchemy for C++20. MIT License.
// Query profiling on both backends: conn.explain() / session.explain() as a
// typed plan with flags; the profiler's totals, statements, call sites,
// duplicates, cache hits, slow statements and their plans; the N+1 detector's
// findings, modes and unused eager loads.
#include <catch2/catch.hpp>

#include <quarry/profiling.hpp>
#include <quarry/quarry.hpp>

#include <cstdint>
#include <string>
#include <thread>

#include "backend.hpp"

namespace profiling_tests {

using namespace quarry;

namespace profiling_models {
struct Book;
struct Author {
  std::int64_t id{};
  std::string name;
  quarry::many<Book> books;
};
struct Book {
  std::int64_t id{};
  std::int64_t author_id{};
  std::string title;
  std::int64_t pages{};
  quarry::one<Author> author;
};
QUARRY_MODEL(Author, "profiling_author",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name),
             QUARRY_RELATIONSHIP(books, quarry::back_populates("author"), quarry::order_by_column(&Book::id)));
QUARRY_MODEL(Book, "profiling_book",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(author_id, quarry::foreign_key(&Author::id)),
             QUARRY_COLUMN(title),
             QUARRY_COLUMN(pages),
             QUARRY_RELATIONSHIP(author, quarry::back_populates("books")));
}  // namespace profiling_models

using namespace profiling_models;

namespace {

bool has_text(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// 5 authors with 4 books each; the tables made afresh.
Engine fresh_library() {
  auto engine = quarry_test::make_engine({}, "profiling");
  MetaData metadata;
  metadata.add<Author, Book>();
  metadata.drop_all(engine);
  metadata.create_all(engine);
  Session session(engine);
  for (int a = 0; a < 5; ++a) {
    auto author = session.add(Author{0, "author " + std::to_string(a), {}});
    for (int b = 0; b < 4; ++b) {
      auto book = std::make_shared<Book>();
      book->title = "book " + std::to_string(a) + "." + std::to_string(b);
      book->pages = 100 + b;
      author->books.push_back(book);
    }
  }
  session.commit();
  return engine;
}

}  // namespace

TEST_CASE("explain gives the plan as a tree with text, and flags full scans of large tables", "[profiling][explain]") {
  auto engine = fresh_library();
  auto conn = engine.connect();
  const auto& b = table<Book>;
  auto by_title = select(b.id).where(b.title == "book 1.1");

  auto plan = conn.explain(by_title, {.large_table_rows = 10});
  REQUIRE_FALSE(plan.nodes.empty());
  CHECK(plan.dialect == engine.dialect().name());
  CHECK(has_text(plan.sql, "profiling_book"));
  bool scanned = false;
  plan.for_each([&](const plan_node& node, std::size_t) { scanned |= node.relation == "profiling_book"; });
  CHECK(scanned);
  // 20 rows, no index on title: a full scan of a table over the threshold.
  REQUIRE(plan.has_flag(plan_flag_kind::full_scan));
  CHECK(plan.flags[0].table == "profiling_book");
  CHECK(has_text(plan.text(), "flag: full scan of profiling_book"));
  // Under the threshold, the same scan is not flagged.
  CHECK_FALSE(conn.explain(by_title, {.large_table_rows = 1000}).has_flag(plan_flag_kind::full_scan));

  // A lookup by primary key uses the key's index: no full scan.
  auto by_key = conn.explain(select(b.title).where(b.id == 3), {.large_table_rows = 10});
  CHECK_FALSE(by_key.has_flag(plan_flag_kind::full_scan));

  // Sorting by a column without an index is flagged.
  auto sorted = conn.explain(select(b.id).order_by(b.title), {.large_table_rows = 10});
  CHECK(sorted.has_flag(plan_flag_kind::sort_without_index));
  CHECK(has_text(sorted.text(), "sort without an index"));
  if (quarry_test::is_sqlite()) {
    CHECK(has_text(plan.raw, "SCAN profiling_book"));
    CHECK(has_text(plan.text(), "SCAN profiling_book"));
    CHECK_THROWS_AS(conn.explain(by_title, {.buffers = true}), ArgumentError);
  } else {
    CHECK(plan.raw.starts_with("["));
    CHECK(plan.nodes[0].total_cost.has_value());
    CHECK(has_text(plan.text(), "Seq Scan on profiling_book"));
    CHECK_THROWS_AS(conn.explain(by_title, {.buffers = true}), ArgumentError);  // BUFFERS needs ANALYZE
  }
}

TEST_CASE("plans read the same from every SQLite version's lines, and bad JSON is an error", "[profiling][explain]") {
  using detail::sqlite_plan_row;
  query_plan plan;
  plan.nodes = detail::sqlite_plan_tree({{2, 0, "SCAN TABLE t"},
                                         {3, 0, "SEARCH u AS x USING INDEX ix_u (a=?)"},
                                         {4, 3, "SCAN CONSTANT ROW"},
                                         {5, 0, "USE TEMP B-TREE FOR ORDER BY"}});
  REQUIRE(plan.nodes.size() == 3);
  CHECK(plan.nodes[0].relation == "t");
  CHECK(plan.nodes[1].relation == "u");
  CHECK(plan.nodes[1].index == "ix_u");
  REQUIRE(plan.nodes[1].children.size() == 1);
  CHECK(plan.nodes[1].children[0].relation.empty());
  auto flags = detail::plan_flag_candidates(plan);
  REQUIRE(flags.size() == 2);
  CHECK(flags[0].kind == plan_flag_kind::full_scan);
  CHECK(flags[0].table == "t");
  CHECK(flags[1].kind == plan_flag_kind::sort_without_index);
  CHECK(plan.text() == "SCAN TABLE t\nSEARCH u AS x USING INDEX ix_u (a=?)\n  -> SCAN CONSTANT ROW\nUSE TEMP B-TREE FOR ORDER BY\n");

  query_plan pg;
  detail::read_postgresql_plan(R"([{"Plan": {"Node Type": "Seq\u0020Scan", "Relation Name": "t", "Total Cost": 1.5,
                                  "Plans": [{"Node Type": "Sort", "Sort Key": ["a", "b"]}]}, "Planning Time": 0.1}])",
                               pg);
  REQUIRE(pg.nodes.size() == 1);
  CHECK(pg.nodes[0].operation == "Seq Scan");
  CHECK(pg.nodes[0].total_cost == 1.5);
  CHECK(pg.nodes[0].children[0].detail == "Sort Key: a, b");
  CHECK(pg.planning_ms == 0.1);
  query_plan broken;
  CHECK_THROWS_AS(detail::read_postgresql_plan(R"([{"Plan": {"Node Type": "Seq)", broken), InternalError);
  CHECK_THROWS_AS(detail::read_postgresql_plan(R"([{"Plan": {"Node Type": "\u12"}}])", broken), InternalError);
  CHECK_THROWS_AS(detail::read_postgresql_plan(R"([{"NoPlan": 1}])", broken), InternalError);
}

TEST_CASE("explain analyze runs the statement, and a write inside it is rolled back", "[profiling][explain]") {
  auto engine = fresh_library();
  auto conn = engine.connect();
  const auto& b = table<Book>;
  auto plan = conn.explain(select(b.id).where(b.pages > 101), {.analyze = true, .buffers = quarry_test::is_postgresql()});
  REQUIRE(plan.rows.has_value());
  CHECK(*plan.rows == 10);
  CHECK(plan.execution_ms.has_value());
  if (quarry_test::is_postgresql()) {
    CHECK(plan.nodes[0].actual_rows == 10);
    CHECK(plan.nodes[0].shared_hit_blocks.has_value());
    CHECK(has_text(plan.text(), "actual rows 10"));
  }
  auto write = conn.explain(update(b).values(b.pages = 1).where(b.pages > 0), {.analyze = true});
  CHECK(write.execution_ms.has_value());
  conn.commit();
  CHECK(engine.connect().execute(select(func::count()).select_from(b).where(b.pages == 1)).scalar() == 0);

  // ANALYZE needs a transaction to roll back.
  {
    auto autocommit = engine.connect();
    autocommit.set_isolation_level(isolation_level::autocommit);
    CHECK_THROWS_AS(autocommit.explain(select(b.id), {.analyze = true}), ArgumentError);
    CHECK_FALSE(autocommit.explain(select(b.id)).nodes.empty());
  }

  // Parameters and text() statements explain too; a session explains on its connection after an autoflush.
  auto text_plan = conn.explain(text("SELECT title FROM profiling_book WHERE id = :id"), {}, {{"id", 2}});
  CHECK_FALSE(text_plan.nodes.empty());
  Session session(engine);
  session.add(Author{0, "pending", {}});
  auto session_plan = session.explain(select(table<Author>.id).where(table<Author>.name == "pending"), {.analyze = true});
  CHECK(session_plan.rows == 1);  // the autoflush wrote the pending author first
  session.rollback();
}

TEST_CASE("the profiler groups statements and reports time, rows, call sites, duplicates and cache hits", "[profiling][profiler]") {
  auto engine = fresh_library();
  profiler p(engine, {.slow_threshold = std::chrono::hours(1)});
  Session session(engine);
  const auto& b = table<Book>;
  std::uint_least32_t line = __LINE__ + 2;
  for (int i = 0; i < 3; ++i)
    session.scalars(select<Book>().where(b.pages == 100 + (i % 2))).all();
  auto authors = session.scalars(select<Author>()).all();
  session.close();
  p.stop();
  session.connection().execute(text("SELECT 1")).scalar<int>();  // after stop(): not counted
  auto report = p.report();
  CHECK(report.statements == 4);
  const auto* books = report.find("SELECT profiling_book.id");
  REQUIRE(books);
  CHECK(books->calls == 3);
  CHECK(books->distinct_parameters == 2);
  CHECK(books->duplicates == 1);
  CHECK(books->rows == 15);
  CHECK(books->cache_hits == 2);
  REQUIRE(books->call_sites.size() == 1);
  CHECK(has_text(books->call_sites[0], "test_profiling.cpp:" + std::to_string(line)));
  CHECK(report.objects == 20);
  CHECK(report.cache_misses == 2);
  CHECK(report.checkouts >= 1);
  CHECK(report.database_ms > 0);
  auto text = report.text();
  CHECK(has_text(text, "4 statements"));
  CHECK(has_text(text, "3x"));
  auto json = report.json();
  CHECK(json.starts_with("{\"statements\":4,"));
  CHECK(has_text(json, "\"duplicates\":1"));
  CHECK(json.back() == '}');
}

TEST_CASE("slow statements are kept with their parameters, and explained on request", "[profiling][profiler]") {
  auto engine = fresh_library();
  profiler p(engine, {.slow_threshold = std::chrono::nanoseconds(0), .max_slow = 3});
  auto conn = engine.connect();
  const auto& b = table<Book>;
  conn.execute(select(b.title).where(b.pages == 102)).all();
  conn.execute(select(b.title).where(b.id == 1)).all();
  conn.rollback();
  p.explain_slow({.large_table_rows = 10});
  auto report = p.report();
  REQUIRE(report.slow.size() == 2);
  CHECK(report.slow[0].params == std::vector<value>{102});
  REQUIRE(report.slow[0].plan.has_value());
  CHECK(report.slow[0].plan->has_flag(plan_flag_kind::full_scan));
  CHECK(has_text(report.text(), "slow ("));
  CHECK(has_text(report.json(), "\"plan\":"));
}

TEST_CASE("a profiler of one thread sees only that thread's statements", "[profiling][profiler]") {
  auto engine = fresh_library();
  profiler p(engine, {.this_thread_only = true});
  std::thread other([&] { engine.connect().execute(text("SELECT 1")).all(); });
  other.join();
  engine.connect().execute(text("SELECT 2")).all();
  CHECK(p.report().statements == 1);
}

TEST_CASE("the N+1 detector finds lazy loads repeated over a query's objects and suggests a loader", "[profiling][n_plus_one]") {
  auto engine = fresh_library();
  Session session(engine);
  std::vector<std::string> messages;
  n_plus_one_detector detector(session, {.mode = n_plus_one_mode::log, .sink = [&](const std::string& m) { messages.push_back(m); }});
  std::size_t books = 0;
  std::uint_least32_t line = __LINE__ + 2;
  for (auto& author : session.scalars(select<Author>().order_by(table<Author>.id)))
    books += author->books.size();
  CHECK(books == 20);
  auto findings = detector.findings();
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].relationship == "Author.books");
  CHECK(findings[0].count == 5);
  CHECK(findings[0].suggestion == "selectinload(&Author::books)");
  CHECK(has_text(findings[0].first_call_site, "test_profiling.cpp:" + std::to_string(line)));
  CHECK(has_text(findings[0].parent_query, "FROM profiling_author"));
  CHECK(messages.size() == 4);  // log: every lazy load from the second on
  CHECK(has_text(detector.report(), "N+1: Author.books loaded lazily for 5 objects"));
}

TEST_CASE("no N+1 for one lazy load of a single-object query, nor for eager loads", "[profiling][n_plus_one]") {
  auto engine = fresh_library();
  Session session(engine);
  n_plus_one_detector detector(session, {.mode = n_plus_one_mode::raise});
  for (std::int64_t id = 1; id <= 3; ++id) {
    auto author = session.scalars(select<Author>().where(table<Author>.id == id)).one();
    CHECK(author->books.size() == 4);
  }
  std::size_t books = 0;
  for (auto& author : session.scalars(select<Author>().options(selectinload(&Author::books)))) books += author->books.size();
  CHECK(books == 20);
  CHECK(detector.findings().empty());
  CHECK(detector.unused_eager_loads().empty());
}

TEST_CASE("raise mode stops the N+1 at the threshold; warn_once says it once; unused eager loads are reported", "[profiling][n_plus_one]") {
  auto engine = fresh_library();
  {
    Session session(engine);
    n_plus_one_detector detector(session, {.mode = n_plus_one_mode::raise, .threshold = 3});
    auto authors = session.scalars(select<Author>()).all();
    CHECK(authors[0]->books.size() == 4);
    CHECK(authors[1]->books.size() == 4);
    CHECK_THROWS_AS(authors[2]->books.size(), NPlusOneError);
  }
  {
    Session session(engine);
    std::vector<std::string> messages;
    n_plus_one_detector detector(session, {.sink = [&](const std::string& m) { messages.push_back(m); }});
    // Many-to-one: each book's author, lazily, for the books of one query.
    const auto& b = table<Book>;
    for (auto& book : session.scalars(select<Book>().where(b.pages == 100))) CHECK_FALSE(book->author.get()->name.empty());
    CHECK(messages.size() == 1);
    REQUIRE(detector.findings().size() == 1);
    CHECK(detector.findings()[0].suggestion == "joinedload(&Book::author)");
    // An eager load nothing reads.
    auto eager = session.scalars(select<Author>().options(selectinload(&Author::books))).all();
    CHECK(eager.size() == 5);
    auto unused = detector.unused_eager_loads();
    REQUIRE(unused.size() == 1);
    CHECK(unused[0].relationship == "Author.books");
    CHECK(has_text(detector.report(), "unused eager load: Author.books"));
    // Returned again by a later query, the objects' eager loads are still the first query's: reading them counts there.
    auto again = session.scalars(select<Author>().order_by(table<Author>.id)).all();
    for (auto& author : again) CHECK(author->books.size() == 4);
    CHECK(detector.unused_eager_loads().empty());
  }
}

}  // namespace profiling_tests
