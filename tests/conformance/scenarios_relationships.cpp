// Quarry - SQLAlchemy for C++20. MIT License.
// Scenarios of relationships (Quarry side; scenarios_relationships.py is the
// SQLAlchemy side, step for step): every cascade, moving a child between
// parents, many-to-many and association objects, a self-referential tree,
// relationship changes inside savepoints that roll back; and loading: each
// strategy as a relationship's default and as a loader option, with the
// statements each sends, deferred columns, and queries across relationships.
#include <algorithm>
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

bool holds(const quarry::many<Address>& collection, const std::shared_ptr<Address>& a) {
  return std::find(collection.begin(), collection.end(), a) != collection.end();
}

json keyword_weights(const quarry::many<ItemKeyword>& collection) {
  return each(collection, [](auto& k) { return json::array({k->keyword->name, k->weight}); });
}

void seed_documents(conformance::trace& t) {
  t.step("seed documents");
  quarry::Session s(t.engine);
  s.add(Document{0, 1, "notes", "a long text", {}});
  s.add(Document{0, 1, "letter", "another long text", {}});
  s.commit();
}

json emails(const std::vector<std::shared_ptr<User>>& all) {
  return each(all, [](auto& u) { return each(u->addresses, [](auto& a) { return a->email; }); });
}
json item_descriptions(const quarry::many<Item>& collection) {
  return each(collection, [](auto& i) { return i->description; });
}

}  // namespace

CONFORMANCE_SCENARIO(cascade_save_update_add) {
  quarry::Session s(t.engine);
  t.step("add a graph");
  auto dave = new_user("dave");
  dave->addresses.push_back(new_address("dave1@example.com"));
  dave->addresses.push_back(new_address("dave2@example.com"));
  s.add(dave);
  t.out(s.new_count());
  t.out(each(dave->addresses, [&](auto& a) { return a->user.get() == dave; }));
  s.commit();
}

CONFORMANCE_SCENARIO(cascade_save_update_append) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  t.out(alice->addresses.size());
  t.step("append");
  auto fresh = new_address("alice3@example.com");
  alice->addresses.push_back(fresh);
  t.out(s.contains(fresh.get()));
  t.out(fresh->user.get() == alice);
  t.step("flush");
  s.flush();
  t.out(fresh->user_id);
  s.commit();
}

CONFORMANCE_SCENARIO(cascade_delete) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  t.step("delete the parent");
  s.delete_(alice);
  s.commit();
}

CONFORMANCE_SCENARIO(cascade_delete_orphan) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  auto first = alice->addresses[0];
  t.step("remove from the collection");
  alice->addresses.remove(first);
  t.out(alice->addresses.size());
  s.flush();
  t.out(s.contains(first.get()));
  s.commit();
}

CONFORMANCE_SCENARIO(cascade_nullify_without_delete) {
  seed_users(t);
  seed_orders(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  auto loaded = alice->orders.items();
  t.out(each(loaded, [](auto& o) { return o->description; }));
  t.step("remove an order");
  alice->orders.remove(loaded[0]);
  s.flush();
  t.out(loaded[0]->user_id);
  t.step("delete a user with orders");
  s.delete_(s.get<User>(2));
  s.commit();
}

CONFORMANCE_SCENARIO(cascade_merge) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("merge a detached graph");
  User detached;
  detached.id = 1;
  detached.name = "alice";
  detached.fullname = "Alice Liddell";
  auto renamed = new_address("alice1@new.example.com");
  renamed->id = 1;
  renamed->user_id = 1;
  detached.addresses = {renamed, new_address("alice3@example.com")};
  auto merged = s.merge(detached);
  t.out(each(merged->addresses, [](auto& a) { return a->email; }));
  t.out(merged->addresses[0] == renamed);
  // An UPDATE, an INSERT and an orphan's DELETE of one table: their order is the unit of work's own.
  t.step("commit", true);
  s.commit();
}

CONFORMANCE_SCENARIO(move_child_by_append) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  auto bob = s.get<User>(2);
  t.out(json::array({alice->addresses.size(), bob->addresses.size()}));
  t.step("append to another parent");
  auto moving = alice->addresses[0];
  bob->addresses.push_back(moving);
  t.out(json::array({alice->addresses.size(), bob->addresses.size(), moving->user.get() == bob}));
  t.step("flush");
  s.flush();
  t.out(moving->user_id);
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(move_child_by_reference) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  auto bob = s.get<User>(2);
  t.out(json::array({alice->addresses.size(), bob->addresses.size()}));
  t.step("point the child at another parent");
  auto moving = alice->addresses[1];
  moving->user = bob;
  t.out(json::array({alice->addresses.size(), bob->addresses.size(), holds(bob->addresses, moving)}));
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(new_child_points_at_parent) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto bob = s.get<User>(2);
  t.out(bob->addresses.size());
  t.step("a new child points at a loaded parent");
  auto fresh = new_address("bob2@example.com");
  fresh->user = bob;
  t.out(holds(bob->addresses, fresh));
  t.step("flush");
  s.flush();
  t.out(s.contains(fresh.get()));
  t.out(fresh->user_id);
  s.commit();
}

CONFORMANCE_SCENARIO(many_to_many_add_remove) {
  seed_users(t);
  seed_orders(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto first = s.get<Order>(1);
  auto doohickey = s.get<Item>(3);
  t.out(each(first->items, [](auto& i) { return i->description; }));
  t.step("add and remove");
  first->items.push_back(doohickey);
  first->items.remove(first->items[1]);
  t.out(each(first->items, [](auto& i) { return i->description; }));
  s.commit();
}

CONFORMANCE_SCENARIO(many_to_many_other_side) {
  seed_users(t);
  seed_orders(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto widget = s.get<Item>(1);
  t.out(each(widget->orders, [](auto& o) { return o->description; }));
  t.step("append from the other side");
  auto second = s.get<Order>(2);
  widget->orders.push_back(second);
  t.out(each(second->items, [](auto& i) { return i->description; }));
  s.commit();
}

CONFORMANCE_SCENARIO(many_to_many_delete_parent) {
  seed_users(t);
  seed_orders(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto first = s.get<Order>(1);
  t.step("delete");
  s.delete_(first);
  s.commit();
}

CONFORMANCE_SCENARIO(association_object) {
  seed_users(t);
  seed_orders(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto gadget = s.get<Item>(2);
  auto blue = s.get<Keyword>(2);
  t.out(keyword_weights(gadget->item_keywords));
  t.step("add one, orphan one");
  auto red = gadget->item_keywords[0];
  gadget->item_keywords.push_back(new_item_keyword(blue, 7));
  gadget->item_keywords.remove(red);
  s.flush();
  t.out(keyword_weights(gadget->item_keywords));
  t.step("a new keyword through a new association");
  auto green = std::make_shared<Keyword>();
  green->name = "green";
  gadget->item_keywords.push_back(new_item_keyword(green, 1));
  s.commit();
}

CONFORMANCE_SCENARIO(self_referential_walk) {
  seed_tree(t);
  quarry::Session s(t.engine);
  t.step("load the root");
  auto root = s.get<Node>(1);
  t.step("walk down");
  auto name = [](auto& n) { return n->name; };
  t.out(each(root->children, name));
  t.out(each(root->children[0]->children, name));
  t.out(each(root->children[1]->children, name));
  t.step("walk up");
  auto a1 = root->children[0]->children[0];
  t.out(json::array({a1->parent->name, a1->parent->parent->name}));
}

CONFORMANCE_SCENARIO(self_referential_move_subtree) {
  seed_tree(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto all = s.scalars(quarry::select<Node>().order_by(nodes.id)).all();
  auto root = all[0], a = all[1], b = all[2], a1 = all[3];
  t.out(json::array({root->children.size(), a->children.size(), b->children.size()}));
  t.step("move");
  a1->parent = b;
  t.out(json::array({a->children.size(), b->children.size()}));
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(savepoint_collection_append_rolled_back) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  t.out(alice->addresses.size());
  t.step("append inside a savepoint");
  auto sp = s.begin_nested();
  auto temporary = new_address("temporary@example.com");
  alice->addresses.push_back(temporary);
  s.flush();
  t.step("roll back");
  sp.rollback();
  t.out(s.contains(temporary.get()));
  t.step("commit");
  s.commit();
  t.step("read again");
  t.out(each(s.get<User>(1)->addresses, [](auto& a) { return a->email; }));
}

CONFORMANCE_SCENARIO(savepoint_move_rolled_back) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  auto bob = s.get<User>(2);
  t.out(json::array({alice->addresses.size(), bob->addresses.size()}));
  t.step("move inside a savepoint");
  auto sp = s.begin_nested();
  bob->addresses.push_back(alice->addresses[0]);
  s.flush();
  t.step("roll back");
  sp.rollback();
  t.step("commit");
  s.commit();
  t.step("read again");
  auto email = [](auto& a) { return a->email; };
  t.out(each(s.get<User>(1)->addresses, email));
  t.out(each(s.get<User>(2)->addresses, email));
}

// --- loading -------------------------------------------------------------------------

CONFORMANCE_SCENARIO(lazy_collection) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all = s.scalars(quarry::select<User>().order_by(users.id)).all();
  t.step("use each collection");
  t.out(emails(all));
  t.step("use them again");
  t.out(emails(all));
}

CONFORMANCE_SCENARIO(lazy_many_to_one_identity_map) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("query both");
  s.scalars(quarry::select<User>()).all();
  auto all = s.scalars(quarry::select<Address>().order_by(addresses.id)).all();
  t.step("many-to-one from the identity map");
  t.out(each(all, [](auto& a) { return a->user->name; }));
}

CONFORMANCE_SCENARIO(lazy_many_to_one_sql) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all = s.scalars(quarry::select<Address>().order_by(addresses.id)).all();
  t.step("many-to-one, one SELECT per parent");
  t.out(each(all, [](auto& a) { return a->user->name; }));
}

CONFORMANCE_SCENARIO(joinedload_collection) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all = s.scalars(quarry::select<User>().options(quarry::joinedload(&User::addresses)).order_by(users.id)).all();
  t.out(names(all));
  t.step("use");
  t.out(emails(all));
}

CONFORMANCE_SCENARIO(joinedload_limit) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all =
      s.scalars(quarry::select<User>().options(quarry::joinedload(&User::addresses)).order_by(users.id.desc()).limit(2))
          .all();
  t.out(names(all));
  t.step("use");
  t.out(emails(all));
}

CONFORMANCE_SCENARIO(selectinload_collection) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all = s.scalars(quarry::select<User>().options(quarry::selectinload(&User::addresses)).order_by(users.id)).all();
  t.step("use");
  t.out(emails(all));
}

CONFORMANCE_SCENARIO(subqueryload_collection) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all = s.scalars(quarry::select<User>()
                           .where(users.name != "bob")
                           .options(quarry::subqueryload(&User::addresses))
                           .order_by(users.id))
                 .all();
  t.step("use");
  t.out(emails(all));
}

CONFORMANCE_SCENARIO(raiseload_option) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all = s.scalars(quarry::select<User>().options(quarry::raiseload(&User::addresses)).order_by(users.id)).all();
  t.step("use");
  t.expect_error([&] { (void)all[0]->addresses.size(); });
}

CONFORMANCE_SCENARIO(noload_option) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all = s.scalars(quarry::select<User>().options(quarry::noload(&User::addresses)).order_by(users.id)).all();
  t.step("use");
  t.out(emails(all));
}

CONFORMANCE_SCENARIO(lazyload_overrides_default) {
  seed_users(t);
  seed_orders(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all = s.scalars(quarry::select<Order>().options(quarry::lazyload(&Order::items)).order_by(orders.id)).all();
  t.step("use");
  t.out(each(all, [](auto& o) { return item_descriptions(o->items); }));
}

CONFORMANCE_SCENARIO(default_raise) {
  seed_users(t);
  seed_documents(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto document = s.scalars(quarry::select<Document>().order_by(documents.id)).first();
  t.out(document->title);
  t.step("use");
  t.expect_error([&] { (void)document->author.get(); });
}

CONFORMANCE_SCENARIO(default_noload) {
  seed_users(t);
  seed_documents(t);
  quarry::Session s(t.engine);
  t.step("get");
  auto alice = s.get<User>(1);
  t.step("use");
  t.out(each(alice->documents, [](auto& d) { return d->title; }));
}

CONFORMANCE_SCENARIO(default_selectin_chain) {
  seed_users(t);
  seed_orders(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all = s.scalars(quarry::select<Order>().order_by(orders.id)).all();
  t.step("use");
  t.out(each(all, [](auto& o) { return item_descriptions(o->items); }));
  t.out(each(all[0]->items, [](auto& i) { return each(i->item_keywords, [](auto& k) { return k->keyword->name; }); }));
}

CONFORMANCE_SCENARIO(default_subquery) {
  seed_users(t);
  seed_orders(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all = s.scalars(quarry::select<Item>().where(items.description != "gadget").order_by(items.id)).all();
  t.step("use");
  t.out(each(all, [](auto& i) {
    return each(i->item_keywords, [](auto& k) { return json::array({k->keyword->name, k->weight}); });
  }));
}

CONFORMANCE_SCENARIO(default_joined_many_to_one) {
  seed_users(t);
  seed_orders(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all =
      s.scalars(quarry::select<ItemKeyword>().order_by(item_keywords.item_id, item_keywords.keyword_id)).all();
  t.step("use");
  t.out(each(all, [](auto& k) { return k->keyword->name; }));
}

CONFORMANCE_SCENARIO(chained_options) {
  seed_users(t);
  seed_orders(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all = s.scalars(quarry::select<User>()
                           .options(quarry::selectinload(&User::orders).joinedload(&Order::items))
                           .order_by(users.id))
                 .all();
  t.step("use");
  t.out(each(all, [](auto& u) { return each(u->orders, [](auto& o) { return item_descriptions(o->items); }); }));
}

CONFORMANCE_SCENARIO(selectinload_tree) {
  seed_tree(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto root = s.scalars(quarry::select<Node>()
                            .where(nodes.parent_id.is_null())
                            .options(quarry::selectinload(&Node::children).selectinload(&Node::children)))
                  .one();
  t.step("use");
  t.out(each(root->children, [](auto& c) {
    return json::array({c->name, each(c->children, [](auto& g) { return g->name; })});
  }));
}

CONFORMANCE_SCENARIO(contains_eager_filtered) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all = s.scalars(quarry::select<User>()
                           .join(&User::addresses)
                           .where(addresses.email.like("%1@%"))
                           .options(quarry::contains_eager(&User::addresses))
                           .order_by(users.id))
                 .all();
  t.step("use");
  t.out(emails(all));
}

CONFORMANCE_SCENARIO(defer_option) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all = s.scalars(quarry::select<User>().options(quarry::defer(&User::fullname)).order_by(users.id)).all();
  t.out(names(all));
  t.step("change a loaded column");
  all[0]->name = "alicia";
  s.flush();
  s.commit();
}

CONFORMANCE_SCENARIO(load_only_option) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all =
      s.scalars(quarry::select<User>().options(quarry::load_only(&User::name)).where(users.id > 1).order_by(users.id))
          .all();
  t.out(names(all));
  t.step("change a loaded column");
  all[0]->name = "robert";
  s.commit();
}

CONFORMANCE_SCENARIO(undefer_option) {
  seed_users(t);
  seed_documents(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all =
      s.scalars(quarry::select<Document>().options(quarry::undefer(&Document::body)).order_by(documents.id)).all();
  t.out(each(all, [](auto& d) { return json::array({d->title, conformance::to_json(d->body)}); }));
}

CONFORMANCE_SCENARIO(deferred_column_access) {
  seed_users(t);
  seed_documents(t);
  quarry::Session s(t.engine);
  t.step("query");
  auto all = s.scalars(quarry::select<Document>().order_by(documents.id)).all();
  t.out(each(all, [](auto& d) { return d->title; }));
  t.step("read the deferred column");
  t.out(each(all, [](auto& d) { return d->body; }));
}

CONFORMANCE_SCENARIO(relationship_criteria) {
  seed_users(t);
  quarry::Session s(t.engine);
  auto email = [](auto& a) { return a->email; };
  auto name = [](auto& u) { return u->name; };
  t.step("join");
  t.out(each(s.scalars(quarry::select<Address>()
                           .join(&Address::user)
                           .where(users.name == "alice")
                           .order_by(addresses.id))
                 .all(),
             email));
  t.step("any");
  t.out(each(s.scalars(quarry::select<User>().where(quarry::any(&User::addresses, addresses.email.like("bob%")))).all(),
             name));
  t.out(each(s.scalars(quarry::select<User>().where(!quarry::any(&User::addresses)).order_by(users.id)).all(), name));
  t.step("has");
  t.out(each(s.scalars(quarry::select<Address>().where(quarry::has(&Address::user, users.name == "bob"))).all(), email));
  t.step("with_parent");
  auto alice = s.get<User>(1);
  t.out(each(s.scalars(quarry::select<Address>()
                           .where(quarry::with_parent(*alice, &User::addresses))
                           .order_by(addresses.id))
                 .all(),
             email));
}

CONFORMANCE_SCENARIO(expired_attribute_access) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  t.step("commit");
  s.commit();
  t.step("changed elsewhere");
  {
    auto conn = t.engine.connect();
    conn.execute(quarry::text("UPDATE cf_user SET fullname = 'Alice Pleasance' WHERE id = 1"));
    conn.commit();
  }
  t.step("read an attribute of the expired object");
  t.out(alice->fullname);
  t.step("get");
  t.out(s.get<User>(1)->fullname);
}

// --- collection changes before a flush -------------------------------------------------

CONFORMANCE_SCENARIO(pending_orphan_expunged) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  t.out(alice->addresses.size());
  t.step("append a new address, then remove it");
  auto fresh = new_address("alice3@example.com");
  alice->addresses.push_back(fresh);
  t.out(s.contains(fresh.get()));
  alice->addresses.remove(fresh);
  t.out(s.contains(fresh.get()));
  t.out(alice->addresses.size());
  t.step("flush");
  t.expect_error([&] { s.flush(); });
  t.out(s.contains(fresh.get()));
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(lazy_load_autoflush_with_dirty) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  auto bob = s.get<User>(2);
  t.step("change a column, then load another object's collection");
  alice->fullname = "changed";
  t.out(each(bob->addresses, [](auto& a) { return a->email; }));
  t.step("commit");
  s.commit();
}

CONFORMANCE_SCENARIO(collection_replace) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto alice = s.get<User>(1);
  auto old = alice->addresses.items();
  t.out(each(old, [](auto& a) { return a->email; }));
  t.step("replace the collection");
  auto fresh = new_address("alice3@example.com");
  alice->addresses = {fresh, old[1]};
  t.out(each(alice->addresses, [](auto& a) { return a->email; }));
  t.out(json::array({s.contains(fresh.get()), fresh->user.get() == alice, old[0]->user.get() == nullptr}));
  // An INSERT and an orphan's DELETE of one table: their order is the unit of work's own.
  t.step("commit", true);
  s.commit();
  t.step("read again");
  t.out(each(s.get<User>(1)->addresses, [](auto& a) { return a->email; }));
}

CONFORMANCE_SCENARIO(many_to_one_set_none_orphan) {
  seed_users(t);
  quarry::Session s(t.engine);
  t.step("load");
  auto bob = s.get<User>(2);
  auto address = bob->addresses[0];
  t.out(address->email);
  t.step("set the reference to None");
  address->user = nullptr;
  t.out(bob->addresses.size());
  t.step("commit");
  s.commit();
  t.out(s.contains(address.get()));
}
