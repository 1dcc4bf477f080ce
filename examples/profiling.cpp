// Quarry - SQLAlchemy for C++20. MIT License.
// Query profiling: a page that lists authors with their book counts has an
// N+1; the detector and the profiler find it, the plan shows the scan, and a
// loader option fixes it.
//   profiling [url]      (default: sqlite:///profiling.db)
#include <quarry/profiling.hpp>
#include <quarry/quarry.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/example.hpp"

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
  quarry::one<Author> author;
};
QUARRY_MODEL(Author, "profiled_author",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name),
             QUARRY_RELATIONSHIP(books, quarry::back_populates("author"), quarry::order_by_column(&Book::id)));
QUARRY_MODEL(Book, "profiled_book",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(author_id, quarry::foreign_key(&Author::id)),
             QUARRY_COLUMN(title),
             QUARRY_RELATIONSHIP(author, quarry::back_populates("books")));

namespace {

// The page: one line per author with the number of their books.
std::vector<std::string> author_page(quarry::Session& session, const quarry::select_statement<Author>& query) {
  std::vector<std::string> lines;
  for (auto& author : session.scalars(query)) lines.push_back(fmt::format("{}: {} books", author->name, author->books.size()));
  return lines;
}

}  // namespace

int main(int argc, char* argv[]) {
  using namespace quarry;
  auto engine = create_engine(example::database_url(argc, argv, "sqlite:///profiling.db"));
  MetaData metadata;
  metadata.add<Author, Book>();
  metadata.drop_all(engine);
  metadata.create_all(engine);
  {
    Session session(engine);
    for (int a = 0; a < 10; ++a) {
      auto author = session.add(Author{0, fmt::format("author {}", a), {}});
      for (int b = 0; b < 3; ++b) {
        auto book = std::make_shared<Book>();
        book->title = fmt::format("book {}.{}", a, b);
        author->books.push_back(book);
      }
    }
    session.commit();
  }

  // 1. The page as first written: one query for the authors, then one per author.
  {
    Session session(engine);
    n_plus_one_detector detector(session, {.mode = n_plus_one_mode::log, .sink = [](const std::string&) {}});
    profiler p(engine);
    auto lines = author_page(session, select<Author>().order_by(table<Author>.id));
    p.stop();
    auto report = p.report();
    fmt::print("-- before: {} lines, {} statements\n{}\n", lines.size(), report.statements, report.text());
    fmt::print("{}\n", detector.report());
    example::expect(lines.size() == 10 && lines[0] == "author 0: 3 books", "the page lists the authors");
    example::expect(report.statements == 11, "1 + 10 statements: the N+1");
    auto findings = detector.findings();
    example::expect(findings.size() == 1 && findings[0].suggestion == "selectinload(&Author::books)",
                    "the detector names the relationship and the loader option");
    const auto* lazy = report.find("SELECT profiled_book.id");
    example::expect(lazy && lazy->calls == 10 && lazy->distinct_parameters == 10, "ten lazy loads, one per author");
  }

  // 2. Why each lazy load costs what it does: its plan.
  {
    auto conn = engine.connect();
    const auto& b = table<Book>;
    auto plan = conn.explain(select<Book>().where(b.author_id == 1), {.large_table_rows = 20});
    fmt::print("-- the lazy load's plan:\n{}\n", plan.text());
    example::expect(!plan.nodes.empty(), "a plan");
    example::expect(plan.has_flag(plan_flag_kind::full_scan), "the books are scanned whole: author_id has no index");
  }

  // 3. Fixed: the books of every author in one more statement.
  {
    Session session(engine);
    n_plus_one_detector detector(session, {.mode = n_plus_one_mode::raise});
    profiler p(engine);
    auto lines = author_page(session, select<Author>().options(selectinload(&Author::books)).order_by(table<Author>.id));
    p.stop();
    auto report = p.report();
    fmt::print("-- after: {} lines, {} statements\n{}\n", lines.size(), report.statements, report.text());
    example::expect(lines.size() == 10 && lines[9] == "author 9: 3 books", "the same page");
    example::expect(report.statements == 2, "two statements whatever the number of authors");
    example::expect(detector.findings().empty() && detector.unused_eager_loads().empty(), "nothing left to report");
    fmt::print("-- as JSON: {}\n", report.json().substr(0, 120));
  }
  metadata.drop_all(engine);
  return 0;
}
