// Quarry - SQLAlchemy for C++20. MIT License.
// SQLAlchemy's Core tutorial in Quarry: tables declared as models, inserts,
// selects with filters, joins, aggregates, subqueries, a CTE, updates and
// deletes. It checks its own results.
//   core_tutorial [url]      (default: sqlite:///core_tutorial.db)
#include <quarry/quarry.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "support/example.hpp"
#include "support/tutorial_models.hpp"

int main(int argc, char* argv[]) {
  using namespace quarry;
  using tutorial::Address;
  using tutorial::User;
  using example::expect;

  auto engine = create_engine(example::database_url(argc, argv, "sqlite:///core_tutorial.db"));
  const auto& u = table<User>;
  const auto& a = table<Address>;

  // Schema: CREATE TABLE in foreign-key order (address after user_account).
  auto metadata = tutorial::fresh_schema(engine);
  for (auto& sql : metadata.create_ddl(engine.dialect())) fmt::print("{}\n", sql);

  auto conn = engine.connect();

  // INSERT: column = value assignments, a model object, and executemany of objects.
  conn.execute(insert(u).values(u.name = "spongebob", u.fullname = "Spongebob Squarepants"));
  conn.execute(insert(u).values(User{0, "sandy", "Sandy Cheeks"}));
  auto [patrick_id] = conn.execute(insert(u).values(u.name = "patrick").returning(u.id)).one();
  std::vector<Address> addresses{{0, 1, "spongebob@sqlalchemy.org"},
                                 {0, 2, "sandy@sqlalchemy.org"},
                                 {0, 2, "sandy@squirrelpower.org"}};
  conn.execute(insert(a), addresses);
  conn.commit();
  expect(patrick_id == 3, "RETURNING gives the new row's key");

  // SELECT with WHERE: rows come back as typed tuples.
  auto stmt = select(u.id, u.name, u.fullname).where(u.name == "spongebob");
  fmt::print("{}\n", compile(stmt, engine.dialect()).sql);
  for (auto [id, name, fullname] : conn.execute(stmt))
    fmt::print("{} {} {}\n", id, name, fullname.value_or("-"));

  // Whole models, ordered.
  auto users = conn.execute(select<User>().order_by(u.name)).all();
  expect(users.size() == 3 && users[0].name == "patrick", "select<User>() reads models");

  // JOIN along the foreign key, filters combined with && and ||.
  auto emails = conn.execute(select(a.email_address)
                                 .join(u)
                                 .where(u.name == "sandy" && (a.email_address.like("%sqlalchemy%") ||
                                                              a.email_address.endswith("squirrelpower.org")))
                                 .order_by(a.email_address))
                    .scalars();
  expect(emails.size() == 2, "join and filter");

  // Aggregates with GROUP BY / HAVING, and an outer join so that patrick counts as 0.
  auto counts = conn.execute(select(u.name, func::count(a.id).label("n"))
                                 .outerjoin(a)
                                 .group_by(u.name)
                                 .having(func::count(a.id) >= 0)
                                 .order_by(u.name))
                    .all();
  for (auto& [name, n] : counts) fmt::print("{} has {} address(es)\n", name, n);
  expect(counts == std::vector<std::tuple<std::string, std::int64_t>>{{"patrick", 0}, {"sandy", 2}, {"spongebob", 1}},
         "count per user");

  // A scalar subquery correlated to the enclosing query, and EXISTS.
  auto address_count = select(func::count(a.id)).where(a.user_id == u.id).scalar_subquery();
  auto busiest = conn.execute(select(u.name).where(address_count > 1)).scalars();
  expect(busiest == std::vector<std::string>{"sandy"}, "correlated scalar subquery");
  auto without = conn.execute(select(u.name).where(!exists(select(a.id).where(a.user_id == u.id)))).scalars();
  expect(without == std::vector<std::string>{"patrick"}, "NOT EXISTS");

  // A derived table whose columns keep their C++ types, then a CTE.
  auto per_user = select(a.user_id, func::count(a.id).label("address_count")).group_by(a.user_id).subquery("per_user");
  auto joined = conn.execute(select(u.name, per_user.c<1>()).join(per_user, per_user.c<0>() == u.id).order_by(u.name)).all();
  expect(joined.size() == 2 && std::get<1>(joined[0]) == 2, "derived table");
  auto with_cte = select(a.user_id).where(a.email_address.contains("sqlalchemy")).cte("sqlalchemy_users");
  auto cte_names = conn.execute(select(u.name).where(u.id.in_(select(with_cte.c<0>()))).order_by(u.name)).scalars();
  expect(cte_names == std::vector<std::string>{"sandy", "spongebob"}, "CTE");

  // UPDATE and DELETE, with RETURNING and rowcount.
  auto renamed = conn.execute(update(u).where(u.name == "patrick").values(u.fullname = "Patrick Star").returning(u.fullname)).scalar_one();
  expect(renamed == "Patrick Star", "UPDATE ... RETURNING");
  auto deleted = conn.execute(delete_(a).where(a.email_address == "sandy@squirrelpower.org"));
  expect(deleted.rowcount() == 1, "DELETE rowcount");
  conn.commit();

  // bindparam(): built once, executed with different values.
  auto by_name = select(u.fullname).where(u.name == bindparam<std::string>("name"));
  expect(conn.execute(by_name, {{"name", "sandy"}}).scalar() == "Sandy Cheeks", "bindparam");

  fmt::print("core tutorial: all checks passed\n");
  return 0;
}
