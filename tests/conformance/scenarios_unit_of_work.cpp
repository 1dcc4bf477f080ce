// Quarry - SQLAlchemy for C++20. MIT License.
// Scenarios of the session's core (Quarry side; scenarios_unit_of_work.py is the
// SQLAlchemy side, step for step): identity map, change detection, flush order,
// failed flushes, expire/refresh/merge/expunge, version counters, composite
// keys, ORM-enabled UPDATE and DELETE, savepoints, session and mapper events,
// and the legacy Query.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness.hpp"
#include "models.hpp"

using namespace cf;
using conformance::each;
using conformance::json;

namespace {

std::int64_t user_count(quarry::Session& s) {
  return s.scalar(quarry::select(quarry::func::count()).select_from(users));
}

// A statement on a connection of its own, committed: a change made elsewhere.
void change_elsewhere(conformance::trace& t, const char* sql) {
  auto conn = t.engine.connect();
  conn.execute(quarry::text(sql));
  conn.commit();
}

}  // namespace

CONFORMANCE_SCENARIO(identity_map_get) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("first get");
  auto alice = s.get<User>(1);
  t.out(alice->name);
  t.step("second get");
  t.out(s.get<User>(1) == alice);
  t.step("missing key");
  t.out(s.get<User>(99) == nullptr);
}

CONFORMANCE_SCENARIO(identity_map_query) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("get");
  auto bob = s.get<User>(2);
  t.step("query");
  auto all = s.scalars(quarry::select<User>().order_by(users.id)).all();
  t.out(each(all, [](auto& u) { return u->name; }));
  t.out(all[1] == bob);
  t.step("a query keeps an unflushed change");
  bob->fullname = "changed";
  std::shared_ptr<User> again;
  {
    auto guard = s.no_autoflush();
    again = s.scalars(quarry::select<User>().where(users.id == 2)).one();
  }
  t.out(again == bob);
  t.out(again->fullname);
  t.step("flush");
  s.flush();
}

CONFORMANCE_SCENARIO(dirty_changed_columns_only) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  auto bob = s.get<User>(2);
  t.step("one column of each");
  alice->fullname = "Alice L.";
  bob->fullname = "Robert";
  s.flush();
  t.step("two columns of one");
  alice->name = "alicia";
  alice->fullname = "Alicia";
  s.flush();
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(dirty_same_value) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  t.step("set to the same values");
  alice->name = "alice";
  alice->fullname = "Alice Liddell";
  t.out(s.is_modified(alice));
  t.out(s.dirty_count());
  s.flush();
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(flush_order_parents_first) {
  quarry::Session s(t.engine);
  t.step("child added, parent reached through it");
  auto dave = new_user("dave");
  auto address = new_address("dave@example.com");
  address->user = dave;
  s.add(address);
  t.out(s.contains(dave.get()));
  s.commit();
  t.step("a tree added by its root");
  auto root = new_node("r"), child = new_node("c"), grandchild = new_node("g");
  child->children.push_back(grandchild);
  root->children.push_back(child);
  s.add(root);
  t.out(s.new_count());
  s.commit();
}

CONFORMANCE_SCENARIO(flush_order_children_deleted_first) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto bob = s.get<User>(2);
  auto bob_address = s.get<Address>(3);
  t.step("delete parent, then child");
  s.delete_(bob);
  s.delete_(bob_address);
  t.out(s.deleted_count());
  s.commit();
}

CONFORMANCE_SCENARIO(self_referential_delete_cascade) {
  seed_tree(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto all = s.scalars(quarry::select<Node>().order_by(nodes.id)).all();
  t.out(each(all, [](auto& n) { return n->name; }));
  t.step("delete the root");
  s.delete_(all[0]);
  s.commit();
}

CONFORMANCE_SCENARIO(composite_key) {
  quarry::Session s(t.engine);
  t.step("add");
  s.add(Shelf{1, 1, "top"});
  s.add(Shelf{1, 2, "bottom"});
  s.add(Shelf{2, 1, "left"});
  s.commit();
  t.step("get");
  auto shelf = s.get<Shelf>(std::int32_t{1}, std::int32_t{2});
  t.out(shelf->label);
  t.step("update");
  shelf->label = "lower";
  s.flush();
  t.step("delete");
  s.delete_(s.get<Shelf>(std::int32_t{2}, std::int32_t{1}));
  s.commit();
  t.step("get again");
  t.out(s.get<Shelf>(std::int32_t{1}, std::int32_t{2})->label);
  t.out(s.get<Shelf>(std::int32_t{2}, std::int32_t{1}) == nullptr);
}

CONFORMANCE_SCENARIO(version_counter) {
  quarry::Session s(t.engine);
  t.step("insert");
  auto account = s.add(Account{0, "ann", 100, 0});
  s.flush();
  t.out(account->version);
  t.step("update");
  account->balance = 150;
  s.flush();
  t.out(account->version);
  t.step("update and commit");
  account->balance = 175;
  s.commit();
  t.step("get");
  account = s.get<Account>(1);
  t.out(json::array({account->balance, account->version}));
  t.step("delete");
  s.delete_(account);
  s.commit();
}

// Objects keep their values over the commit, so that the session's UPDATE
// carries the version it read before the other connection's change.
CONFORMANCE_SCENARIO(version_counter_stale) {
  quarry::Session s(t.engine, {.expire_on_commit = false});
  t.step("insert");
  auto account = s.add(Account{0, "ann", 100, 0});
  s.commit();
  t.step("changed elsewhere");
  change_elsewhere(t, "UPDATE cf_account SET balance = 0, version = 2 WHERE id = 1");
  t.step("stale update");
  account->balance = 175;
  t.expect_error([&] { s.flush(); });
  t.step("the session waits for rollback");
  t.expect_error([&] { s.get<Account>(1); });
  t.step("rollback");
  s.rollback();
  t.step("get");
  auto again = s.get<Account>(1);
  t.out(json::array({again->balance, again->version}));
}

CONFORMANCE_SCENARIO(integrity_error_recovery) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("flush a duplicate name");
  auto fresh = s.add(new_user("dave"));
  auto duplicate = s.add(new_user("alice"));
  t.expect_error([&] { s.flush(); });
  t.step("the session waits for rollback");
  t.expect_error([&] { s.get<User>(1); });
  t.step("rollback");
  s.rollback();
  t.out(json::array({s.contains(fresh.get()), s.contains(duplicate.get())}));
  t.step("work again");
  s.add(new_user("erin"));
  s.commit();
}

CONFORMANCE_SCENARIO(integrity_error_foreign_key) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("address of a missing user");
  s.add(Address{0, 99, "nobody@example.com", {}});
  t.expect_error([&] { s.commit(); });
  t.step("rollback");
  s.rollback();
  t.out(user_count(s));
}

CONFORMANCE_SCENARIO(expire_on_commit_get) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  t.out(alice->fullname);
  t.step("commit");
  s.commit();
  t.step("changed elsewhere");
  change_elsewhere(t, "UPDATE cf_user SET fullname = 'Alice Pleasance' WHERE id = 1");
  t.step("get reads it again");
  auto again = s.get<User>(1);
  t.out(again == alice);
  t.out(again->fullname);
  t.step("get again");
  t.out(s.get<User>(1)->fullname);
}

CONFORMANCE_SCENARIO(expire_discards_change) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  t.step("change and expire");
  alice->fullname = "unsaved";
  s.expire(alice);
  t.step("get");
  t.out(s.get<User>(1)->fullname);
  t.step("flush");
  s.flush();
}

CONFORMANCE_SCENARIO(refresh_discards_change) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  t.step("change and refresh");
  alice->fullname = "unsaved";
  s.refresh(alice);
  t.out(alice->fullname);
  t.out(s.is_modified(alice));
  t.step("flush");
  s.flush();
}

CONFORMANCE_SCENARIO(get_autoflush_dirty_only) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  t.step("get another key while an object is dirty");
  alice->fullname = "changed";
  t.out(s.get<User>(2)->name);
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(merge_existing) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("merge a detached copy");
  User detached;
  detached.id = 2;
  detached.name = "bob";
  detached.fullname = "Robert Dobbs";
  auto merged = s.merge(detached);
  t.out(merged->fullname);
  t.out(s.contains(merged.get()));
  t.step("merge again");
  detached.fullname = "R. Dobbs";
  t.out(s.merge(detached) == merged);
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(merge_new) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("merge an object without a key");
  User detached;
  detached.name = "dave";
  auto merged = s.merge(detached);
  t.out(s.new_count());
  t.out(merged->name);
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(expunge_cascade) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  auto loaded = alice->addresses.items();
  t.out(loaded.size());
  t.step("expunge");
  s.expunge(alice);
  t.out(json::array({s.contains(alice.get()), s.contains(loaded[0].get()), s.contains(loaded[1].get())}));
  t.step("changes to expunged objects are not written");
  alice->fullname = "gone";
  loaded[0]->email = "gone@example.com";
  s.commit();
}

CONFORMANCE_SCENARIO(orm_update_evaluate) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto all = s.scalars(quarry::select<User>().order_by(users.id)).all();
  t.step("update, evaluate");
  auto matched = s.execute(quarry::update(users)
                               .where(users.name.in_(std::vector<std::string>{"bob", "carol"}))
                               .values(users.fullname = std::string("Someone")),
                           quarry::synchronize_session::evaluate);
  t.out(matched);
  t.out(each(all, [](auto& u) { return u->fullname; }));
  t.out(s.is_modified(all[1]));
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(orm_update_fetch) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto all = s.scalars(quarry::select<User>().order_by(users.id)).all();
  t.step("update, fetch");
  auto matched = s.execute(quarry::update(users).where(users.id >= 2).values(users.fullname = std::string("Later")),
                           quarry::synchronize_session::fetch);
  t.out(matched);
  t.out(each(all, [](auto& u) { return u->fullname; }));
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(orm_update_no_sync) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  t.step("update, no synchronization");
  s.execute(quarry::update(users).where(users.id == 1).values(users.fullname = std::string("Changed")),
            quarry::synchronize_session::none);
  t.out(alice->fullname);
  t.step("refresh");
  s.refresh(alice);
  t.out(alice->fullname);
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(orm_delete_evaluate) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto all = s.scalars(quarry::select<User>().order_by(users.id)).all();
  auto carol = all[2];
  t.step("delete, evaluate");
  t.out(s.execute(quarry::delete_(users).where(users.name == "carol"), quarry::synchronize_session::evaluate));
  t.out(each(all, [&](auto& u) { return s.contains(u.get()); }));
  t.step("rollback brings it back");
  s.rollback();
  t.out(s.contains(carol.get()));
  t.step("delete again and commit");
  s.execute(quarry::delete_(users).where(users.name == "carol"), quarry::synchronize_session::evaluate);
  s.commit();
}

CONFORMANCE_SCENARIO(orm_delete_fetch) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto all = s.scalars(quarry::select<Address>().order_by(addresses.id)).all();
  t.step("delete, fetch");
  t.out(s.execute(quarry::delete_(addresses).where(addresses.user_id == 1), quarry::synchronize_session::fetch));
  t.out(each(all, [&](auto& a) { return s.contains(a.get()); }));
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(autoflush_before_query) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("add, then query");
  s.add(new_user("dave"));
  t.out(user_count(s));
  t.out(s.scalars(quarry::select<User>().where(users.name == "dave")).one()->name);
}

CONFORMANCE_SCENARIO(no_autoflush) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("query inside no_autoflush");
  {
    auto guard = s.no_autoflush();
    s.add(new_user("dave"));
    t.out(user_count(s));
  }
  t.step("query after");
  t.out(user_count(s));
}

// SQLAlchemy sends SAVEPOINT when the savepoint is first used, Quarry at
// begin_nested(): each step that begins one also flushes, so that both sides
// send the same statements in the same step.
CONFORMANCE_SCENARIO(savepoint_rollback_inner) {
  quarry::Session s(t.engine);
  t.step("outer");
  auto a = s.add(new_user("a"));
  t.step("savepoint 1");
  auto sp1 = s.begin_nested();
  auto b = s.add(new_user("b"));
  s.flush();
  t.step("savepoint 2");
  auto sp2 = s.begin_nested();
  auto c = s.add(new_user("c"));
  s.flush();
  t.step("roll back savepoint 2");
  sp2.rollback();
  t.out(json::array({s.contains(a.get()), s.contains(b.get()), s.contains(c.get())}));
  t.step("release savepoint 1");
  s.add(new_user("d"));
  sp1.commit();
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(savepoint_rollback_outer) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  t.step("savepoint 1");
  auto sp1 = s.begin_nested();
  alice->fullname = "inside";
  auto b = s.add(new_user("b"));
  s.flush();
  t.step("savepoint 2");
  auto sp2 = s.begin_nested();
  auto c = s.add(new_user("c"));
  s.flush();
  t.step("release savepoint 2");
  sp2.commit();
  t.step("roll back savepoint 1");
  sp1.rollback();
  t.out(json::array({s.contains(b.get()), s.contains(c.get())}));
  t.step("get");
  t.out(s.get<User>(1)->fullname);
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(savepoint_delete_rolled_back) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto carol = s.get<User>(3);
  t.step("delete inside a savepoint");
  auto sp = s.begin_nested();
  s.delete_(carol);
  s.flush();
  t.out(s.contains(carol.get()));
  t.step("roll back");
  sp.rollback();
  t.out(s.contains(carol.get()));
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(session_events_clean_flush) {
  seed_users(t);
  quarry::Session s(t.engine);
  std::vector<std::string> seen;
  for (auto [event, name] : {std::pair{quarry::session_event::before_flush, "before_flush"},
                             std::pair{quarry::session_event::after_flush, "after_flush"},
                             std::pair{quarry::session_event::before_commit, "before_commit"},
                             std::pair{quarry::session_event::after_commit, "after_commit"},
                             std::pair{quarry::session_event::after_rollback, "after_rollback"}})
    s.listen(event, [&seen, name = std::string(name)](quarry::Session&) { seen.push_back(name); });
  t.step("query on a clean session");
  s.scalars(quarry::select<User>()).all();
  t.out(seen);
  seen.clear();
  t.step("commit without changes");
  s.commit();
  t.out(seen);
  seen.clear();
  t.step("commit with a change");
  s.get<User>(1)->fullname = "changed";
  s.commit();
  t.out(seen);
  seen.clear();
  t.step("rollback");
  s.get<User>(2);
  s.rollback();
  t.out(seen);
}

CONFORMANCE_SCENARIO(mapper_events) {
  std::vector<std::string> seen;
  using event = quarry::instance_event<User>;
  std::vector<quarry::listener_id> listeners = {
      quarry::listen<User>(quarry::mapper_event::before_insert,
                           [&](const event& e) {
                             e.target.fullname = "set by before_insert";
                             seen.push_back("before_insert " + e.target.name);
                           }),
      quarry::listen<User>(quarry::mapper_event::after_insert,
                           [&](const event& e) {
                             seen.push_back("after_insert " + e.target.name + " " + std::to_string(e.target.id));
                           }),
      quarry::listen<User>(quarry::mapper_event::before_update,
                           [&](const event& e) { seen.push_back("before_update " + e.target.name); }),
      quarry::listen<User>(quarry::mapper_event::after_update,
                           [&](const event& e) { seen.push_back("after_update " + e.target.name); }),
      quarry::listen<User>(quarry::mapper_event::before_delete,
                           [&](const event& e) { seen.push_back("before_delete " + e.target.name); }),
      quarry::listen<User>(quarry::mapper_event::after_delete,
                           [&](const event& e) { seen.push_back("after_delete " + e.target.name); }),
  };
  {
    quarry::Session s(t.engine);
    t.step("insert");
    s.add(new_user("dave"));
    s.add(new_user("erin"));
    s.commit();
    t.out(seen);
    seen.clear();
    t.step("update");
    s.get<User>(1)->name = "david";
    s.commit();
    t.out(seen);
    seen.clear();
    t.step("delete");
    s.delete_(s.get<User>(2));
    s.commit();
    t.out(seen);
  }
  for (auto id : listeners) quarry::remove_listener<User>(id);
}

CONFORMANCE_SCENARIO(legacy_query_basics) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("filter_by and one");
  t.out(s.query<User>().filter_by(&User::name, "bob").one()->fullname);
  t.step("filter, order_by, all");
  t.out(each(s.query<User>().filter(users.name.like("%a%")).order_by(users.name).all(), [](auto& u) { return u->name; }));
  t.step("count");
  t.out(s.query<User>().count());
  t.step("first");
  t.out(s.query<User>().order_by(users.name.desc()).first()->name);
  t.step("one with no row");
  t.expect_error([&] { s.query<User>().filter(users.name == "nobody").one(); });
  t.step("one_or_none with several");
  t.expect_error([&] { s.query<User>().one_or_none(); });
  t.step("aggregate");
  // The legacy Query has no scalar(): the one row's first column.
  t.out(std::get<0>(s.query(quarry::func::count(addresses.id)).filter(addresses.user_id == 1).one()));
}

// --- identity and state transitions -------------------------------------------------

CONFORMANCE_SCENARIO(get_of_deleted_object) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto carol = s.get<User>(3);
  t.step("delete, then get");
  s.delete_(carol);
  auto again = s.get<User>(3);
  t.out(again == carol);
  t.out(again == nullptr);
  t.out(s.deleted_count());
  t.step("commit");
  s.commit();
  t.step("get after commit");
  t.out(s.get<User>(3) == nullptr);
}

CONFORMANCE_SCENARIO(readd_after_expunge) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto carol = s.get<User>(3);
  t.step("expunge");
  s.expunge(carol);
  t.out(s.contains(carol.get()));
  t.step("add again");
  s.add(carol);
  t.out(s.contains(carol.get()));
  t.out(json::array({s.new_count(), s.dirty_count()}));
  t.step("change and commit");
  carol->fullname = "Carol C.";
  t.expect_error([&] { s.commit(); });
  s.rollback();  // nothing to roll back after a commit; a failed one leaves the session usable
  t.step("get");
  auto again = s.get<User>(3);
  t.out(again == carol);
  t.out(again->fullname);
}

CONFORMANCE_SCENARIO(expunge_then_query) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto bob = s.get<User>(2);
  t.step("expunge");
  s.expunge(bob);
  bob->fullname = "not written";
  t.step("query the same row");
  auto again = s.scalars(quarry::select<User>().where(users.id == 2)).one();
  t.out(again == bob);
  t.out(again->fullname);
  t.out(json::array({s.contains(again.get()), s.contains(bob.get())}));
  t.step("get");
  t.out(s.get<User>(2) == again);
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(delete_then_add_back) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto carol = s.get<User>(3);
  t.step("delete, then add back");
  s.delete_(carol);
  t.out(s.deleted_count());
  s.add(carol);
  t.out(s.deleted_count());
  t.out(s.contains(carol.get()));
  t.step("commit");
  t.expect_error([&] { s.commit(); });
  s.rollback();  // nothing to roll back after a commit; a failed one leaves the session usable
  t.step("get");
  t.out(s.get<User>(3) != nullptr);
}

CONFORMANCE_SCENARIO(rollback_restores_deleted) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto carol = s.get<User>(3);
  t.step("delete and flush");
  s.delete_(carol);
  s.flush();
  t.out(s.contains(carol.get()));
  t.out(s.get<User>(3) == nullptr);
  t.step("rollback");
  s.rollback();
  t.out(s.contains(carol.get()));
  t.step("get");
  auto again = s.get<User>(3);
  t.out(again == carol);
  t.out(again->name);
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(commit_then_get_no_sql) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  auto bob = s.get<User>(2);
  t.step("commit");
  s.commit();
  t.step("first get");
  auto again = s.get<User>(1);
  t.out(again == alice);
  t.out(again->fullname);
  t.step("second get");
  t.out(s.get<User>(1) == alice);
  t.step("query a refreshed object");
  t.out(s.scalars(quarry::select<User>().where(users.id == 1)).one() == alice);
  t.step("get another expired object");
  t.out(s.get<User>(2) == bob);
}

// The savepoints begin in the step that flushes inside them: SQLAlchemy sends
// SAVEPOINT when a savepoint is first used, Quarry at begin_nested().
CONFORMANCE_SCENARIO(nested_savepoint_release_then_outer_rollback) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  t.step("two savepoints, a change and an insert inside the inner one");
  auto outer = s.begin_nested();
  auto inner = s.begin_nested();
  alice->fullname = "inner";
  auto dave = s.add(new_user("dave"));
  s.flush();
  t.step("release the inner savepoint");
  inner.commit();
  t.out(s.contains(dave.get()));
  t.step("roll back the outer savepoint");
  outer.rollback();
  t.out(s.contains(dave.get()));
  t.step("get");
  t.out(s.get<User>(1)->fullname);
  t.out(s.scalars(quarry::select(users.name).order_by(users.id)));
  t.step("commit");
  s.commit();
}
