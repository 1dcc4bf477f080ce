// Quarry - SQLAlchemy for C++20. MIT License.
// The compile-time yardstick: one translation unit with 10 models and 50
// distinct queries. Time it with
//   /usr/bin/time -v g++ -std=c++20 -O2 -Iinclude -c bench/compile_time.cpp -o /dev/null
// and watch seconds and peak memory.
// It includes what it uses, the Core and the SQLite dialect; quarry/quarry.hpp
// adds the ORM, about 2 s more.
#include <quarry/core.hpp>
#include <quarry/dialect/sqlite.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shop {

struct Customer {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> note;
  double amount{};
  std::int32_t quantity{};
};
QUARRY_MODEL(Customer, "customer",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(40)),
             QUARRY_COLUMN(note),
             QUARRY_COLUMN(amount),
             QUARRY_COLUMN(quantity, quarry::server_default("0")));

struct Supplier {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> note;
  double amount{};
  std::int32_t quantity{};
  std::int64_t customer_id{};
};
QUARRY_MODEL(Supplier, "supplier",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(40)),
             QUARRY_COLUMN(note),
             QUARRY_COLUMN(amount),
             QUARRY_COLUMN(quantity, quarry::server_default("0")),
             QUARRY_COLUMN(customer_id, quarry::foreign_key(&Customer::id, quarry::fk_action::cascade)));

struct Category {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> note;
  double amount{};
  std::int32_t quantity{};
  std::int64_t supplier_id{};
};
QUARRY_MODEL(Category, "category",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(40)),
             QUARRY_COLUMN(note),
             QUARRY_COLUMN(amount),
             QUARRY_COLUMN(quantity, quarry::server_default("0")),
             QUARRY_COLUMN(supplier_id, quarry::foreign_key(&Supplier::id, quarry::fk_action::cascade)));

struct Product {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> note;
  double amount{};
  std::int32_t quantity{};
  std::int64_t category_id{};
};
QUARRY_MODEL(Product, "product",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(40)),
             QUARRY_COLUMN(note),
             QUARRY_COLUMN(amount),
             QUARRY_COLUMN(quantity, quarry::server_default("0")),
             QUARRY_COLUMN(category_id, quarry::foreign_key(&Category::id, quarry::fk_action::cascade)));

struct Warehouse {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> note;
  double amount{};
  std::int32_t quantity{};
  std::int64_t product_id{};
};
QUARRY_MODEL(Warehouse, "warehouse",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(40)),
             QUARRY_COLUMN(note),
             QUARRY_COLUMN(amount),
             QUARRY_COLUMN(quantity, quarry::server_default("0")),
             QUARRY_COLUMN(product_id, quarry::foreign_key(&Product::id, quarry::fk_action::cascade)));

struct Stock {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> note;
  double amount{};
  std::int32_t quantity{};
  std::int64_t warehouse_id{};
};
QUARRY_MODEL(Stock, "stock",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(40)),
             QUARRY_COLUMN(note),
             QUARRY_COLUMN(amount),
             QUARRY_COLUMN(quantity, quarry::server_default("0")),
             QUARRY_COLUMN(warehouse_id, quarry::foreign_key(&Warehouse::id, quarry::fk_action::cascade)));

struct Order {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> note;
  double amount{};
  std::int32_t quantity{};
  std::int64_t stock_id{};
};
QUARRY_MODEL(Order, "orders",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(40)),
             QUARRY_COLUMN(note),
             QUARRY_COLUMN(amount),
             QUARRY_COLUMN(quantity, quarry::server_default("0")),
             QUARRY_COLUMN(stock_id, quarry::foreign_key(&Stock::id, quarry::fk_action::cascade)));

struct OrderItem {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> note;
  double amount{};
  std::int32_t quantity{};
  std::int64_t orders_id{};
};
QUARRY_MODEL(OrderItem, "order_item",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(40)),
             QUARRY_COLUMN(note),
             QUARRY_COLUMN(amount),
             QUARRY_COLUMN(quantity, quarry::server_default("0")),
             QUARRY_COLUMN(orders_id, quarry::foreign_key(&Order::id, quarry::fk_action::cascade)));

struct Payment {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> note;
  double amount{};
  std::int32_t quantity{};
  std::int64_t order_item_id{};
};
QUARRY_MODEL(Payment, "payment",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(40)),
             QUARRY_COLUMN(note),
             QUARRY_COLUMN(amount),
             QUARRY_COLUMN(quantity, quarry::server_default("0")),
             QUARRY_COLUMN(order_item_id, quarry::foreign_key(&OrderItem::id, quarry::fk_action::cascade)));

struct Review {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> note;
  double amount{};
  std::int32_t quantity{};
  std::int64_t payment_id{};
};
QUARRY_MODEL(Review, "review",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(40)),
             QUARRY_COLUMN(note),
             QUARRY_COLUMN(amount),
             QUARRY_COLUMN(quantity, quarry::server_default("0")),
             QUARRY_COLUMN(payment_id, quarry::foreign_key(&Payment::id, quarry::fk_action::cascade)));

}  // namespace shop


// Compiles each query for SQLite, so that every statement type is instantiated.
template <class S>
std::size_t sql_size(const S& s) {
  static const quarry::sqlite::dialect dialect;
  return quarry::compile(s, dialect).sql.size();
}

std::size_t fifty_queries() {
  using namespace quarry;
  using namespace shop;
  std::size_t total = 0;

  const auto& t0 = table<Customer>;
  const auto& t1 = table<Supplier>;
  const auto& t2 = table<Category>;
  const auto& t3 = table<Product>;
  const auto& t4 = table<Warehouse>;
  const auto& t5 = table<Stock>;
  const auto& t6 = table<Order>;
  const auto& t7 = table<OrderItem>;
  const auto& t8 = table<Payment>;
  const auto& t9 = table<Review>;
  total += sql_size(select(t0.id, t0.name).where(t0.amount > 10.5 && t0.note.is_not_null()));
  total += sql_size(select<Customer>().where(t0.name.like("a%")).order_by(t0.id.desc()).limit(1));
  total += sql_size(select(t0.quantity, func::count(t0.id)).group_by(t0.quantity).having(func::count(t0.id) > 0));
  total += sql_size(insert(t0).values(t0.name = "x", t0.amount = 1.0, t0.quantity = 2).returning(t0.id));
  total += sql_size(delete_(t0).where(t0.name.startswith("tmp") || t0.amount < 0));
  total += sql_size(select(t1.id, t1.name).where(t1.amount > 10.5 && t1.note.is_not_null()));
  total += sql_size(select<Supplier>().where(t1.name.like("a%")).order_by(t1.id.desc()).limit(2));
  total += sql_size(select(t1.quantity, func::count(t1.id)).group_by(t1.quantity).having(func::count(t1.id) > 1));
  total += sql_size(select(t0.name, t1.name).join(t1).where(t0.id.in_({1, 2, 4})));
  total += sql_size(update(t1).where(t1.customer_id == 1).values(t1.amount = t1.amount * 2, t1.note = std::nullopt));
  total += sql_size(select(t2.id, t2.name).where(t2.amount > 10.5 && t2.note.is_not_null()));
  total += sql_size(select<Category>().where(t2.name.like("a%")).order_by(t2.id.desc()).limit(3));
  total += sql_size(select(t2.quantity, func::count(t2.id)).group_by(t2.quantity).having(func::count(t2.id) > 2));
  total += sql_size(select(t1.name, t2.name).join(t2).where(t1.id.in_({1, 2, 5})));
  total += sql_size(update(t2).where(t2.supplier_id == 2).values(t2.amount = t2.amount * 2, t2.note = std::nullopt));
  total += sql_size(select(t3.id, t3.name).where(t3.amount > 10.5 && t3.note.is_not_null()));
  total += sql_size(select<Product>().where(t3.name.like("a%")).order_by(t3.id.desc()).limit(4));
  total += sql_size(select(t3.quantity, func::count(t3.id)).group_by(t3.quantity).having(func::count(t3.id) > 3));
  total += sql_size(select(t2.name, t3.name).join(t3).where(t2.id.in_({1, 2, 6})));
  total += sql_size(update(t3).where(t3.category_id == 3).values(t3.amount = t3.amount * 2, t3.note = std::nullopt));
  total += sql_size(select(t4.id, t4.name).where(t4.amount > 10.5 && t4.note.is_not_null()));
  total += sql_size(select<Warehouse>().where(t4.name.like("a%")).order_by(t4.id.desc()).limit(5));
  total += sql_size(select(t4.quantity, func::count(t4.id)).group_by(t4.quantity).having(func::count(t4.id) > 4));
  total += sql_size(select(t3.name, t4.name).join(t4).where(t3.id.in_({1, 2, 7})));
  total += sql_size(update(t4).where(t4.product_id == 4).values(t4.amount = t4.amount * 2, t4.note = std::nullopt));
  total += sql_size(select(t5.id, t5.name).where(t5.amount > 10.5 && t5.note.is_not_null()));
  total += sql_size(select<Stock>().where(t5.name.like("a%")).order_by(t5.id.desc()).limit(6));
  total += sql_size(select(t5.quantity, func::count(t5.id)).group_by(t5.quantity).having(func::count(t5.id) > 5));
  total += sql_size(select(t4.name, t5.name).join(t5).where(t4.id.in_({1, 2, 8})));
  total += sql_size(update(t5).where(t5.warehouse_id == 5).values(t5.amount = t5.amount * 2, t5.note = std::nullopt));
  total += sql_size(select(t6.id, t6.name).where(t6.amount > 10.5 && t6.note.is_not_null()));
  total += sql_size(select<Order>().where(t6.name.like("a%")).order_by(t6.id.desc()).limit(7));
  total += sql_size(select(t6.quantity, func::count(t6.id)).group_by(t6.quantity).having(func::count(t6.id) > 6));
  total += sql_size(select(t5.name, t6.name).join(t6).where(t5.id.in_({1, 2, 9})));
  total += sql_size(update(t6).where(t6.stock_id == 6).values(t6.amount = t6.amount * 2, t6.note = std::nullopt));
  total += sql_size(select(t7.id, t7.name).where(t7.amount > 10.5 && t7.note.is_not_null()));
  total += sql_size(select<OrderItem>().where(t7.name.like("a%")).order_by(t7.id.desc()).limit(8));
  total += sql_size(select(t7.quantity, func::count(t7.id)).group_by(t7.quantity).having(func::count(t7.id) > 7));
  total += sql_size(select(t6.name, t7.name).join(t7).where(t6.id.in_({1, 2, 10})));
  total += sql_size(update(t7).where(t7.orders_id == 7).values(t7.amount = t7.amount * 2, t7.note = std::nullopt));
  total += sql_size(select(t8.id, t8.name).where(t8.amount > 10.5 && t8.note.is_not_null()));
  total += sql_size(select<Payment>().where(t8.name.like("a%")).order_by(t8.id.desc()).limit(9));
  total += sql_size(select(t8.quantity, func::count(t8.id)).group_by(t8.quantity).having(func::count(t8.id) > 8));
  total += sql_size(select(t7.name, t8.name).join(t8).where(t7.id.in_({1, 2, 11})));
  total += sql_size(update(t8).where(t8.order_item_id == 8).values(t8.amount = t8.amount * 2, t8.note = std::nullopt));
  total += sql_size(select(t9.id, t9.name).where(t9.amount > 10.5 && t9.note.is_not_null()));
  total += sql_size(select<Review>().where(t9.name.like("a%")).order_by(t9.id.desc()).limit(10));
  total += sql_size(select(t9.quantity, func::count(t9.id)).group_by(t9.quantity).having(func::count(t9.id) > 9));
  total += sql_size(select(t8.name, t9.name).join(t9).where(t8.id.in_({1, 2, 12})));
  total += sql_size(update(t9).where(t9.payment_id == 9).values(t9.amount = t9.amount * 2, t9.note = std::nullopt));

  return total;
}

int main() { return fifty_queries() > 0 ? 0 : 1; }
