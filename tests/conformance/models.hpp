// Quarry - SQLAlchemy for C++20. MIT License.
// The conformance suite's schema for Quarry: the same tables, columns, foreign
// keys, cascades and loading defaults as models.py declares for SQLAlchemy,
// and the data scenarios start from (seed_users, seed_orders, seed_tree).
// Table names start with cf_ so that no dialect needs to quote them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <quarry/quarry.hpp>

#include "harness.hpp"

namespace cf {

struct Address;
struct Order;
struct Item;
struct ItemKeyword;
struct Document;

// A one-to-many with every cascade (addresses), one with the default cascade
// (orders, whose foreign key is cleared when an order leaves), and one whose
// default loading is noload (documents).
struct User {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> fullname;
  quarry::many<Address> addresses;
  quarry::many<Order> orders;
  quarry::many<Document> documents;
};
struct Address {
  std::int64_t id{};
  std::int64_t user_id{};
  std::string email;
  quarry::one<User> user;
};
struct Order {
  std::int64_t id{};
  std::optional<std::int64_t> user_id;
  std::string description;
  quarry::one<User> user;
  quarry::many<Item> items;
};
// The many-to-many association table (a plain Table in models.py).
struct OrderItem {
  std::int64_t order_id{};
  std::int64_t item_id{};
};
struct Item {
  std::int64_t id{};
  std::string description;
  quarry::many<Order> orders;
  quarry::many<ItemKeyword> item_keywords;
};
struct Keyword {
  std::int64_t id{};
  std::string name;
};
// The association-object pattern: an association row with a column of its own.
struct ItemKeyword {
  std::int64_t item_id{};
  std::int64_t keyword_id{};
  std::int32_t weight{};
  quarry::one<Item> item;
  quarry::one<Keyword> keyword;
};
// A self-referential tree.
struct Node {
  std::int64_t id{};
  std::optional<std::int64_t> parent_id;
  std::string name;
  quarry::many<Node> children;
  quarry::one<Node> parent;
};
// A natural composite primary key.
struct Shelf {
  std::int32_t room{};
  std::int32_t number{};
  std::string label;
};
// A version counter, checked by every UPDATE and DELETE.
struct Account {
  std::int64_t id{};
  std::string owner;
  std::int32_t balance{};
  std::int32_t version{};
};
// A deferred column, and a many-to-one whose default loading is raise.
struct Document {
  std::int64_t id{};
  std::optional<std::int64_t> user_id;
  std::string title;
  std::optional<std::string> body;
  quarry::one<User> author;
};

QUARRY_MODEL(User, "cf_user",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(50), quarry::unique),
             QUARRY_COLUMN(fullname, quarry::length(100)),
             QUARRY_RELATIONSHIP(addresses, quarry::back_populates("user"), quarry::cascade("all, delete-orphan"),
                                 quarry::order_by_column(&Address::id)),
             QUARRY_RELATIONSHIP(orders, quarry::back_populates("user"), quarry::order_by_column(&Order::id)),
             QUARRY_RELATIONSHIP(documents, quarry::back_populates("author"), quarry::lazy(quarry::loading::noload),
                                 quarry::order_by_column(&Document::id)));
QUARRY_MODEL(Address, "cf_address",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(user_id, quarry::foreign_key(&User::id)),
             QUARRY_COLUMN(email, quarry::length(100)),
             QUARRY_RELATIONSHIP(user, quarry::back_populates("addresses")));
QUARRY_MODEL(Order, "cf_order",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(user_id, quarry::foreign_key(&User::id)),
             QUARRY_COLUMN(description, quarry::length(100)),
             QUARRY_RELATIONSHIP(user, quarry::back_populates("orders")),
             QUARRY_RELATIONSHIP(items, quarry::secondary<OrderItem>(), quarry::back_populates("orders"),
                                 quarry::lazy(quarry::loading::selectin), quarry::order_by_column(&Item::id)));
QUARRY_MODEL(OrderItem, "cf_order_item",
             QUARRY_COLUMN(order_id, quarry::foreign_key(&Order::id)),
             QUARRY_COLUMN(item_id, quarry::foreign_key(&Item::id)),
             QUARRY_TABLE_ARGS(quarry::primary_key(&OrderItem::order_id, &OrderItem::item_id)));
QUARRY_MODEL(Item, "cf_item",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(description, quarry::length(100)),
             QUARRY_RELATIONSHIP(orders, quarry::secondary<OrderItem>(), quarry::back_populates("items"),
                                 quarry::order_by_column(&Order::id)),
             QUARRY_RELATIONSHIP(item_keywords, quarry::back_populates("item"), quarry::cascade("all, delete-orphan"),
                                 quarry::lazy(quarry::loading::subquery), quarry::order_by_column(&ItemKeyword::keyword_id)));
QUARRY_MODEL(Keyword, "cf_keyword",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(50), quarry::unique));
QUARRY_MODEL(ItemKeyword, "cf_item_keyword",
             QUARRY_COLUMN(item_id, quarry::foreign_key(&Item::id)),
             QUARRY_COLUMN(keyword_id, quarry::foreign_key(&Keyword::id)),
             QUARRY_COLUMN(weight),
             QUARRY_RELATIONSHIP(item, quarry::back_populates("item_keywords")),
             QUARRY_RELATIONSHIP(keyword, quarry::lazy(quarry::loading::joined)),
             QUARRY_TABLE_ARGS(quarry::primary_key(&ItemKeyword::item_id, &ItemKeyword::keyword_id)));
QUARRY_MODEL(Node, "cf_node",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(parent_id, quarry::foreign_key(&Node::id)),
             QUARRY_COLUMN(name, quarry::length(50)),
             QUARRY_RELATIONSHIP(children, quarry::back_populates("parent"), quarry::cascade("all"),
                                 quarry::order_by_column(&Node::id)),
             QUARRY_RELATIONSHIP(parent, quarry::back_populates("children")));
QUARRY_MODEL(Shelf, "cf_shelf",
             QUARRY_COLUMN(room),
             QUARRY_COLUMN(number),
             QUARRY_COLUMN(label, quarry::length(50)),
             QUARRY_TABLE_ARGS(quarry::primary_key(&Shelf::room, &Shelf::number)));
QUARRY_MODEL(Account, "cf_account",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(owner, quarry::length(50)),
             QUARRY_COLUMN(balance),
             QUARRY_COLUMN(version, quarry::version_id));
QUARRY_MODEL(Document, "cf_document",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(user_id, quarry::foreign_key(&User::id)),
             QUARRY_COLUMN(title, quarry::length(100)),
             QUARRY_COLUMN(body, quarry::deferred),
             QUARRY_RELATIONSHIP(author, quarry::back_populates("documents"), quarry::lazy(quarry::loading::raise)));

inline const auto& users = quarry::table<User>;
inline const auto& addresses = quarry::table<Address>;
inline const auto& orders = quarry::table<Order>;
inline const auto& items = quarry::table<Item>;
inline const auto& item_keywords = quarry::table<ItemKeyword>;
inline const auto& nodes = quarry::table<Node>;
inline const auto& documents = quarry::table<Document>;

// Every table, for CREATE and for the dump.
inline void create_schema(quarry::Engine& engine) {
  quarry::MetaData metadata;
  metadata.add<User, Address, Order, OrderItem, Item, Keyword, ItemKeyword, Node, Shelf, Account, Document>();
  metadata.create_all(engine);
}
inline const std::vector<std::string> table_names = {"cf_user",      "cf_address", "cf_order", "cf_order_item",
                                                     "cf_item",      "cf_keyword", "cf_item_keyword", "cf_node",
                                                     "cf_shelf",     "cf_account", "cf_document"};

// New objects, as models.py's constructors make them.
inline std::shared_ptr<User> new_user(std::string name, std::optional<std::string> fullname = std::nullopt) {
  auto u = std::make_shared<User>();
  u->name = std::move(name);
  u->fullname = std::move(fullname);
  return u;
}
inline std::shared_ptr<Address> new_address(std::string email) {
  auto a = std::make_shared<Address>();
  a->email = std::move(email);
  return a;
}
inline std::shared_ptr<Node> new_node(std::string name, std::optional<std::int64_t> parent_id = std::nullopt) {
  auto n = std::make_shared<Node>();
  n->name = std::move(name);
  n->parent_id = parent_id;
  return n;
}
inline std::shared_ptr<ItemKeyword> new_item_keyword(std::shared_ptr<Keyword> keyword, std::int32_t weight) {
  auto k = std::make_shared<ItemKeyword>();
  k->keyword = std::move(keyword);
  k->weight = weight;
  return k;
}

// alice (id 1; addresses 1, 2), bob (2; address 3), carol (3; no address), committed.
inline void seed_users(conformance::trace& t) {
  t.step("seed users");
  quarry::Session s(t.engine);
  auto alice = new_user("alice", "Alice Liddell");
  alice->addresses.push_back(new_address("alice1@example.com"));
  alice->addresses.push_back(new_address("alice2@example.com"));
  auto bob = new_user("bob", "Bob Dobbs");
  bob->addresses.push_back(new_address("bob1@example.com"));
  s.add_all(std::vector{alice, bob, new_user("carol")});
  s.commit();
}

// Items widget (1), gadget (2), doohickey (3); keywords red (1), blue (2);
// orders first (1: alice; widget, gadget), second (2: alice; doohickey), third (3: bob; widget).
// The tables do not depend on each other in one order, so the step is unordered.
inline void seed_orders(conformance::trace& t) {
  t.step("seed orders", true);
  quarry::Session s(t.engine);
  auto item = [](std::string description) {
    auto i = std::make_shared<Item>();
    i->description = std::move(description);
    return i;
  };
  auto keyword = [](std::string name) {
    auto k = std::make_shared<Keyword>();
    k->name = std::move(name);
    return k;
  };
  auto order = [](std::int64_t user_id, std::string description, std::vector<std::shared_ptr<Item>> order_items) {
    auto o = std::make_shared<Order>();
    o->user_id = user_id;
    o->description = std::move(description);
    o->items.assign(std::move(order_items));
    return o;
  };
  auto widget = item("widget"), gadget = item("gadget"), doohickey = item("doohickey");
  auto red = keyword("red"), blue = keyword("blue");
  widget->item_keywords = {new_item_keyword(red, 5), new_item_keyword(blue, 2)};
  gadget->item_keywords = {new_item_keyword(red, 1)};
  s.add_all(std::vector{widget, gadget, doohickey});
  s.add_all(std::vector{order(1, "first", {widget, gadget}), order(1, "second", {doohickey}), order(2, "third", {widget})});
  s.commit();
}

// root (1) with children a (2) and b (3); a has a child a1 (4). One level per
// flush, so that the keys are numbered level by level on both sides; foreign
// keys set as columns, so that no collection is loaded.
inline void seed_tree(conformance::trace& t) {
  t.step("seed tree");
  quarry::Session s(t.engine);
  auto root = s.add(new_node("root"));
  s.flush();
  auto a = s.add(new_node("a", root->id));
  s.add(new_node("b", root->id));
  s.flush();
  s.add(new_node("a1", a->id));
  s.commit();
}

// The users' names, in order: what many scenarios observe (found by ADL from the scenarios).
inline conformance::json names(const std::vector<std::shared_ptr<User>>& all) {
  return conformance::each(all, [](auto& u) { return u->name; });
}

}  // namespace cf
