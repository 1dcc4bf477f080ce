// The ORM compile-time yardstick: 10 models with relationships and 50 session operations and queries.
// Quarry - SQLAlchemy for C++20. MIT License.
// Time it with bench/measure_compile_time.sh (beside a baseline file, in the
// same minutes), or by hand:
//   /usr/bin/time -v g++ -std=c++20 -O2 -Iinclude -c bench/compile_time_orm.cpp -o /dev/null
// The program runs its operations on an in-memory SQLite database and checks
// the counts, so the yardstick cannot drift into code that does nothing.
#include <quarry/quarry.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace store {

struct Address;
struct Order;
struct OrderLine;
struct Product;
struct Category;
struct Supplier;
struct Tag;
struct Review;

struct Customer {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> email;
  quarry::many<Address> addresses;
  quarry::many<Order> orders;
  quarry::many<Review> reviews;
};
struct Address {
  std::int64_t id{};
  std::int64_t customer_id{};
  std::string city;
  quarry::one<Customer> customer;
};
struct Order {
  std::int64_t id{};
  std::int64_t customer_id{};
  double total{};
  quarry::one<Customer> customer;
  quarry::many<OrderLine> lines;
};
struct OrderLine {
  std::int64_t id{};
  std::int64_t order_id{};
  std::int64_t product_id{};
  std::int32_t quantity{};
  quarry::one<Order> order;
  quarry::one<Product> product;
};
struct Category {
  std::int64_t id{};
  std::string name;
  std::optional<std::int64_t> parent_id;
  quarry::one<Category> parent;
  quarry::many<Category> children;
  quarry::many<Product> products;
};
struct Supplier {
  std::int64_t id{};
  std::string name;
  quarry::many<Product> products;
};
struct Product {
  std::int64_t id{};
  std::int64_t category_id{};
  std::int64_t supplier_id{};
  std::string name;
  double price{};
  quarry::one<Category> category;
  quarry::one<Supplier> supplier;
  quarry::many<Tag> tags;
  quarry::many<Review> reviews;
};
struct Tag {
  std::int64_t id{};
  std::string name;
  quarry::many<Product> products;
};
struct ProductTag {
  std::int64_t product_id{};
  std::int64_t tag_id{};
};
struct Review {
  std::int64_t id{};
  std::int64_t product_id{};
  std::int64_t customer_id{};
  std::int32_t stars{};
  quarry::one<Product> product;
  quarry::one<Customer> customer;
};

QUARRY_MODEL(Customer, "ct_customer",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::unique),
             QUARRY_COLUMN(email),
             QUARRY_RELATIONSHIP(addresses, quarry::back_populates("customer"), quarry::cascade("all, delete-orphan")),
             QUARRY_RELATIONSHIP(orders, quarry::back_populates("customer")),
             QUARRY_RELATIONSHIP(reviews, quarry::back_populates("customer")));
QUARRY_MODEL(Address, "ct_address",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(customer_id, quarry::foreign_key(&Customer::id)),
             QUARRY_COLUMN(city),
             QUARRY_RELATIONSHIP(customer, quarry::back_populates("addresses")));
QUARRY_MODEL(Order, "ct_order",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(customer_id, quarry::foreign_key(&Customer::id)),
             QUARRY_COLUMN(total),
             QUARRY_RELATIONSHIP(customer, quarry::back_populates("orders")),
             QUARRY_RELATIONSHIP(lines, quarry::back_populates("order"), quarry::cascade("all, delete-orphan")));
QUARRY_MODEL(OrderLine, "ct_order_line",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(order_id, quarry::foreign_key(&Order::id)),
             QUARRY_COLUMN(product_id, quarry::foreign_key(&Product::id)),
             QUARRY_COLUMN(quantity),
             QUARRY_RELATIONSHIP(order, quarry::back_populates("lines")),
             QUARRY_RELATIONSHIP(product));
QUARRY_MODEL(Category, "ct_category",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name),
             QUARRY_COLUMN(parent_id, quarry::foreign_key(&Category::id)),
             QUARRY_RELATIONSHIP(parent, quarry::back_populates("children")),
             QUARRY_RELATIONSHIP(children, quarry::back_populates("parent")),
             QUARRY_RELATIONSHIP(products, quarry::back_populates("category")));
QUARRY_MODEL(Supplier, "ct_supplier",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name),
             QUARRY_RELATIONSHIP(products, quarry::back_populates("supplier")));
QUARRY_MODEL(Product, "ct_product",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(category_id, quarry::foreign_key(&Category::id)),
             QUARRY_COLUMN(supplier_id, quarry::foreign_key(&Supplier::id)),
             QUARRY_COLUMN(name),
             QUARRY_COLUMN(price),
             QUARRY_RELATIONSHIP(category, quarry::back_populates("products")),
             QUARRY_RELATIONSHIP(supplier, quarry::back_populates("products")),
             QUARRY_RELATIONSHIP(tags, quarry::secondary<ProductTag>(), quarry::back_populates("products")),
             QUARRY_RELATIONSHIP(reviews, quarry::back_populates("product")));
QUARRY_MODEL(Tag, "ct_tag",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::unique),
             QUARRY_RELATIONSHIP(products, quarry::secondary<ProductTag>(), quarry::back_populates("tags")));
QUARRY_MODEL(ProductTag, "ct_product_tag",
             QUARRY_COLUMN(product_id, quarry::foreign_key(&Product::id)),
             QUARRY_COLUMN(tag_id, quarry::foreign_key(&Tag::id)),
             QUARRY_TABLE_ARGS(quarry::primary_key(&ProductTag::product_id, &ProductTag::tag_id)));
QUARRY_MODEL(Review, "ct_review",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(product_id, quarry::foreign_key(&Product::id)),
             QUARRY_COLUMN(customer_id, quarry::foreign_key(&Customer::id)),
             QUARRY_COLUMN(stars),
             QUARRY_RELATIONSHIP(product, quarry::back_populates("reviews")),
             QUARRY_RELATIONSHIP(customer, quarry::back_populates("reviews")));

}  // namespace store

// 50 session operations and queries; returns how many objects and rows they saw.
std::int64_t fifty_operations(quarry::Session& session) {
  using namespace store;
  using quarry::select;
  const auto& customers = quarry::table<Customer>;
  const auto& orders = quarry::table<Order>;
  const auto& products = quarry::table<Product>;
  const auto& categories = quarry::table<Category>;
  const auto& reviews = quarry::table<Review>;
  const auto& tags = quarry::table<Tag>;
  const auto& lines = quarry::table<OrderLine>;
  const auto& addresses = quarry::table<Address>;
  const auto& suppliers = quarry::table<Supplier>;
  std::int64_t seen = 0;

  auto root = session.add(std::make_shared<Category>());                                          // 1
  root->name = "all";
  auto books = session.add(std::make_shared<Category>());                                         // 2
  books->name = "books";
  books->parent = root;                                                                          // 3
  auto acme = session.add(std::make_shared<Supplier>());                                          // 4
  acme->name = "acme";
  auto novel = session.add(std::make_shared<Product>());                                          // 5
  novel->name = "novel";
  novel->price = 12.5;
  novel->category = books;                                                                       // 6
  novel->supplier = acme;                                                                        // 7
  auto classic = session.add(std::make_shared<Tag>());                                            // 8
  classic->name = "classic";
  novel->tags.push_back(classic);                                                                // 9
  auto ada = session.add(std::make_shared<Customer>());                                           // 10
  ada->name = "ada";
  ada->email = "ada@example.com";
  auto home = std::make_shared<Address>();                                                        // 11
  home->city = "London";
  ada->addresses.push_back(home);
  auto order = session.add(std::make_shared<Order>());                                            // 12
  order->total = 25.0;
  order->customer = ada;                                                                         // 13
  auto line = std::make_shared<OrderLine>();                                                      // 14
  line->quantity = 2;
  line->product = novel;                                                                         // 15
  order->lines.push_back(line);                                                                  // 16
  auto review = session.add(std::make_shared<Review>());                                          // 17
  review->stars = 5;
  review->product = novel;                                                                       // 18
  review->customer = ada;                                                                        // 19
  session.commit();                                                                              // 20

  seen += session.get<Customer>(ada->id) ? 1 : 0;                                                // 21
  seen += session.get<Product>(novel->id)->tags.size();                                          // 22
  seen += session.scalars(select<Customer>().where(customers.name == "ada")).all().size();       // 23
  seen += session.scalars(select<Customer>().options(quarry::selectinload(&Customer::orders))).all().size();  // 24
  seen += session.scalars(select<Order>().options(quarry::joinedload(&Order::lines))).all().size();           // 25
  seen += session.scalars(select<Product>().options(quarry::subqueryload(&Product::tags))).all().size();      // 26
  seen += session.scalars(select<Category>().where(categories.parent_id.is_null())).all().size();            // 27
  seen += session.scalars(select<Product>().where(quarry::has(&Product::supplier, suppliers.name == "acme"))).all().size();  // 28
  seen += session.scalars(select<Customer>().where(quarry::any(&Customer::reviews, reviews.stars >= 4))).all().size();  // 29
  seen += session.scalars(select<Order>().join(&Order::customer).where(customers.name.like("a%"))).all().size();       // 30
  seen += session.scalar(select(quarry::func::count(products.id)).where(products.price > 10.0));                      // 31
  seen += session.scalar(select(quarry::func::sum(lines.quantity))).value_or(0);                                       // 32
  for (auto [name, n] : session.execute(select(tags.name, quarry::func::count(tags.id)).group_by(tags.name)))          // 33
    seen += n + static_cast<std::int64_t>(name.size());
  seen += session.scalars(select<Address>().where(addresses.city.in_({"London", "Paris"}))).all().size();             // 34
  seen += session.query<Product>().filter(products.name.startswith("n")).order_by(products.id).all().size();          // 35
  seen += session.query<Review>().filter_by(&Review::stars, 5).count();                                               // 36
  seen += session.execute(quarry::update(products).where(products.id == novel->id).values(products.price = 13.0));   // 37
  seen += session.execute(quarry::delete_(reviews).where(reviews.stars < 2));                                          // 38
  Supplier renamed;
  renamed.id = acme->id;
  renamed.name = "acme ltd";
  auto merged = session.merge(renamed);                                                          // 39
  seen += merged->name.size();
  session.refresh(novel);                                                                        // 40
  session.expire(ada);                                                                           // 41
  seen += ada->addresses.size();                                                                 // 42
  {
    auto savepoint = session.begin_nested();                                                     // 43
    session.delete_(review);                                                                     // 44
    savepoint.rollback();                                                                        // 45
  }
  seen += session.is_modified(novel) ? 1 : 0;                                                    // 46
  order->lines.clear();                                                                          // 47
  session.flush();                                                                               // 48
  seen += session.scalars(select<OrderLine>().where(lines.order_id == order->id)).all().size();  // 49
  session.rollback();                                                                            // 50
  seen += session.scalars(select<Order>().where(orders.total > 0.0)).all().size();
  return seen;
}

int main() {
  auto engine = quarry::create_engine("sqlite://");
  quarry::metadata.create_all(engine);
  quarry::Session session(engine);
  return fifty_operations(session) > 10 ? 0 : 1;
}
