// Quarry - SQLAlchemy for C++20. MIT License.
// Models shared by the Core tests: a user/address pair joined by a foreign key,
// a table named by a reserved word with an upper-case column, a composite key,
// an enum, a self-reference and a field that is not mapped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <quarry/quarry.hpp>

namespace core_models {

QUARRY_ENUM(Status, active, suspended);

struct User {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> fullname;
  Status status = Status::active;
  std::optional<std::int64_t> manager_id;
};
QUARRY_MODEL(User, "user_account",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(30), quarry::unique),
             QUARRY_COLUMN(fullname),
             QUARRY_COLUMN(status, quarry::default_(Status::active)),
             QUARRY_COLUMN(manager_id, quarry::foreign_key(&User::id, quarry::fk_action::set_null)));

struct Address {
  std::int64_t id{};
  std::int64_t user_id{};
  std::string email;
};
QUARRY_MODEL(Address, "address",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(user_id, quarry::foreign_key(&User::id, quarry::fk_action::cascade)),
             QUARRY_COLUMN(email, quarry::index));

struct Product {
  std::string sku;
  std::string title;
  double price{};
  std::int32_t stock{};
  std::string note;  // kept in memory only
};
QUARRY_MODEL(Product, "product",
             QUARRY_COLUMN(sku, quarry::primary_key, quarry::length(12)),
             QUARRY_COLUMN(title),
             QUARRY_COLUMN(price, quarry::check("price >= 0")),
             QUARRY_COLUMN(stock, quarry::server_default("0")),
             QUARRY_NOT_MAPPED(note));

// "order" is a reserved word and "Total" has an upper-case letter: both are quoted.
struct Order {
  std::int64_t id{};
  std::int64_t user_id{};
  std::optional<std::int64_t> approved_by;
  double total{};
};
QUARRY_MODEL(Order, "order",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(user_id, quarry::foreign_key(&User::id)),
             QUARRY_COLUMN(approved_by, quarry::foreign_key(&User::id)),
             QUARRY_COLUMN(total, quarry::name("Total")));

struct OrderLine {
  std::int64_t order_id{};
  std::int32_t line_no{};
  std::string sku;
  std::int32_t quantity{};
};
QUARRY_MODEL(OrderLine, "order_line",
             QUARRY_COLUMN(order_id, quarry::foreign_key(&Order::id, quarry::fk_action::cascade)),
             QUARRY_COLUMN(line_no),
             QUARRY_COLUMN(sku, quarry::foreign_key(&Product::sku)),
             QUARRY_COLUMN(quantity),
             QUARRY_TABLE_ARGS(quarry::primary_key(&OrderLine::order_id, &OrderLine::line_no),
                               quarry::index("ix_order_line_sku_quantity", &OrderLine::sku, &OrderLine::quantity)
                                   .where("quantity > 0"),
                               quarry::check("quantity <> 0")));

// A composite foreign key (to order_line's composite key), a multi-column
// unique constraint and a unique index.
struct Shipment {
  std::int64_t id{};
  std::int64_t order_id{};
  std::int32_t line_no{};
  std::string carrier;
  std::string tracking;
};
QUARRY_MODEL(Shipment, "shipment",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(order_id),
             QUARRY_COLUMN(line_no),
             QUARRY_COLUMN(carrier),
             QUARRY_COLUMN(tracking),
             QUARRY_TABLE_ARGS(quarry::foreign_key(quarry::columns(&Shipment::order_id, &Shipment::line_no),
                                                   quarry::references(&OrderLine::order_id, &OrderLine::line_no),
                                                   quarry::fk_action::cascade),
                               quarry::unique(&Shipment::carrier, &Shipment::tracking),
                               quarry::index("ix_shipment_line", &Shipment::order_id, &Shipment::line_no).unique()));

inline quarry::MetaData metadata() {
  quarry::MetaData m;
  m.add<Shipment, OrderLine, Order, Address, Product, User>();
  return m;
}

}  // namespace core_models
