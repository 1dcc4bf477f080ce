// Quarry - SQLAlchemy for C++20. MIT License.
// A small service to test: customers, their orders, a repository over a
// Session, and a checkout that makes its own session from the application's
// sessionmaker (the kind of code a test cannot hand a session to).
#pragma once

#include <quarry/quarry.hpp>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace shop {

struct Order;

struct Customer {
  std::int64_t id{};
  std::string name;
  std::string email;
  quarry::many<Order> orders;
};

struct Order {
  std::int64_t id{};
  std::int64_t customer_id{};
  std::int64_t total_cents{};
  quarry::one<Customer> customer;
};

QUARRY_MODEL(Customer, "shop_customer",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name),
             QUARRY_COLUMN(email, quarry::unique),
             QUARRY_RELATIONSHIP(orders, quarry::back_populates("customer"), quarry::order_by_column(&Order::id)));
QUARRY_MODEL(Order, "shop_order",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(customer_id, quarry::foreign_key(&Customer::id)),
             QUARRY_COLUMN(total_cents),
             QUARRY_RELATIONSHIP(customer, quarry::back_populates("orders")));

inline quarry::MetaData& metadata() {
  static quarry::MetaData m = [] {
    quarry::MetaData out;
    out.add<Customer, Order>();
    return out;
  }();
  return m;
}

class unknown_customer : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Queries and writes of the shop, over a session the caller owns.
class order_repository {
 public:
  explicit order_repository(quarry::Session& session) : session_(session) {}

  // Orders of at least this total, largest first: a Core statement a test can compile.
  static auto large_orders(std::int64_t min_cents) {
    const auto& o = quarry::table<Order>;
    return quarry::select(o.id, o.total_cents).where(o.total_cents >= min_cents).order_by(o.total_cents.desc());
  }

  std::shared_ptr<Customer> customer_by_email(const std::string& email) {
    return session_.scalars(quarry::select<Customer>().where(quarry::table<Customer>.email == email)).first();
  }

  // Every customer with their orders, in two statements however many customers there are.
  std::vector<std::shared_ptr<Customer>> customers_with_orders() {
    const auto& c = quarry::table<Customer>;
    return session_.scalars(quarry::select<Customer>().options(quarry::selectinload(&Customer::orders)).order_by(c.id)).all();
  }

  std::int64_t revenue_cents() {
    const auto& o = quarry::table<Order>;
    return session_.scalar(quarry::select(quarry::func::sum(o.total_cents))).value_or(0);
  }

 private:
  quarry::Session& session_;
};

// The application's sessions: main() points them at the real database at start-up.
inline quarry::sessionmaker& sessions() {
  static quarry::sessionmaker factory(quarry::create_engine("sqlite://"));
  return factory;
}

// A checkout: its own session from the application's factory, committed.
inline std::int64_t checkout(const std::string& email, std::int64_t total_cents) {
  quarry::Session session = sessions()();
  order_repository orders(session);
  auto customer = orders.customer_by_email(email);
  if (!customer) throw unknown_customer("no customer with email " + email);
  auto order = std::make_shared<Order>();
  order->total_cents = total_cents;
  customer->orders.push_back(order);
  session.commit();
  return order->id;
}

}  // namespace shop
