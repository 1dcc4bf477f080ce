// Quarry - SQLAlchemy for C++20. MIT License.
// SQLAlchemy's ORM quick start in Quarry: declare models, create the tables,
// add and commit objects, query them, change them, delete them, roll back.
// It checks its own results.
//   orm_tutorial [url]      (default: sqlite:///orm_tutorial.db)
#include <quarry/quarry.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/example.hpp"
#include "support/tutorial_models.hpp"

int main(int argc, char* argv[]) {
  using namespace quarry;
  using example::expect;
  using tutorial::Address;
  using tutorial::User;

  auto engine = create_engine(example::database_url(argc, argv, "sqlite:///orm_tutorial.db"));
  const auto& u = table<User>;
  const auto& a = table<Address>;
  tutorial::fresh_schema(engine);

  // Count the SQL the session sends.
  std::size_t statements = 0;
  engine.listen(events::before_execute, [&](const execute_event&) { ++statements; });

  sessionmaker make_session(engine);
  {
    // Add objects and commit: the flush INSERTs users before the addresses
    // that point at them, and reads the generated keys back.
    auto session = make_session();
    auto spongebob = session.add(User{0, "spongebob", "Spongebob Squarepants"});
    auto sandy = session.add(User{0, "sandy", "Sandy Cheeks"});
    auto patrick = session.add(User{0, "patrick", "Patrick Star"});
    session.flush();
    session.add(Address{0, spongebob->id, "spongebob@sqlalchemy.org"});
    session.add(Address{0, sandy->id, "sandy@sqlalchemy.org"});
    session.add(Address{0, sandy->id, "sandy@squirrelpower.org"});
    session.commit();
    expect(spongebob->id == 1 && patrick->id == 3, "generated keys are read back");
  }

  auto session = make_session();

  // Query: the 2.0 style and the legacy Query.
  auto some_users = session.scalars(select<User>().where(u.name.in_({"spongebob", "sandy"})).order_by(u.id));
  for (auto& user : some_users) fmt::print("User(id={}, name={}, fullname={})\n", user->id, user->name, *user->fullname);
  expect(some_users.size() == 2, "select<User>() gives the session's objects");
  auto sandy = session.query<User>().filter_by(&User::name, "sandy").one();
  auto sandy_emails = session.query(a.email_address).join(u).filter(u.name == "sandy").order_by(a.email_address).all();
  expect(sandy_emails.size() == 2, "a query joined along the foreign key");

  // The identity map: the same object, no SQL.
  statements = 0;
  expect(session.get<User>(sandy->id) == sandy, "get() returns the object already loaded");
  expect(statements == 0, "get() of a loaded object sends no SQL");

  // Change an object: the flush UPDATEs only what changed.
  sandy->fullname = "Sandy Squirrel";
  expect(session.is_modified(sandy), "the change is seen");
  session.commit();
  // A connection of its own, closed at once: on SQLite an open reader would hold off the next commit.
  expect(engine.connect().execute(select(u.fullname).where(u.name == "sandy")).scalar() == "Sandy Squirrel",
         "the UPDATE");

  // Delete: the address rows go with the user (ON DELETE CASCADE).
  auto patrick = session.query<User>().filter(u.name == "patrick").one();
  session.delete_(patrick);
  session.commit();
  expect(session.query<User>().count() == 2, "patrick is deleted");

  // Roll back: the new object leaves the session, the changed one is read again.
  auto squidward = session.add(User{0, "squidward", "Squidward Tentacles"});
  sandy->name = "sandy2";
  session.flush();
  expect(session.query<User>().count() == 3, "the flush sent the INSERT");
  session.rollback();
  expect(!session.contains(squidward.get()), "the rolled-back object left the session");
  expect(session.get<User>(sandy->id)->name == "sandy", "the changed object is read again");
  expect(session.query<User>().count() == 2, "nothing of the rolled-back transaction is left");

  // A failed flush: the database refuses a duplicate name; the session wants a rollback.
  session.add(User{0, "sandy", std::nullopt});
  try {
    session.commit();
    expect(false, "a duplicate name is refused");
  } catch (const IntegrityError& e) {
    fmt::print("refused: {}\n", e.what());
  }
  session.rollback();
  expect(session.query<User>().count() == 2, "the session works again after rollback()");

  fmt::print("orm tutorial: all checks passed\n");
  return 0;
}
