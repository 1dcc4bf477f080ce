// Quarry - SQLAlchemy for C++20. MIT License.
// MetaData::reflect: create_all() of the project's own test models, then
// reflection, gives back the same tables field by field (what autogenerate
// will compare); the reflected Tables then work in Core queries and joins.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <quarry/reflect.hpp>
#include <quarry/types/json.hpp>

#include "../core/models.hpp"
#include "backend.hpp"
#include "reflect_support.hpp"

namespace reflect_models {
// One column of each built-in type, nullable and not.
struct Everything {
  std::int64_t id{};
  bool flag{};
  std::int16_t small{};
  std::int32_t medium{};
  std::optional<std::int64_t> big;
  float single{};
  double twice{};
  std::string text;
  std::optional<std::string> label;
  quarry::blob bytes;
  std::chrono::year_month_day day{};
  std::optional<std::chrono::sys_time<std::chrono::microseconds>> at;
  quarry::uuid key;
  nlohmann::json document;
  core_models::Status status{};
};
QUARRY_MODEL(Everything, "everything",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(flag, quarry::server_default("false")),
             QUARRY_COLUMN(small),
             QUARRY_COLUMN(medium, quarry::index),
             QUARRY_COLUMN(big),
             QUARRY_COLUMN(single),
             QUARRY_COLUMN(twice),
             QUARRY_COLUMN(text, quarry::server_default("'it''s'")),
             QUARRY_COLUMN(label, quarry::length(40), quarry::unique, quarry::index),
             QUARRY_COLUMN(bytes),
             QUARRY_COLUMN(day),
             QUARRY_COLUMN(at),
             QUARRY_COLUMN(key, quarry::unique),
             QUARRY_COLUMN(document),
             QUARRY_COLUMN(status));
}  // namespace reflect_models

namespace {

using quarry::sql_type_kind;

struct normalized_column {
  std::string name;
  sql_type_kind kind;
  std::uint32_t length;
  std::string enum_name;
  std::vector<std::string> labels;
  bool nullable;
  bool primary_key;
  bool autoincrement;
  std::string server_default;
  bool operator==(const normalized_column&) const = default;
};

using foreign_key = std::tuple<std::vector<std::string>, std::string, std::vector<std::string>, quarry::fk_action,
                               quarry::fk_action>;
using index = std::tuple<std::string, std::vector<std::string>, bool, std::string>;

struct normalized_table {
  std::string name;
  std::vector<normalized_column> columns;
  std::vector<std::string> primary_key;
  std::set<foreign_key> foreign_keys;
  std::set<std::vector<std::string>> unique_constraints;
  std::set<index> indexes;
  std::multiset<std::string> checks;
  bool operator==(const normalized_table&) const = default;
};

// SQL as the database hands it back, made comparable with SQL as written:
// PostgreSQL adds casts (::numeric, ::character varying) and parentheses.
std::string comparable_sql(std::string sql) {
  static const std::regex casts("::[a-z_]+( [a-z_]+)*(\\([0-9, ]+\\))?");
  sql = std::regex_replace(sql, casts, "");
  std::string out;
  for (char c : sql)
    if (c != '(' && c != ')' && c != ' ' && c != '"') out += c;
  return out;
}

// The table-level parts, which both sides hold alike.
void add_table_level(const quarry::table_info& t, normalized_table& out) {
  for (auto& fk : t.foreign_keys) out.foreign_keys.insert({fk.columns, fk.target_table, fk.target_columns, fk.on_delete, fk.on_update});
  for (auto& u : t.unique_constraints) out.unique_constraints.insert(u);
  for (auto& i : t.indexes) out.indexes.insert({i.name, i.columns, i.unique, comparable_sql(i.where)});
  for (auto& c : t.checks) out.checks.insert(comparable_sql(c));
}

// What the database holds for a model's table, by the rules of the DDL Quarry writes.
normalized_table expected_from_model(const quarry::table_info& t, const quarry::dialect& d) {
  bool pg = d.name() == "postgresql";
  normalized_table out;
  out.name = t.name;
  out.primary_key = t.primary_key;
  for (auto& c : t.columns) {
    normalized_column n{c.name, c.type.kind, c.type.length, {}, {}, c.nullable, c.primary_key, c.autoincrement,
                        comparable_sql(c.server_default)};
    if (c.type.kind == sql_type_kind::enumeration) {
      if (pg) {
        n.enum_name = quarry::detail::lower_case(c.type.name);
        for (auto label : c.type.values) n.labels.emplace_back(label);
      } else {
        // SQLite: VARCHAR as long as the longest label, and a CHECK on the labels.
        n.kind = sql_type_kind::text;
        std::size_t longest = 1;
        for (auto label : c.type.values) longest = std::max(longest, label.size());
        n.length = static_cast<std::uint32_t>(longest);
        std::string labels;
        for (auto label : c.type.values) labels += (labels.empty() ? "" : ",") + std::string("'") + std::string(label) + "'";
        out.checks.insert(comparable_sql(c.name + " IN " + labels));
      }
    }
    if (!pg) {
      // SQLite has no UUID or JSON type: Quarry writes BLOB and TEXT; a rowid key is INTEGER.
      if (c.type.kind == sql_type_kind::uuid) n.kind = sql_type_kind::blob;
      if (c.type.kind == sql_type_kind::json) n.kind = sql_type_kind::text;
      if (c.autoincrement) n.kind = sql_type_kind::integer;
    }
    if (c.unique && !c.index) out.unique_constraints.insert({c.name});
    if (c.index) out.indexes.insert({"ix_" + t.name + "_" + c.name, {c.name}, c.unique, ""});
    if (!c.check.empty()) out.checks.insert(comparable_sql(c.check));
    out.columns.push_back(std::move(n));
  }
  add_table_level(t, out);
  return out;
}

normalized_table from_reflection(const quarry::table_info& t) {
  normalized_table out;
  out.name = t.name;
  out.primary_key = t.primary_key;
  for (auto& c : t.columns) {
    normalized_column n{c.name, c.type.kind, c.type.length, {}, {}, c.nullable, c.primary_key, c.autoincrement,
                        comparable_sql(c.server_default)};
    if (c.type.kind == sql_type_kind::enumeration) {
      n.enum_name = std::string(c.type.name);
      for (auto label : c.type.values) n.labels.emplace_back(label);
    }
    out.columns.push_back(std::move(n));
  }
  add_table_level(t, out);
  return out;
}

std::string describe(const normalized_table& t) {
  std::string out = t.name + " (";
  for (auto& c : t.columns)
    out += c.name + " kind " + std::to_string(static_cast<int>(c.kind)) + " len " + std::to_string(c.length) +
           (c.nullable ? " null" : " not-null") + (c.primary_key ? " pk" : "") + (c.autoincrement ? " auto" : "") +
           " default[" + c.server_default + "] enum[" + c.enum_name + "], ";
  out += ") uniques " + std::to_string(t.unique_constraints.size()) + " indexes ";
  for (auto& i : t.indexes) out += std::get<0>(i) + "[" + std::get<3>(i) + "] ";
  out += "checks ";
  for (auto& c : t.checks) out += "[" + c + "] ";
  out += "fks " + std::to_string(t.foreign_keys.size());
  return out;
}

}  // namespace

TEST_CASE("create_all then reflect gives back the models' tables, field by field", "[reflect][roundtrip]") {
  auto engine = quarry_test::make_engine({}, "reflect_roundtrip");
  auto conn = engine.connect();
  reflect_test::scratch_schema scratch(conn, "reflect_roundtrip");
  if (quarry_test::is_postgresql()) conn.exec_driver_sql("SET search_path TO " + reflect_test::quoted_name(scratch.name));
  auto models = core_models::metadata();
  models.add<reflect_models::Everything>();
  models.create_all(conn);
  conn.commit();

  quarry::MetaData reflected;
  reflected.reflect(conn);
  REQUIRE(reflected.tables().size() == models.tables().size());
  for (auto& model_table : models.tables()) {
    INFO("table " << model_table->name);
    REQUIRE(reflected.contains(model_table->name));
    auto expected = expected_from_model(*model_table, conn.dialect());
    auto actual = from_reflection(reflected.table(model_table->name).info());
    INFO("expected: " << describe(expected));
    INFO("reflected: " << describe(actual));
    CHECK(actual.columns == expected.columns);
    CHECK(actual.primary_key == expected.primary_key);
    CHECK(actual.foreign_keys == expected.foreign_keys);
    CHECK(actual.unique_constraints == expected.unique_constraints);
    CHECK(actual.indexes == expected.indexes);
    CHECK(actual.checks == expected.checks);
  }
  // The reflected tables are ordered for DDL as the models are.
  std::vector<std::string> model_order, reflected_order;
  for (auto& t : models.sorted_tables()) model_order.push_back(t->name);
  for (auto& t : reflected.sorted_tables()) reflected_order.push_back(t->name);
  CHECK(std::is_permutation(model_order.begin(), model_order.end(), reflected_order.begin(), reflected_order.end()));
  auto before = [](const std::vector<std::string>& order, const std::string& a, const std::string& b) {
    return std::find(order.begin(), order.end(), a) < std::find(order.begin(), order.end(), b);
  };
  CHECK(before(reflected_order, "user_account", "order"));
  CHECK(before(reflected_order, "order_line", "shipment"));
  if (quarry_test::is_postgresql()) conn.exec_driver_sql("SET search_path TO public");
}

TEST_CASE("reflected Tables work in Core: inserts, selects, and joins on the reflected foreign keys", "[reflect]") {
  auto engine = quarry_test::make_engine({}, "reflect_core");
  {
    auto conn = engine.connect();
    reflect_test::scratch_schema scratch(conn, "reflect_core");
    conn.exec_driver_sql("CREATE TABLE " + reflect_test::qualified(scratch.name, "author") +
                         " (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL)");
    conn.exec_driver_sql("CREATE TABLE " + reflect_test::qualified(scratch.name, "book") +
                         " (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES " +
                         reflect_test::qualified(scratch.name, "author") + " (id), title TEXT NOT NULL)");
    conn.exec_driver_sql("CREATE VIEW " + reflect_test::qualified(scratch.name, "titles") + " AS SELECT title FROM " +
                         reflect_test::qualified(scratch.name, "book"));
    conn.commit();
    if (quarry_test::is_postgresql()) conn.exec_driver_sql("SET search_path TO " + reflect_test::quoted_name(scratch.name));

    quarry::MetaData metadata;
    quarry::reflect_options options;
    options.only = {"book", "author"};
    metadata.reflect(conn, options);
    CHECK(metadata.tables().size() == 2);
    CHECK_FALSE(metadata.contains("titles"));
    auto author = metadata.table("author");
    auto book = metadata.table("book");
    CHECK(book.info().foreign_keys.size() == 1);
    CHECK(author.info().autoincrement_column() == (quarry_test::is_sqlite() ? &author.info().columns[0] : nullptr));

    conn.execute(quarry::insert(author).values(author["id"] = 1, author["name"] = "Le Guin"));
    conn.execute(quarry::insert(author).values(author["id"] = 2, author["name"] = "Lem"));
    conn.execute(quarry::insert(book).values(book["id"] = 10, book["author_id"] = 1, book["title"] = "The Dispossessed"));
    conn.execute(quarry::insert(book).values(book["id"] = 11, book["author_id"] = 2, book["title"] = "Solaris"));
    conn.execute(quarry::insert(book).values(book["id"] = 12, book["author_id"] = 1, book["title"] = "Lathe of Heaven"));

    // No ON clause: the join follows the reflected foreign key.
    auto rows = conn.execute(quarry::select(author["name"], quarry::func::count(book["id"]))
                                 .select_from(author)
                                 .join(book)
                                 .group_by(author["name"])
                                 .order_by(author["name"]))
                    .all();
    REQUIRE(rows.size() == 2);
    CHECK(std::get<0>(rows[0]) == quarry::value("Le Guin"));
    CHECK(std::get<1>(rows[0]) == 2);
    auto titles = conn.execute(quarry::select(book).where(book["author_id"] == 1).order_by(book["title"])).all();
    REQUIRE(titles.size() == 2);
    CHECK(titles[0].get<std::string>("title") == "Lathe of Heaven");

    quarry::MetaData with_views;
    quarry::reflect_options views;
    views.views = true;
    with_views.reflect(conn, views);
    CHECK(with_views.contains("titles"));
    auto from_view = conn.execute(quarry::select(with_views.table("titles")).order_by(with_views.table("titles")["title"])).all();
    REQUIRE(from_view.size() == 3);
    CHECK(from_view[2].get<std::string>(0) == "The Dispossessed");
    if (quarry_test::is_postgresql()) conn.exec_driver_sql("SET search_path TO public");
    conn.commit();
  }
}
