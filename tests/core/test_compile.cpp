// Quarry - SQLAlchemy for C++20. MIT License.
// The SQL each statement compiles to, for SQLite and PostgreSQL, without a database.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <quarry/dialect/postgresql/dialect.hpp>
#include <quarry/types/json.hpp>

#include "models.hpp"

using namespace quarry;
using namespace core_models;

namespace {
const sqlite::dialect sqlite_dialect;
const postgresql::dialect pg_dialect;

template <class S>
std::string sqlite_sql(const S& s) {
  return compile(s, sqlite_dialect).sql;
}
template <class S>
std::string pg_sql(const S& s) {
  return compile(s, pg_dialect).sql;
}

const auto& u = table<User>;
const auto& a = table<Address>;
const auto& o = table<Order>;
const auto& line = table<OrderLine>;
const auto& p = table<Product>;
}  // namespace

TEST_CASE("select derives FROM from its columns and qualifies every column", "[compile]") {
  auto s = select(u.id, u.name).where(u.name == "spongebob");
  CHECK(sqlite_sql(s) == "SELECT user_account.id, user_account.name FROM user_account WHERE user_account.name = ?");
  CHECK(pg_sql(s) == "SELECT user_account.id, user_account.name FROM user_account WHERE user_account.name = $1");
  auto c = compile(s, pg_dialect);
  REQUIRE(c.params.size() == 1);
  CHECK(std::get<std::string>(c.params[0].data()) == "spongebob");
}

TEST_CASE("select<Model>() lists the model's columns in declaration order", "[compile]") {
  CHECK(sqlite_sql(select<User>()) ==
        "SELECT user_account.id, user_account.name, user_account.fullname, user_account.status, "
        "user_account.manager_id FROM user_account");
  CHECK(sqlite_sql(select<Product>()) ==
        "SELECT product.sku, product.title, product.price, product.stock FROM product");
}

TEST_CASE("reserved words, upper case and quotes in names are quoted", "[compile]") {
  CHECK(sqlite_sql(select(o.id, o.total)) == R"(SELECT "order".id, "order"."Total" FROM "order")");
  CHECK(pg_sql(select(o.id, o.total).where(o.total > 10.5)) ==
        R"(SELECT "order".id, "order"."Total" FROM "order" WHERE "order"."Total" > $1)");
  auto odd = aliased<User>("we\"ird");
  CHECK(sqlite_sql(select(odd.id)) == R"(SELECT "we""ird".id FROM user_account AS "we""ird")");
}

TEST_CASE("operators, precedence and null comparisons", "[compile]") {
  auto s = select(u.id).where((u.name == "a" || u.name == "b") && !(u.id > 3) && u.fullname == nullptr &&
                              u.manager_id != std::nullopt);
  CHECK(sqlite_sql(s) ==
        "SELECT user_account.id FROM user_account WHERE (user_account.name = ? OR user_account.name = ?) AND NOT "
        "user_account.id > ? AND user_account.fullname IS NULL AND user_account.manager_id IS NOT NULL");
  auto arithmetic = select((p.price * 2 + 1).label("doubled"), p.title + " (" + p.sku + ")", -p.stock);
  CHECK(pg_sql(arithmetic) ==
        "SELECT product.price * $1 + $2 AS doubled, product.title || $3 || product.sku || $4, -product.stock FROM "
        "product");
  CHECK(sqlite_sql(select(p.price - (p.stock - 1))) == "SELECT product.price - (product.stock - ?) FROM product");
}

TEST_CASE("IN lists, empty IN, LIKE family, BETWEEN", "[compile]") {
  CHECK(pg_sql(select(u.id).where(u.id.in_({1, 2, 3}))) ==
        "SELECT user_account.id FROM user_account WHERE user_account.id IN ($1, $2, $3)");
  std::vector<std::int64_t> none;
  CHECK(pg_sql(select(u.id).where(u.id.in_(none))) == "SELECT user_account.id FROM user_account WHERE 1 != 1");
  CHECK(pg_sql(select(u.id).where(u.id.not_in(none))) == "SELECT user_account.id FROM user_account WHERE 1 = 1");
  CHECK(sqlite_sql(select(u.id).where(u.name.like("s%") && u.name.not_like("x%"))) ==
        "SELECT user_account.id FROM user_account WHERE user_account.name LIKE ? AND user_account.name NOT LIKE ?");
  CHECK(pg_sql(select(u.id).where(u.name.ilike("S%"))) ==
        "SELECT user_account.id FROM user_account WHERE user_account.name ILIKE $1");
  CHECK(sqlite_sql(select(u.id).where(u.name.ilike("S%"))) ==
        "SELECT user_account.id FROM user_account WHERE lower(user_account.name) LIKE lower(?)");
  auto starts = compile(select(u.id).where(u.name.startswith("50%_off")), sqlite_dialect);
  CHECK(starts.sql == "SELECT user_account.id FROM user_account WHERE user_account.name LIKE ? ESCAPE '/'");
  CHECK(std::get<std::string>(starts.params[0].data()) == "50/%/_off%");
  CHECK(std::get<std::string>(compile(select(u.id).where(u.name.contains("a/b")), pg_dialect).params[0].data()) ==
        "%a//b%");
  CHECK(pg_sql(select(p.sku).where(p.price.between(1, 2.5))) ==
        "SELECT product.sku FROM product WHERE product.price BETWEEN $1 AND $2");
}

TEST_CASE("functions, labels, case, cast, coalesce, distinct", "[compile]") {
  auto s = select(func::count(), func::count(distinct(u.name)), func::max(u.id).label("top"),
                  coalesce(u.fullname, u.name), cast<std::string>(u.id),
                  case_(when(u.id < 10, "low"), when(u.id < 100, "mid")).else_("high"),
                  func::call<double>("round", p.price, 1));
  CHECK(pg_sql(s) ==
        "SELECT count(*), count(DISTINCT user_account.name), max(user_account.id) AS top, "
        "coalesce(user_account.fullname, user_account.name), CAST(user_account.id AS TEXT), CASE WHEN "
        "user_account.id < $1 THEN $2 WHEN user_account.id < $3 THEN $4 ELSE $5 END, round(product.price, $6) "
        "FROM user_account, product");
  CHECK_THROWS_AS(func::call<int>("drop table x; --", u.id), ArgumentError);
  CHECK_THROWS_AS(func::call<int>("", u.id), ArgumentError);
  CHECK_NOTHROW(func::call<int>("pg_catalog.abs", u.id));
}

TEST_CASE("group by, having, order by, limit and offset", "[compile]") {
  auto n = func::count(a.id).label("n");
  auto s = select(u.name, n).join(a).group_by(u.name).having(func::count(a.id) > 1).order_by(n.desc(), u.name.asc().nulls_last()).limit(10).offset(20);
  CHECK(pg_sql(s) ==
        "SELECT user_account.name, count(address.id) AS n FROM user_account JOIN address ON address.user_id = "
        "user_account.id GROUP BY user_account.name HAVING count(address.id) > $1 ORDER BY n DESC, "
        "user_account.name ASC NULLS LAST LIMIT $2 OFFSET $3");
  CHECK(sqlite_sql(select(u.id).offset(5)) == "SELECT user_account.id FROM user_account LIMIT -1 OFFSET ?");
  CHECK(pg_sql(select(u.id).offset(5)) == "SELECT user_account.id FROM user_account OFFSET $1");
  CHECK(sqlite_sql(select(u.id).distinct()) == "SELECT DISTINCT user_account.id FROM user_account");
  CHECK(sqlite_sql(select(u.id).order_by(desc(u.name), asc(u.id).nulls_first())) ==
        "SELECT user_account.id FROM user_account ORDER BY user_account.name DESC, user_account.id ASC NULLS FIRST");
}

TEST_CASE("joins: explicit, inferred from the foreign key, outer, self-joins", "[compile]") {
  CHECK(sqlite_sql(select(u.name, a.email).join(a, a.user_id == u.id)) ==
        "SELECT user_account.name, address.email FROM user_account JOIN address ON address.user_id = user_account.id");
  CHECK(sqlite_sql(select(u.name, a.email).outerjoin(a)) ==
        "SELECT user_account.name, address.email FROM user_account LEFT OUTER JOIN address ON address.user_id = "
        "user_account.id");
  CHECK(pg_sql(select(a.email, u.name).full_outerjoin(u)) ==
        "SELECT address.email, user_account.name FROM address FULL OUTER JOIN user_account ON address.user_id = "
        "user_account.id");
  CHECK(pg_sql(select(u.name).select_from(a).right_outerjoin(u)) ==
        "SELECT user_account.name FROM address RIGHT OUTER JOIN user_account ON address.user_id = user_account.id");
  // The composite key's one foreign key to "order" gives the ON clause.
  CHECK(pg_sql(select(o.id, line.sku).join(line)) ==
        R"(SELECT "order".id, order_line.sku FROM "order" JOIN order_line ON order_line.order_id = "order".id)");
  auto boss = aliased<User>("boss");
  CHECK(sqlite_sql(select(u.name, boss.name).join(boss, u.manager_id == boss.id)) ==
        "SELECT user_account.name, boss.name FROM user_account JOIN user_account AS boss ON user_account.manager_id "
        "= boss.id");
  // A self-reference is the one foreign key between a table and its alias; as
  // in SQLAlchemy, the joined side is the referencing one.
  auto report = aliased<User>("report");
  CHECK(sqlite_sql(select(u.name, report.name).join(report)) ==
        "SELECT user_account.name, report.name FROM user_account JOIN user_account AS report ON report.manager_id "
        "= user_account.id");
  // Further joins may follow a foreign key from any table joined so far.
  CHECK(sqlite_sql(select(u.name, line.sku).join(o, o.user_id == u.id).join(line).join(p)) ==
        R"(SELECT user_account.name, order_line.sku FROM user_account JOIN "order" ON "order".user_id = )"
        R"(user_account.id JOIN order_line ON order_line.order_id = "order".id JOIN product ON order_line.sku = )"
        R"(product.sku)");
  // A composite foreign key joins on all its columns.
  const auto& ship = table<Shipment>;
  CHECK(pg_sql(select(ship.tracking, line.sku).join(line)) ==
        "SELECT shipment.tracking, order_line.sku FROM shipment JOIN order_line ON shipment.order_id = "
        "order_line.order_id AND shipment.line_no = order_line.line_no");
  // No foreign key, or two: the ON clause must be given.
  CHECK_THROWS_WITH(select(u.name).join(p), Catch::Contains("no foreign key"));
  CHECK_THROWS_WITH(select(o.id).join(u), Catch::Contains("several foreign keys"));
}

TEST_CASE("subqueries: scalar and correlated, EXISTS, IN, derived tables", "[compile]") {
  auto address_count = select(func::count(a.id)).where(a.user_id == u.id).scalar_subquery();
  CHECK(pg_sql(select(u.name, address_count.label("addresses"))) ==
        "SELECT user_account.name, (SELECT count(address.id) AS anon_1 FROM address WHERE address.user_id = "
        "user_account.id) AS addresses FROM user_account");
  CHECK(sqlite_sql(select(u.name).where(exists(select(a.id).where(a.user_id == u.id)))) ==
        "SELECT user_account.name FROM user_account WHERE EXISTS (SELECT address.id FROM address WHERE "
        "address.user_id = user_account.id)");
  CHECK(sqlite_sql(select(u.name).where(not_exists(select(a.id).where(a.user_id == u.id)))) ==
        "SELECT user_account.name FROM user_account WHERE NOT EXISTS (SELECT address.id FROM address WHERE "
        "address.user_id = user_account.id)");
  CHECK(pg_sql(select(u.name).where(u.id.in_(select(a.user_id).where(a.email.endswith("@x.org"))))) ==
        "SELECT user_account.name FROM user_account WHERE user_account.id IN (SELECT address.user_id FROM address "
        "WHERE address.email LIKE $1 ESCAPE '/')");
  auto counts = select(a.user_id, func::count(a.id).label("n")).group_by(a.user_id).subquery("counts");
  auto s = select(u.name, counts.c<1>()).join(counts, counts.c<0>() == u.id).where(counts.c<1>() > 1);
  CHECK(pg_sql(s) ==
        "SELECT user_account.name, counts.n FROM user_account JOIN (SELECT address.user_id, count(address.id) AS n "
        "FROM address GROUP BY address.user_id) AS counts ON counts.user_id = user_account.id WHERE counts.n > $1");
}

TEST_CASE("CTEs, recursive CTEs and set operations", "[compile]") {
  auto active = select(u.id, u.name).where(u.status == Status::active).cte("active_users");
  CHECK(pg_sql(select(active.c<1>()).where(active.c<0>() > 5)) ==
        "WITH active_users(id, name) AS (SELECT user_account.id, user_account.name FROM user_account WHERE "
        "user_account.status = $1) SELECT active_users.name FROM active_users WHERE active_users.id > $2");
  auto chain = select(u.id, u.manager_id).where(u.id == 7).cte_recursive("chain");
  chain = chain.union_all(select(u.id, u.manager_id).join(chain, u.id == chain.c<1>()));
  CHECK(sqlite_sql(select(chain.c<0>())) ==
        "WITH RECURSIVE chain(id, manager_id) AS (SELECT user_account.id, user_account.manager_id FROM user_account "
        "WHERE user_account.id = ? UNION ALL SELECT user_account.id, user_account.manager_id FROM user_account JOIN "
        "chain ON user_account.id = chain.manager_id) SELECT chain.id FROM chain");
  auto both = union_all(select(u.name).where(u.id < 3), select(a.email)).order_by(u.name).limit(5);
  CHECK(pg_sql(both) ==
        "SELECT user_account.name FROM user_account WHERE user_account.id < $1 UNION ALL SELECT address.email FROM "
        "address ORDER BY name LIMIT $2");
  CHECK(sqlite_sql(select(u.id).intersect(select(a.user_id))) ==
        "SELECT user_account.id FROM user_account INTERSECT SELECT address.user_id FROM address");
  CHECK(sqlite_sql(except_(select(u.id), select(a.user_id))) ==
        "SELECT user_account.id FROM user_account EXCEPT SELECT address.user_id FROM address");
  CHECK_THROWS_AS(sqlite_sql(union_(select(u.id).limit(1), select(a.user_id))), ArgumentError);
}

TEST_CASE("two different CTEs of one name are refused; one CTE named twice is written once", "[compile]") {
  auto low = select(u.id, u.name).where(u.id < 3).cte("picked");
  auto high = select(u.id, u.name).where(u.id > 7).cte("picked");
  CHECK_THROWS_WITH(sqlite_sql(select(low.c<1>(), high.c<1>()).where(low.c<0>() == high.c<0>())),
                    Catch::Contains("two different CTEs are named 'picked'"));
  auto self_join = select(low.c<1>()).join(high, low.c<0>() == high.c<0>());
  CHECK_THROWS_AS(pg_sql(self_join), ArgumentError);
  auto again = low;
  CHECK(sqlite_sql(select(low.c<1>(), again.c<0>())) ==
        "WITH picked(id, name) AS (SELECT user_account.id, user_account.name FROM user_account WHERE user_account.id < ?) "
        "SELECT picked.name, picked.id FROM picked");
}

TEST_CASE("window functions", "[compile]") {
  auto s = select(o.id, func::row_number().over(window().partition_by(o.user_id).order_by(o.total.desc())),
                  func::sum(o.total).over(window().order_by(o.id)), func::rank().over());
  CHECK(pg_sql(s) ==
        R"(SELECT "order".id, row_number() OVER (PARTITION BY "order".user_id ORDER BY "order"."Total" DESC), )"
        R"(sum("order"."Total") OVER (ORDER BY "order".id), rank() OVER () FROM "order")");
}

TEST_CASE("insert, update, delete, returning and upserts", "[compile]") {
  CHECK(pg_sql(insert(u).values(u.name = "x", u.fullname = std::nullopt)) ==
        "INSERT INTO user_account (name, fullname, status) VALUES ($1, $2, $3)");
  CHECK(sqlite_sql(insert(u).values(User{0, "x", "X", Status::suspended, std::nullopt})) ==
        "INSERT INTO user_account (name, fullname, status, manager_id) VALUES (?, ?, ?, ?)");
  CHECK(sqlite_sql(insert(u).values(User{5, "x", "X", Status::suspended, 1})) ==
        "INSERT INTO user_account (id, name, fullname, status, manager_id) VALUES (?, ?, ?, ?, ?)");
  CHECK(pg_sql(insert(u).values(u.name = "x").returning(u.id, u.status)) ==
        "INSERT INTO user_account (name, status) VALUES ($1, $2) RETURNING id, status");
  CHECK(pg_sql(update(u).where(u.id == 5).values(u.name = "y", u.manager_id = u.id + 1)) ==
        "UPDATE user_account SET name = $1, manager_id = user_account.id + $2 WHERE user_account.id = $3");
  CHECK(sqlite_sql(delete_(a).where(a.email.like("%@spam.com")).returning(a.id)) ==
        "DELETE FROM address WHERE address.email LIKE ? RETURNING id");
  CHECK(pg_sql(insert(p).values(p.sku = "k", p.title = "t", p.price = 1.0).on_conflict_do_nothing(p.sku)) ==
        "INSERT INTO product (sku, title, price) VALUES ($1, $2, $3) ON CONFLICT (sku) DO NOTHING");
  CHECK(sqlite_sql(insert(p).values(p.sku = "k", p.title = "t", p.price = 1.0)
                       .on_conflict_do_update(index_elements(p.sku), p.title = excluded(p.title),
                                              p.price = p.price + excluded(p.price))) ==
        "INSERT INTO product (sku, title, price) VALUES (?, ?, ?) ON CONFLICT (sku) DO UPDATE SET title = "
        "excluded.title, price = product.price + excluded.price");
  CHECK(pg_sql(insert(a).from_select(select(u.id, u.name + "@example.com"), a.user_id, a.email)) ==
        "INSERT INTO address (user_id, email) SELECT user_account.id, user_account.name || $1 FROM user_account");
  CHECK(sqlite_sql(insert(table<Order>)) == R"(INSERT INTO "order" DEFAULT VALUES)");
  std::vector<Address> two{{0, 1, "a@x"}, {0, 2, "b@x"}};
  CHECK(pg_sql(insert(a).values(two)) == "INSERT INTO address (user_id, email) VALUES ($1, $2), ($3, $4)");
  CHECK_THROWS_AS(sqlite_sql(update(u)), ArgumentError);
  CHECK_THROWS_AS(insert(u).values(u.name = "a", u.name = "b"), ArgumentError);
}

TEST_CASE("JSON elements: -> and ->>, keys bound, paths on SQLite", "[compile][json]") {
  auto doc = literal_column<nlohmann::json>("doc");
  auto s = select(doc["user"]["name"], doc["tags"][0].as_string());
  CHECK(pg_sql(s) == "SELECT doc -> $1 -> $2, doc -> $3 ->> $4");
  auto c = compile(s, sqlite_dialect);
  CHECK(c.sql == "SELECT doc -> ? -> ?, CAST(doc -> ? ->> ? AS TEXT)");
  CHECK(std::get<std::string>(c.params[0].data()) == "$.\"user\"");
  CHECK(std::get<std::string>(c.params[3].data()) == "$[0]");
  CHECK_THROWS_AS(doc.as_string(), ArgumentError);
}

TEST_CASE("bindparam() leaves a value to the execution", "[compile]") {
  auto s = select(u.name).where(u.id == bindparam<std::int64_t>("uid") || u.manager_id == bindparam<std::int64_t>("uid"));
  auto c = compile(s, pg_dialect);
  CHECK(c.sql == "SELECT user_account.name FROM user_account WHERE user_account.id = $1 OR user_account.manager_id = $2");
  CHECK(c.bind_names == std::vector<std::string>{"uid"});
}

TEST_CASE("a runtime Table compiles like a model's table", "[compile]") {
  table_info info;
  info.name = "Things";
  info.columns.push_back(column_info::named("id", sql_type::of(sql_type_kind::big_integer)));
  info.columns.push_back(column_info::named("label", sql_type::of(sql_type_kind::text)));
  info.primary_key = {"id"};
  Table things(info);
  CHECK(pg_sql(select(things).where(things["label"] == "x")) ==
        R"(SELECT "Things".id, "Things".label FROM "Things" WHERE "Things".label = $1)");
  CHECK(pg_sql(insert(things).values(things["label"] = "y")) == R"(INSERT INTO "Things" (label) VALUES ($1))");
  CHECK_THROWS_AS(things["nope"], ArgumentError);
}

TEST_CASE("DDL: keys, constraints, indexes and enum types per dialect", "[compile][ddl]") {
  auto sqlite_ddl = core_models::metadata().create_ddl(sqlite_dialect);
  // Creation order: each table after those it references.
  std::vector<std::string> expected_sqlite{
      "CREATE TABLE product (sku VARCHAR(12) NOT NULL, title TEXT NOT NULL, price DOUBLE PRECISION NOT NULL CHECK "
      "(price >= 0), stock INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (sku))",
      "CREATE TABLE user_account (id INTEGER NOT NULL, name VARCHAR(30) NOT NULL, fullname TEXT, status "
      "VARCHAR(9) NOT NULL CHECK (status IN ('active', 'suspended')), manager_id BIGINT, PRIMARY KEY (id), UNIQUE "
      "(name), FOREIGN KEY(manager_id) REFERENCES user_account (id) ON DELETE SET NULL)",
      R"(CREATE TABLE "order" (id INTEGER NOT NULL, user_id BIGINT NOT NULL, approved_by BIGINT, "Total" DOUBLE )"
      R"(PRECISION NOT NULL, PRIMARY KEY (id), FOREIGN KEY(user_id) REFERENCES user_account (id), FOREIGN )"
      R"(KEY(approved_by) REFERENCES user_account (id)))",
      "CREATE TABLE address (id INTEGER NOT NULL, user_id BIGINT NOT NULL, email TEXT NOT NULL, PRIMARY KEY (id), "
      "FOREIGN KEY(user_id) REFERENCES user_account (id) ON DELETE CASCADE)",
      "CREATE INDEX ix_address_email ON address (email)",
      "CREATE TABLE order_line (order_id BIGINT NOT NULL, line_no INTEGER NOT NULL, sku TEXT NOT NULL, "
      "quantity INTEGER NOT NULL, PRIMARY KEY (order_id, line_no), FOREIGN KEY(order_id) REFERENCES \"order\" (id) "
      "ON DELETE CASCADE, FOREIGN KEY(sku) REFERENCES product (sku), CHECK (quantity <> 0))",
      "CREATE INDEX ix_order_line_sku_quantity ON order_line (sku, quantity) WHERE quantity > 0"};
  expected_sqlite.push_back(
      "CREATE TABLE shipment (id INTEGER NOT NULL, order_id BIGINT NOT NULL, line_no INTEGER NOT NULL, carrier TEXT "
      "NOT NULL, tracking TEXT NOT NULL, PRIMARY KEY (id), UNIQUE (carrier, tracking), FOREIGN KEY(order_id, "
      "line_no) REFERENCES order_line (order_id, line_no) ON DELETE CASCADE)");
  expected_sqlite.push_back("CREATE UNIQUE INDEX ix_shipment_line ON shipment (order_id, line_no)");
  CHECK(sqlite_ddl == expected_sqlite);
  auto pg_ddl = core_models::metadata().create_ddl(pg_dialect);
  REQUIRE(pg_ddl.size() == expected_sqlite.size() + 1);
  CHECK(pg_ddl[0] == "CREATE TYPE status AS ENUM ('active', 'suspended')");
  CHECK(pg_ddl[2] ==
        "CREATE TABLE user_account (id BIGINT GENERATED BY DEFAULT AS IDENTITY NOT NULL, name VARCHAR(30) NOT NULL, "
        "fullname TEXT, status status NOT NULL, manager_id BIGINT, PRIMARY KEY (id), UNIQUE (name), FOREIGN "
        "KEY(manager_id) REFERENCES user_account (id) ON DELETE SET NULL)");
}

TEST_CASE("a statement is compiled once per dialect", "[compile]") {
  auto s = select(u.name).where(u.id == 1);
  auto first = s.compiled(sqlite_dialect);
  CHECK(s.compiled(sqlite_dialect) == first);
  CHECK(s.compiled(pg_dialect) != first);
  auto changed = s.where(u.name != "x");
  CHECK(changed.compiled(sqlite_dialect)->sql != first->sql);
  CHECK(s.compiled(sqlite_dialect) == first);
}

TEST_CASE("AND and OR chains of any length build, compile, compare and free without deep recursion", "[compile][fuzz]") {
  constexpr std::int64_t terms = 100000;
  auto any = u.id == 0;
  for (std::int64_t i = 1; i < terms; ++i) any = any || u.id == i;
  auto all = u.name != "x0";
  for (std::int64_t i = 1; i < terms; ++i) all = (u.name != "x" + std::to_string(i)) && all;  // nested to the right
  auto c = compile(select(u.id).where(any && all), pg_dialect);
  REQUIRE(c.params.size() == 2 * terms);
  CHECK(std::get<std::int64_t>(c.params[terms - 1].data()) == terms - 1);
  CHECK(std::get<std::string>(c.params[terms].data()) == "x" + std::to_string(terms - 1));
  // One level of parentheses: the OR chain inside the AND; no nesting per term.
  CHECK(c.sql.find("WHERE (user_account.id = $1 OR user_account.id = $2 OR ") != std::string::npos);
  CHECK(c.sql.find(") AND user_account.name != $100001 AND user_account.name != $100002 AND ") != std::string::npos);
  CHECK(c.sql.find("((") == std::string::npos);
}

TEST_CASE("a chain that holds one condition twice at every level is freed without deep recursion", "[compile][fuzz]") {
  // 200,000 levels whose two operands are the same node: each level's first
  // release leaves the other owner, so the last one must not recurse either.
  auto doubled = u.id == 1;
  for (int i = 0; i < 200000; ++i) doubled = doubled && doubled;
  auto other = doubled;
  CHECK(other.node() == doubled.node());
  doubled = u.id == 2;
  other = u.id == 3;
  CHECK(compile(select(u.id).where(doubled || other), pg_dialect).sql.find("user_account.id = $1 OR user_account.id = $2") !=
        std::string::npos);
}

TEST_CASE("nesting deeper than max_expression_depth is refused when built, not a crash", "[compile][fuzz]") {
  auto sum = u.id + 1;
  std::uint32_t levels = 2;
  auto grow = [&] {
    sum = sum + 1;
    ++levels;
  };
  while (levels < max_expression_depth) grow();
  CHECK(sum.node()->depth == max_expression_depth);
  CHECK(sqlite_sql(select(sum)).find("user_account.id + ? + ?") != std::string::npos);
  CHECK_THROWS_WITH(grow(), Catch::Contains("quarry: this expression nests more than 1000 levels"));
  // AND and OR alternating: each switch is a level of nesting.
  auto mixed = u.id == 0;
  auto alternate = [&](std::int64_t i) { mixed = i % 2 ? (mixed && u.id == i) : (mixed || u.id == i); };
  std::int64_t i = 1;
  for (; i < 999; ++i) alternate(i);
  CHECK_NOTHROW(compile(select(u.id).where(mixed), sqlite_dialect));
  CHECK_THROWS_AS(alternate(i), ArgumentError);
}
