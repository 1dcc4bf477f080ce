// Quarry - SQLAlchemy for C++20. MIT License.
// Quick start: a model, its table, rows in and rows out, a transaction.
//   quickstart [url]      (default: sqlite:///quickstart.db)
#include <quarry/fmt.hpp>  // fmt::print of an Engine
#include <quarry/quarry.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/example.hpp"

struct User {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> fullname;
};
QUARRY_MODEL(User, "quickstart_user",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(30), quarry::unique),
             QUARRY_COLUMN(fullname));

int main(int argc, char* argv[]) {
  using namespace quarry;
  auto engine = create_engine(example::database_url(argc, argv, "sqlite:///quickstart.db"));
  fmt::print("engine: {}\n", engine);

  // The table comes from the model: CREATE TABLE as each database spells it.
  MetaData metadata;
  metadata.add<User>();
  metadata.drop_all(engine);
  metadata.create_all(engine);
  fmt::print("{}\n", metadata.create_ddl(engine.dialect()).front());

  auto conn = engine.connect();
  const auto& u = table<User>;
  // One prepared INSERT for all three objects; the database numbers their ids.
  std::vector<User> people{{0, "spongebob", "Spongebob Squarepants"}, {0, "sandy", "Sandy Cheeks"}, {0, "patrick", {}}};
  auto inserted = conn.execute(insert(u), people);
  conn.commit();
  fmt::print("inserted {} users\n", inserted.rowcount());
  example::expect(inserted.rowcount() == 3, "three rows inserted");

  // A typed query: the compiler checks that name is compared with text; rows are Users.
  auto users = conn.execute(select<User>().where(u.name != "patrick").order_by(u.id)).all();
  for (const auto& user : users)
    fmt::print("  user {}: {} ({})\n", user.id, user.name, user.fullname.value_or("no full name"));
  example::expect(users.size() == 2 && users[1].name == "sandy", "two users read back");

  // A transaction that is not committed leaves nothing behind. The SELECT above
  // began one implicitly (commit as you go): end it before begin() opens another.
  conn.rollback();
  {
    auto tx = conn.begin();
    conn.execute(update(u).values(u.fullname = "nobody"));
  }
  auto unchanged = conn.execute(select(func::count()).select_from(u).where(u.fullname == "nobody")).scalar();
  fmt::print("rolled back an update; {} rows were changed for good\n", unchanged);
  example::expect(unchanged == 0, "the rolled-back update left no trace");

  // A constraint violation is a typed error, and the data stays as it was.
  try {
    conn.execute(insert(u).values(u.name = "sandy"));
    example::expect(false, "a duplicate name was accepted");
  } catch (const IntegrityError& e) {
    fmt::print("duplicate refused: {}\n", e.driver_message());
    conn.rollback();
  }
  auto count = conn.execute(select(func::count()).select_from(u)).scalar();
  fmt::print("{} users in the table\n", count);
  example::expect(count == 3, "still three users");

  // Raw SQL stays available: text() with named parameters.
  auto fullname = conn.execute(text("SELECT fullname FROM quickstart_user WHERE name = :name"), {{"name", "sandy"}})
                      .scalar<std::string>();
  example::expect(fullname == "Sandy Cheeks", "text() reads the same row");
  return 0;
}
