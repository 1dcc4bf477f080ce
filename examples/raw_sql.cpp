// Quarry - SQLAlchemy for C++20. MIT License.
// Raw SQL: text() with named binds, positional binds, the dialect's own SQL,
// typed and dynamic rows, streaming, executemany and values that are only data.
//   raw_sql [url]         (default: sqlite:///raw_sql.db)
#include <quarry/quarry.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "support/example.hpp"

int main(int argc, char* argv[]) {
  using quarry::text;
  auto engine = quarry::create_engine(example::database_url(argc, argv, "sqlite:///raw_sql.db"));
  auto conn = engine.connect();
  bool pg = conn.dialect().name() == "postgresql";

  conn.exec_driver_sql("DROP TABLE IF EXISTS raw_track");
  conn.exec_driver_sql(std::string("CREATE TABLE raw_track (id INTEGER PRIMARY KEY, title TEXT NOT NULL, ") +
                       "seconds INTEGER NOT NULL, price " + (pg ? "NUMERIC(6, 2)" : "REAL") + ")");

  // Named parameters from maps: each set is matched to the statement's :names.
  std::vector<std::map<std::string, quarry::value>> tracks{
      {{"id", 1}, {"title", "For Those About To Rock"}, {"seconds", 343}, {"price", 0.99}},
      {{"id", 2}, {"title", "Balls to the Wall"}, {"seconds", 342}, {"price", 0.99}},
      {{"id", 3}, {"title", "Robert'); DROP TABLE raw_track;--"}, {"seconds", 1}, {"price", 1.99}},
  };
  conn.executemany(text("INSERT INTO raw_track (id, title, seconds, price) VALUES (:id, :title, :seconds, :price)"),
                   tracks);
  conn.commit();

  // A SQL-looking string is a bound value, never SQL.
  auto odd = conn.execute(text("SELECT title FROM raw_track WHERE id = :id"), {{"id", 3}}).scalar<std::string>();
  fmt::print("stored as data: {}\n", odd);
  example::expect(odd == "Robert'); DROP TABLE raw_track;--", "the SQL-looking title is data");

  // Typed rows: a tuple per row, converted as the cursor moves.
  int total = 0;
  for (auto [title, seconds] : conn.execute(text("SELECT title, seconds FROM raw_track WHERE seconds > :min ORDER BY id"),
                                            {{"min", 60}})
                                   .as<std::tuple<std::string, int>>()) {
    fmt::print("  {:<28} {}:{:02}\n", title, seconds / 60, seconds % 60);
    total += seconds;
  }
  example::expect(total == 685, "two long tracks");

  // Dynamic rows: column names and values known only at run time.
  auto result = conn.execute(text("SELECT * FROM raw_track ORDER BY id"));
  fmt::print("columns: {}\n", fmt::join(result.keys(), ", "));
  auto rows = result.all();
  example::expect(rows.size() == 3 && rows[0].get<std::string>("title") == "For Those About To Rock",
                  "dynamic rows by name");

  // ':' after '::' (a PostgreSQL cast) or inside a literal is not a parameter.
  auto literal = conn.execute(text("SELECT ':not_a_param' || :suffix"), {{"suffix", "!"}}).scalar<std::string>();
  example::expect(literal == ":not_a_param!", "a colon inside a literal stays text");
  if (pg) {
    auto cast = conn.execute(text("SELECT :n::text"), {{"n", 42}}).scalar<std::string>();
    example::expect(cast == "42", "a :: cast is not a parameter");
  }

  // Positional parameters bind in order of first appearance; exec_driver_sql takes the dialect's own.
  auto count = conn.execute(text("SELECT count(*) FROM raw_track WHERE seconds BETWEEN :lo AND :hi"), {300, 400})
                   .scalar<std::int64_t>();
  auto same = conn.exec_driver_sql(pg ? "SELECT count(*) FROM raw_track WHERE seconds BETWEEN $1 AND $2"
                                      : "SELECT count(*) FROM raw_track WHERE seconds BETWEEN ? AND ?",
                                   {300, 400})
                  .scalar<std::int64_t>();
  fmt::print("{} tracks between 5 and 7 minutes\n", count);
  example::expect(count == 2 && same == 2, "positional parameters");

  // A row read as the wrong type is a clear error, not a silent conversion.
  try {
    conn.execute(text("SELECT 3.5")).scalar<int>();
    example::expect(false, "3.5 was read as an int");
  } catch (const quarry::DataError& e) {
    fmt::print("refused: {}\n", e.what());
  }
  return 0;
}
