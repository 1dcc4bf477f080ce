// Quarry - SQLAlchemy for C++20. MIT License.
// Loading a three-level object graph (users, their orders, the orders' items)
// with each relationship loading strategy, against hand-written sqlite3
// loaders that run the same statements into plain structs, in one binary.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <quarry/quarry.hpp>

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench_support.hpp"

namespace bench_graph {
struct Order;
struct Item;
struct User {
  std::int64_t id{};
  std::string name;
  quarry::many<Order> orders;
};
struct Order {
  std::int64_t id{};
  std::int64_t user_id{};
  std::string placed;
  quarry::one<User> user;
  quarry::many<Item> items;
};
struct Item {
  std::int64_t id{};
  std::int64_t order_id{};
  std::string sku;
  std::int64_t quantity{};
  quarry::one<Order> order;
};
QUARRY_MODEL(User, "bench_user",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name),
             QUARRY_RELATIONSHIP(orders, quarry::back_populates("user"), quarry::order_by_column(&Order::id)));
QUARRY_MODEL(Order, "bench_order",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(user_id, quarry::foreign_key(&User::id), quarry::index),
             QUARRY_COLUMN(placed),
             QUARRY_RELATIONSHIP(user, quarry::back_populates("orders")),
             QUARRY_RELATIONSHIP(items, quarry::back_populates("order"), quarry::order_by_column(&Item::id)));
QUARRY_MODEL(Item, "bench_item",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(order_id, quarry::foreign_key(&Order::id), quarry::index),
             QUARRY_COLUMN(sku),
             QUARRY_COLUMN(quantity),
             QUARRY_RELATIONSHIP(order, quarry::back_populates("items")));
}  // namespace bench_graph

namespace {
using namespace bench_graph;

const char* const database = "quarry_bench_graph.db";
constexpr std::int64_t orders_per_user = 10, items_per_order = 5;

// 1,000 users at the default 100,000 rows (QUARRY_BENCH_ROWS / 100).
std::int64_t users() { return std::max<std::int64_t>(1, quarry_bench::rows() / 100); }
std::int64_t expected_quantity() {
  return users() * orders_per_user * (items_per_order * (items_per_order + 1) / 2);
}

void must(int rc, sqlite3* db) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) throw std::runtime_error(sqlite3_errmsg(db));
}

sqlite3* open_raw() {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(database, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
    throw std::runtime_error("cannot open the benchmark database");
  return db;
}

void fill_graph() {
  std::remove(database);
  auto engine = quarry::create_engine(std::string("sqlite:///") + database);
  quarry::MetaData metadata;
  metadata.add<User, Order, Item>();
  metadata.create_all(engine);
  auto conn = engine.connect();
  const auto& u = quarry::table<User>;
  const auto& o = quarry::table<Order>;
  const auto& i = quarry::table<Item>;
  std::vector<User> user_rows;
  std::vector<Order> order_rows;
  std::vector<Item> item_rows;
  for (std::int64_t user = 1; user <= users(); ++user) {
    user_rows.push_back({user, "user " + std::to_string(user), {}});
    for (std::int64_t k = 0; k < orders_per_user; ++k) {
      std::int64_t order = (user - 1) * orders_per_user + k + 1;
      order_rows.push_back({order, user, "2026-11-26", {}, {}});
      for (std::int64_t n = 1; n <= items_per_order; ++n)
        item_rows.push_back({(order - 1) * items_per_order + n, order, "sku-" + std::to_string(n), n, {}});
    }
  }
  conn.execute(quarry::insert(u), user_rows);
  conn.execute(quarry::insert(o), order_rows);
  conn.execute(quarry::insert(i), item_rows);
  conn.commit();
}

// --- the hand-written loader: one statement with both joins, rows folded into nested structs ---

struct raw_item {
  std::int64_t id, order_id;
  std::string sku;
  std::int64_t quantity;
};
struct raw_order {
  std::int64_t id, user_id;
  std::string placed;
  std::vector<raw_item> items;
};
struct raw_user {
  std::int64_t id;
  std::string name;
  std::vector<raw_order> orders;
};

std::string text_column(sqlite3_stmt* s, int i) {
  return {reinterpret_cast<const char*>(sqlite3_column_text(s, i)), static_cast<std::size_t>(sqlite3_column_bytes(s, i))};
}

std::int64_t total_quantity(const std::vector<raw_user>& loaded) {
  std::int64_t quantity = 0;
  for (auto& u : loaded)
    for (auto& o : u.orders)
      for (auto& i : o.items) quantity += i.quantity;
  return quantity;
}

raw_order read_order(sqlite3_stmt* s) { return {sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), text_column(s, 2), {}}; }
raw_item read_item(sqlite3_stmt* s) {
  return {sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), text_column(s, 2), sqlite3_column_int64(s, 3)};
}

std::vector<raw_user> read_users(sqlite3* db) {
  sqlite3_stmt* s = nullptr;
  must(sqlite3_prepare_v2(db, "SELECT id, name FROM bench_user ORDER BY id", -1, &s, nullptr), db);
  std::vector<raw_user> users;
  while (sqlite3_step(s) == SQLITE_ROW) users.push_back({sqlite3_column_int64(s, 0), text_column(s, 1), {}});
  sqlite3_finalize(s);
  return users;
}

// Each way below issues the statements of the Quarry strategy of the same name.
// joined: one statement with both joins, rows folded into nested structs.
std::vector<raw_user> load_joined(sqlite3* db) {
  const char* sql =
      "SELECT u.id, u.name, o.id, o.user_id, o.placed, i.id, i.order_id, i.sku, i.quantity FROM bench_user u "
      "LEFT OUTER JOIN bench_order o ON u.id = o.user_id LEFT OUTER JOIN bench_item i ON o.id = i.order_id "
      "ORDER BY u.id, o.id, i.id";
  sqlite3_stmt* s = nullptr;
  must(sqlite3_prepare_v2(db, sql, -1, &s, nullptr), db);
  std::vector<raw_user> loaded;
  while (sqlite3_step(s) == SQLITE_ROW) {
    std::int64_t user = sqlite3_column_int64(s, 0);
    if (loaded.empty() || loaded.back().id != user) loaded.push_back({user, text_column(s, 1), {}});
    if (sqlite3_column_type(s, 2) == SQLITE_NULL) continue;
    auto& orders = loaded.back().orders;
    std::int64_t order = sqlite3_column_int64(s, 2);
    if (orders.empty() || orders.back().id != order) orders.push_back({order, sqlite3_column_int64(s, 3), text_column(s, 4), {}});
    if (sqlite3_column_type(s, 5) == SQLITE_NULL) continue;
    orders.back().items.push_back({sqlite3_column_int64(s, 5), sqlite3_column_int64(s, 6), text_column(s, 7), sqlite3_column_int64(s, 8)});
  }
  sqlite3_finalize(s);
  return loaded;
}

// lazy: one statement per user for its orders, one per order for its items.
std::vector<raw_user> load_lazy(sqlite3* db) {
  auto loaded = read_users(db);
  sqlite3_stmt* orders = nullptr;
  sqlite3_stmt* items = nullptr;
  must(sqlite3_prepare_v2(db, "SELECT id, user_id, placed FROM bench_order WHERE user_id = ? ORDER BY id", -1, &orders, nullptr), db);
  must(sqlite3_prepare_v2(db, "SELECT id, order_id, sku, quantity FROM bench_item WHERE order_id = ? ORDER BY id", -1, &items, nullptr), db);
  for (auto& u : loaded) {
    sqlite3_bind_int64(orders, 1, u.id);
    while (sqlite3_step(orders) == SQLITE_ROW) u.orders.push_back(read_order(orders));
    sqlite3_reset(orders);
    for (auto& o : u.orders) {
      sqlite3_bind_int64(items, 1, o.id);
      while (sqlite3_step(items) == SQLITE_ROW) o.items.push_back(read_item(items));
      sqlite3_reset(items);
    }
  }
  sqlite3_finalize(orders);
  sqlite3_finalize(items);
  return loaded;
}

// Runs `select` (ending in "IN (") for the keys in batches of 500, the
// relationship's ORDER BY after them, handing each row to `row`.
template <class Row>
void select_in(sqlite3* db, const std::string& select, const std::vector<std::int64_t>& keys, Row row) {
  constexpr std::size_t batch = 500;
  for (std::size_t from = 0; from < keys.size(); from += batch) {
    std::size_t n = std::min(batch, keys.size() - from);
    std::string sql = select;
    for (std::size_t k = 0; k < n; ++k) sql += k ? ", ?" : "?";
    sql += ") ORDER BY id";
    sqlite3_stmt* s = nullptr;
    must(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), db);
    for (std::size_t k = 0; k < n; ++k) sqlite3_bind_int64(s, static_cast<int>(k + 1), keys[from + k]);
    while (sqlite3_step(s) == SQLITE_ROW) row(s);
    sqlite3_finalize(s);
  }
}

// selectin: the orders of all users by their keys in batches, then the items likewise.
std::vector<raw_user> load_selectin(sqlite3* db) {
  auto loaded = read_users(db);
  std::unordered_map<std::int64_t, raw_user*> users;
  std::vector<std::int64_t> keys;
  for (auto& u : loaded) {
    users.emplace(u.id, &u);
    keys.push_back(u.id);
  }
  select_in(db, "SELECT id, user_id, placed FROM bench_order WHERE user_id IN (", keys,
            [&](sqlite3_stmt* s) { users.at(sqlite3_column_int64(s, 1))->orders.push_back(read_order(s)); });
  std::unordered_map<std::int64_t, raw_order*> orders;
  keys.clear();
  for (auto& u : loaded)
    for (auto& o : u.orders) {
      orders.emplace(o.id, &o);
      keys.push_back(o.id);
    }
  select_in(db, "SELECT id, order_id, sku, quantity FROM bench_item WHERE order_id IN (", keys,
            [&](sqlite3_stmt* s) { orders.at(sqlite3_column_int64(s, 1))->items.push_back(read_item(s)); });
  return loaded;
}

// subquery: the orders joined to the users' statement as a subquery, then the
// items joined to that (the statements Quarry emits, word for word).
std::vector<raw_user> load_subquery(sqlite3* db) {
  auto loaded = read_users(db);
  std::unordered_map<std::int64_t, raw_user*> users;
  for (auto& u : loaded) users.emplace(u.id, &u);
  sqlite3_stmt* s = nullptr;
  must(sqlite3_prepare_v2(db,
                          "SELECT bench_order.id, bench_order.user_id, bench_order.placed FROM bench_order JOIN "
                          "(SELECT DISTINCT bench_user.id FROM bench_user) AS anon_parents "
                          "ON bench_order.user_id = anon_parents.id ORDER BY bench_order.id",
                          -1, &s, nullptr),
       db);
  while (sqlite3_step(s) == SQLITE_ROW) users.at(sqlite3_column_int64(s, 1))->orders.push_back(read_order(s));
  sqlite3_finalize(s);
  std::unordered_map<std::int64_t, raw_order*> orders;
  for (auto& u : loaded)
    for (auto& o : u.orders) orders.emplace(o.id, &o);
  must(sqlite3_prepare_v2(db,
                          "SELECT bench_item.id, bench_item.order_id, bench_item.sku, bench_item.quantity FROM bench_item "
                          "JOIN (SELECT DISTINCT bench_order.id FROM bench_order JOIN (SELECT DISTINCT bench_user.id "
                          "FROM bench_user) AS anon_parents ON bench_order.user_id = anon_parents.id) "
                          "AS anon_parents ON bench_item.order_id = anon_parents.id ORDER BY bench_item.id",
                          -1, &s, nullptr),
       db);
  while (sqlite3_step(s) == SQLITE_ROW) orders.at(sqlite3_column_int64(s, 1))->items.push_back(read_item(s));
  sqlite3_finalize(s);
  return loaded;
}

// The load of one iteration, a function of its own so that callgrind can count
// it alone (--toggle-collect='*timed_load*'); returns the items' total quantity.
[[gnu::noinline]] std::int64_t timed_load(sqlite3* db, std::vector<raw_user> (*load)(sqlite3*)) {
  return total_quantity(load(db));
}

void raw_graph(benchmark::State& state, std::vector<raw_user> (*load)(sqlite3*)) {
  fill_graph();
  sqlite3* db = open_raw();  // opened once, as the ORM's engine keeps its pooled connection
  for (auto _ : state)
    if (timed_load(db, load) != expected_quantity()) state.SkipWithError("wrong total");
  sqlite3_close(db);
  state.SetItemsProcessed(state.iterations() * users() * orders_per_user * items_per_order);
}

// --- Quarry: select<User>() with the orders and their items loaded one way ---

[[gnu::noinline]] std::int64_t timed_load(quarry::Engine& engine, const quarry::loader_option& path) {
  quarry::Session session(engine);
  auto loaded = session.scalars(quarry::select<User>().options(path).order_by(quarry::table<User>.id));
  std::int64_t quantity = 0;
  for (auto& u : loaded)
    for (auto& o : u->orders)
      for (auto& i : o->items) quantity += i->quantity;
  return quantity;
}

void orm_graph(benchmark::State& state, quarry::loading strategy) {
  fill_graph();
  auto engine = quarry::create_engine(std::string("sqlite:///") + database);
  auto path = [&] {
    switch (strategy) {
      case quarry::loading::joined: return quarry::joinedload(&User::orders).joinedload(&Order::items);
      case quarry::loading::selectin: return quarry::selectinload(&User::orders).selectinload(&Order::items);
      case quarry::loading::subquery: return quarry::subqueryload(&User::orders).subqueryload(&Order::items);
      default: return quarry::lazyload(&User::orders).lazyload(&Order::items);
    }
  }();
  for (auto _ : state)
    if (timed_load(engine, path) != expected_quantity()) state.SkipWithError("wrong total");
  state.SetItemsProcessed(state.iterations() * users() * orders_per_user * items_per_order);
}

}  // namespace

BENCHMARK_CAPTURE(raw_graph, joined, load_joined)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(raw_graph, selectin, load_selectin)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(raw_graph, subquery, load_subquery)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(raw_graph, lazy, load_lazy)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(orm_graph, joined, quarry::loading::joined)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(orm_graph, selectin, quarry::loading::selectin)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(orm_graph, subquery, quarry::loading::subquery)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(orm_graph, lazy, quarry::loading::select)->Unit(benchmark::kMillisecond);
