// Quarry - SQLAlchemy for C++20. MIT License.
// Scenarios of the session's query and inspection API (Quarry side;
// scenarios_session_api.py is the SQLAlchemy side, step for step): raw SQL
// through the session's transaction (session.execute / scalar / scalars of
// text()), new_objects() / dirty_objects() / deleted_objects() of every model,
// before_flush listeners that read and change them, and the legacy Query's
// de-duplication against 2.0-style results and unique(). These use session
// API that is newer than the rest of the suite.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness.hpp"
#include "models.hpp"

using namespace cf;
using conformance::each;
using conformance::json;

namespace {

// Sorted "table:key" (or "table:name" for a pending user) of the session's new / dirty / deleted objects.
json describe(const std::vector<quarry::object_ref>& objects) {
  std::vector<std::string> out;
  for (auto& o : objects) {
    std::string key;
    if (o.is<User>()) key = o.as<User>()->id == 0 ? o.as<User>()->name : std::to_string(o.as<User>()->id);
    else if (o.is<Address>()) key = std::to_string(o.as<Address>()->id);
    out.push_back(std::string(o.table_name()) + ":" + key);
  }
  std::sort(out.begin(), out.end());
  return out;
}

json session_state(quarry::Session& s) {
  return json::array({describe(s.new_objects()), describe(s.dirty_objects()), describe(s.deleted_objects())});
}

}  // namespace

CONFORMANCE_SCENARIO(session_execute_text) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("count after autoflush");
  s.add(new_user("dave"));
  t.out(s.execute(quarry::text("SELECT count(*) FROM cf_user")).scalar<std::int64_t>());
  t.step("update in the session's transaction");
  s.execute(quarry::text("UPDATE cf_user SET fullname = :fullname WHERE name = :name"),
            {{"fullname", "Carol C."}, {"name", "carol"}});
  t.out(s.execute(quarry::text("SELECT fullname FROM cf_user WHERE name = :name"), {{"name", "carol"}})
            .scalar<std::optional<std::string>>());
  t.step("rollback undoes both");
  s.rollback();
  t.out(s.execute(quarry::text("SELECT count(*) FROM cf_user")).scalar<std::int64_t>());
}

CONFORMANCE_SCENARIO(session_scalar_text) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("scalar");
  t.out(s.scalar<std::string>(quarry::text("SELECT name FROM cf_user WHERE id = :id"), {{"id", 2}}));
  t.step("scalar after autoflush");
  s.get<User>(2)->fullname = "Robert";
  t.out(s.scalar<std::optional<std::string>>(quarry::text("SELECT fullname FROM cf_user WHERE id = 2")));
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(session_scalars_text) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("scalars after autoflush");
  s.add(new_user("aaron"));
  t.out(s.scalars<std::string>(quarry::text("SELECT name FROM cf_user ORDER BY name")));
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(session_state_collections) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  auto carol = s.get<User>(3);
  t.step("change");
  s.add(new_user("dave"));
  alice->fullname = "Alice L.";
  s.delete_(carol);
  t.out(session_state(s));
  t.step("flush");
  s.flush();
  t.out(session_state(s));
  s.commit();
}

CONFORMANCE_SCENARIO(before_flush_inspects_session) {
  seed_users(t);
  quarry::Session s(t.engine);
  json seen = json::array();
  s.listen(quarry::session_event::before_flush, [&](quarry::Session& session) { seen.push_back(session_state(session)); });
  t.step("load");
  auto alice = s.get<User>(1);
  auto bob_address = s.get<Address>(3);
  t.step("flush changes of three kinds");
  s.add(new_user("dave"));
  alice->fullname = "Alice L.";
  s.delete_(bob_address);
  s.flush();
  t.out(seen);
  t.step("commit");
  s.commit();
  t.out(seen.size());
}

CONFORMANCE_SCENARIO(before_flush_changes_new_objects) {
  seed_users(t);
  quarry::Session s(t.engine);
  // Fills in a missing full name of every new user, in the same flush.
  s.listen(quarry::session_event::before_flush, [](quarry::Session& session) {
    for (auto& o : session.new_objects())
      if (o.is<User>() && !o.as<User>()->fullname) {
        auto user = o.as<User>();
        user->fullname = user->name;
        (*user->fullname)[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(user->name[0])));
      }
  });
  t.step("add");
  s.add(new_user("dave"));
  s.add(new_user("erin", "Erin E."));
  s.commit();
}

CONFORMANCE_SCENARIO(legacy_query_join_unique) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("legacy Query: one object per row's entity");
  t.out(names(s.query<User>().join(&User::addresses).order_by(users.id).all()));
  t.step("2.0 select: a row per joined row");
  t.out(names(s.scalars(quarry::select<User>().join(&User::addresses).order_by(users.id)).all()));
  t.step("2.0 select with unique()");
  t.out(names(s.scalars(quarry::select<User>().join(&User::addresses).order_by(users.id)).unique().all()));
}

CONFORMANCE_SCENARIO(query_count_and_exists) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("legacy Query count with a filter");
  t.out(s.query<User>().filter(users.name.like("%o%")).count());
  t.step("count through session.scalar");
  t.out(s.scalar(quarry::select(quarry::func::count()).select_from(users)));
  t.step("scalars of a column");
  t.out(s.scalars(quarry::select(users.name).order_by(users.name.desc())));
  t.step("legacy Query exists");
  t.out(s.query<User>().filter(users.name == "bob").exists());
  t.out(s.query<User>().filter(users.name == "nobody").exists());
  t.step("count after an autoflush");
  s.add(new_user("dave"));
  t.out(s.query<User>().count());
}
