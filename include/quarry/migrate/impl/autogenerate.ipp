// The non-template implementation of quarry/migrate/autogenerate.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/migrate/autogenerate.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>

#include "quarry/engine/metadata_ddl.hpp"
#include "quarry/migrate/detail/cpp_render.hpp"
#include "quarry/migrate/revision.hpp"
#include "quarry/reflect/inspector.hpp"

namespace quarry::migrate {

namespace detail {

struct schema_snapshot {
  std::vector<reflected_table> tables;
  std::vector<reflected_enum> enums;
};

inline bool excluded_table(const std::string& name, const autogenerate_options& options) {
  return name == options.version_table ||
         std::find(options.exclude_tables.begin(), options.exclude_tables.end(), name) != options.exclude_tables.end();
}

inline void keep_compared(std::vector<reflected_table> tables, schema_snapshot& into, const autogenerate_options& options) {
  for (auto& t : tables)
    if (!excluded_table(t.name, options)) into.tables.push_back(std::move(t));
}

// The models as the database would have them: created where nothing else is and reflected.
QUARRY_DECL schema_snapshot model_snapshot(const MetaData& models, Connection& conn, const autogenerate_options& options) {
  schema_snapshot out;
  if (!conn.dialect().native_enums()) {
    auto scratch = create_engine("sqlite://");
    auto scratch_conn = scratch.connect();
    models.create_all(scratch_conn, false);
    keep_compared(Inspector(scratch_conn).tables(), out, options);
    return out;
  }
  if (conn.in_transaction())
    throw InvalidRequestError("quarry: compare_metadata() makes the models in a scratch schema inside a transaction "
                              "of its own; commit() or rollback() the connection first");
  auto scratch = conn.begin();
  std::string schema = "quarry_autogenerate_" + new_revision_id();
  conn.exec_driver_sql("CREATE SCHEMA " + schema);
  // The scratch schema first, then the usual path (extensions' types and functions stay visible).
  conn.exec_driver_sql("SELECT set_config('search_path', '" + schema + ", ' || current_setting('search_path'), true)");
  models.create_all(conn, false);
  Inspector inspector(conn);
  keep_compared(inspector.tables({.schema = schema}), out, options);
  out.enums = inspector.enums(schema);
  scratch.rollback();
  for (auto& t : out.tables) {
    t.schema.clear();
    for (auto& fk : t.foreign_keys)
      if (fk.referred_schema == schema) fk.referred_schema.clear();
  }
  for (auto& e : out.enums) e.schema.clear();
  return out;
}

QUARRY_DECL schema_snapshot database_snapshot(Connection& conn, const autogenerate_options& options) {
  schema_snapshot out;
  Inspector inspector(conn);
  keep_compared(inspector.tables(), out, options);
  if (conn.dialect().native_enums()) out.enums = inspector.enums(inspector.default_schema_name());
  for (auto& e : out.enums) e.schema.clear();
  return out;
}

// A unique column set: from a unique constraint, or a unique index on plain columns (the same to the database).
struct unique_set {
  std::vector<std::string> columns;
  std::string name;
  bool is_index = false;
};

inline bool plain_unique_index(const reflected_index& index) {
  return index.unique && index.constraint.empty() && index.where.empty() && index.include.empty() &&
         !index.column_names().empty() &&
         std::none_of(index.keys.begin(), index.keys.end(), [](const reflected_index_key& k) { return k.descending; });
}

inline std::vector<unique_set> unique_sets(const reflected_table& t) {
  std::vector<unique_set> out;
  for (auto& u : t.unique_constraints) out.push_back({u.columns, u.name, false});
  for (auto& i : t.indexes)
    if (plain_unique_index(i)) out.push_back({i.column_names(), i.name, true});
  return out;
}

inline std::vector<const reflected_index*> plain_indexes(const reflected_table& t) {
  std::vector<const reflected_index*> out;
  for (auto& i : t.indexes)
    if (i.constraint.empty() && !plain_unique_index(i)) out.push_back(&i);
  return out;
}

inline bool same_index(const reflected_index& a, const reflected_index& b) {
  if (a.unique != b.unique || a.where != b.where || a.include != b.include || a.keys.size() != b.keys.size()) return false;
  for (std::size_t i = 0; i < a.keys.size(); ++i)
    if (a.keys[i].column != b.keys[i].column || a.keys[i].expression != b.keys[i].expression ||
        a.keys[i].descending != b.keys[i].descending)
      return false;
  return true;
}

inline bool same_foreign_key(const reflected_foreign_key& a, const reflected_foreign_key& b) {
  return a.columns == b.columns && a.referred_table == b.referred_table && a.referred_columns == b.referred_columns &&
         a.referred_schema == b.referred_schema && a.on_delete == b.on_delete && a.on_update == b.on_update;
}

inline std::string hash_suffix(std::string_view text) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : text) h = (h ^ c) * 16777619u;
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", h);
  return hex;
}

// Writes what the comparison finds; each change's upgrade and downgrade as C++.
class schema_differ {
 public:
  schema_differ(const dialect& d, const autogenerate_options& options, const naming_convention& naming)
      : d_(d), options_(options), naming_(naming) {}

  std::vector<schema_change> compare(const schema_snapshot& models, const schema_snapshot& database,
                                     const std::vector<std::string>& model_order) {
    compare_enums(models.enums, database.enums);
    std::vector<const reflected_table*> added, gone;
    for (auto& name : model_order)
      if (auto* m = find(models.tables, name); m && !find(database.tables, name)) added.push_back(m);
    for (auto& m : models.tables)
      if (!find(database.tables, m.name) && std::find(added.begin(), added.end(), &m) == added.end()) added.push_back(&m);
    // Gone tables are dropped dependents first (and made again in the opposite order on the way down).
    auto database_order = sort_tables(database.tables).tables;
    for (auto it = database_order.rbegin(); it != database_order.rend(); ++it)
      if (auto* t = find(database.tables, *it); t && !find(models.tables, *it)) gone.push_back(t);
    for (auto* g : gone) {
      auto like = std::find_if(added.begin(), added.end(), [&](const reflected_table* a) { return same_columns(*a, *g); });
      if (like != added.end()) {
        rename_table(*g, **like);
        added.erase(like);
      } else {
        add(schema_change::drop_table, g->name, {}, "drop table '" + g->name + "'", "op.drop_table(" + lit(g->name) + ");",
            detail::cpp_create_table(*g, d_));
        risk(lint_kind::drop_table);
      }
    }
    for (auto* a : added)
      add(schema_change::add_table, a->name, {}, "add table '" + a->name + "'", detail::cpp_create_table(*a, d_),
          "op.drop_table(" + lit(a->name) + ");");
    for (auto& m : models.tables)
      if (auto* b = find(database.tables, m.name)) compare_table(m, *b);
    std::stable_sort(changes_.begin(), changes_.end(),
                     [](const schema_change& a, const schema_change& b) { return a.kind < b.kind; });
    return std::move(changes_);
  }

 private:
  static const reflected_table* find(const std::vector<reflected_table>& tables, const std::string& name) {
    for (auto& t : tables)
      if (t.name == name) return &t;
    return nullptr;
  }
  static bool same_columns(const reflected_table& a, const reflected_table& b) {
    if (a.columns.size() != b.columns.size()) return false;
    for (auto& c : a.columns) {
      auto* other = b.column(c.name);
      if (!other || !detail::same_type_spelling(c.type.spelling, other->type.spelling)) return false;
    }
    return true;
  }
  static std::string lit(std::string_view text) { return detail::cpp_literal(text); }
  bool sqlite() const { return !d_.native_enums(); }

  schema_change& add(schema_change::kind_t kind, std::string table, std::string name, std::string description,
                     std::string upgrade, std::string downgrade) {
    changes_.push_back({kind, std::move(table), std::move(name), std::move(description), std::move(upgrade),
                        std::move(downgrade)});
    return changes_.back();
  }
  // What the PostgreSQL lint says of the change just added (on SQLite too: the revision may also run on PostgreSQL).
  void risk(lint_kind kind) { changes_.back().risks.push_back(kind); }
  // A change to `table` that SQLite makes by rebuilding it.
  std::string batch(const std::string& table, const std::string& statement) const {
    return "op.batch_alter_table(" + lit(table) + ", [](mg::batch_operations& batch) { " + statement + " });";
  }

  void compare_enums(const std::vector<reflected_enum>& models, const std::vector<reflected_enum>& database) {
    for (auto& m : models) {
      auto b = std::find_if(database.begin(), database.end(), [&](const reflected_enum& e) { return e.name == m.name; });
      if (b == database.end()) {
        add(schema_change::create_enum, {}, m.name, "add enum type '" + m.name + "'",
            "op.create_enum(" + lit(m.name) + ", " + detail::cpp_list(m.labels) + ");", "op.drop_enum(" + lit(m.name) + ");");
        continue;
      }
      for (auto& label : m.labels)
        if (std::find(b->labels.begin(), b->labels.end(), label) == b->labels.end())
          add(schema_change::add_enum_value, {}, m.name, "add the label '" + label + "' to enum type '" + m.name + "'",
              "op.add_enum_value(" + lit(m.name) + ", " + lit(label) + ");",
              "// PostgreSQL cannot remove the label " + lit(label) + " from an enum type");
      for (auto& label : b->labels)
        if (std::find(m.labels.begin(), m.labels.end(), label) == m.labels.end())
          add(schema_change::add_enum_value, {}, m.name,
              "enum type '" + m.name + "' has the label '" + label + "', which the models do not",
              "// PostgreSQL cannot remove the label " + lit(label) + " from an enum type: recreate the type by hand", {});
    }
    for (auto& b : database)
      if (std::none_of(models.begin(), models.end(), [&](const reflected_enum& e) { return e.name == b.name; }))
        add(schema_change::drop_enum, {}, b.name, "drop enum type '" + b.name + "'", "op.drop_enum(" + lit(b.name) + ");",
            "op.create_enum(" + lit(b.name) + ", " + detail::cpp_list(b.labels) + ");");
  }

  void rename_table(const reflected_table& from, const reflected_table& to) {
    auto& c = add(schema_change::rename_table, to.name, from.name,
                  "table '" + from.name + "' is gone and '" + to.name + "' with the same columns is new: renamed?",
                  "op.rename_table(" + lit(from.name) + ", " + lit(to.name) + ");",
                  "op.rename_table(" + lit(to.name) + ", " + lit(from.name) + ");");
    c.suggestion = true;
    risk(lint_kind::rename);
    c.instead_upgrade = "op.drop_table(" + lit(from.name) + ");\n" + detail::cpp_create_table(to, d_);
    c.instead_downgrade = "op.drop_table(" + lit(to.name) + ");\n" + detail::cpp_create_table(from, d_);
  }

  // `table` as it is after its columns' renames: constraints and indexes follow a renamed column.
  static reflected_table after_renames(reflected_table table, const std::map<std::string, std::string>& renames) {
    auto rename = [&](std::string& column) {
      if (auto it = renames.find(column); it != renames.end()) column = it->second;
    };
    auto rename_all = [&](std::vector<std::string>& columns) {
      for (auto& c : columns) rename(c);
    };
    for (auto& c : table.columns) rename(c.name);
    rename_all(table.primary_key.columns);
    for (auto& fk : table.foreign_keys) rename_all(fk.columns);
    for (auto& u : table.unique_constraints) rename_all(u.columns);
    for (auto& i : table.indexes) {
      for (auto& k : i.keys) rename(k.column);
      rename_all(i.include);
    }
    return table;
  }

  void compare_table(const reflected_table& m, const reflected_table& b) {
    const auto& t = m.name;
    std::map<std::string, std::string> renames;
    std::vector<const reflected_column*> added, gone;
    for (auto& c : m.columns)
      if (!b.column(c.name)) added.push_back(&c);
    for (auto& c : b.columns)
      if (!m.column(c.name)) gone.push_back(&c);
    for (auto* g : gone) {
      auto like = std::find_if(added.begin(), added.end(), [&](const reflected_column* a) {
        return detail::same_type_spelling(a->type.spelling, g->type.spelling) && a->nullable == g->nullable;
      });
      if (like != added.end()) {
        auto& c = add(schema_change::rename_column, t, (*like)->name,
                      "column '" + g->name + "' of '" + t + "' is gone and '" + (*like)->name +
                          "' of the same type is new: renamed?",
                      "op.rename_column(" + lit(t) + ", " + lit(g->name) + ", " + lit((*like)->name) + ");",
                      "op.rename_column(" + lit(t) + ", " + lit((*like)->name) + ", " + lit(g->name) + ");");
        c.suggestion = true;
        risk(lint_kind::rename);
        c.instead_upgrade = "op.drop_column(" + lit(t) + ", " + lit(g->name) + ");\nop.add_column(" + lit(t) + ", " +
                            detail::cpp_column(m, **like, d_, false) + ");";
        c.instead_downgrade = "op.drop_column(" + lit(t) + ", " + lit((*like)->name) + ");\nop.add_column(" + lit(t) +
                              ", " + detail::cpp_column(b, *g, d_, false) + ");";
        renames[g->name] = (*like)->name;
        added.erase(like);
      } else {
        add(schema_change::drop_column, t, g->name, "drop column '" + g->name + "' of '" + t + "'",
            "op.drop_column(" + lit(t) + ", " + lit(g->name) + ");",
            "op.add_column(" + lit(t) + ", " + detail::cpp_column(b, *g, d_, false) + ");");
        risk(lint_kind::drop_column);
      }
    }
    for (auto* a : added) {
      add(schema_change::add_column, t, a->name, "add column '" + a->name + "' to '" + t + "'",
          "op.add_column(" + lit(t) + ", " + detail::cpp_column(m, *a, d_, false) + ");",
          "op.drop_column(" + lit(t) + ", " + lit(a->name) + ");");
      if (!a->nullable && !a->server_default) risk(lint_kind::not_null_without_default);
    }
    auto renamed = after_renames(b, renames);
    for (auto& c : m.columns)
      if (auto* old = renamed.column(c.name)) compare_column(m, c, *old);
    compare_indexes(m, renamed);
    compare_uniques(m, renamed);
    compare_foreign_keys(m, renamed);
    compare_checks(m, renamed);
  }

  std::string type_expression(const reflected_type& type) const {
    auto cpp = detail::cpp_type(type, d_);
    return cpp.front() == '"' ? "quarry::sql_type::custom(" + cpp + ")" : cpp;
  }
  std::string alteration(const reflected_table& t, const reflected_column& column, bool type, bool nullable,
                         bool server_default) const {
    std::string fields;
    auto field = [&](const std::string& f) { fields += (fields.empty() ? "" : ", ") + f; };
    if (type) {
      field(".type = " + type_expression(column.type));
      if (!sqlite()) field(".using_sql = " + lit(d_.format_identifier(column.name) + "::" + column.type.spelling));
    }
    if (nullable) field(std::string(".nullable = ") + (column.nullable ? "true" : "false"));
    if (server_default) field(".server_default = " + lit(column.server_default.value_or("")));
    std::string change = "{" + fields + "}";
    if (sqlite()) return batch(t.name, "batch.alter_column(" + lit(column.name) + ", " + change + ");");
    return "op.alter_column(" + lit(t.name) + ", " + lit(column.name) + ", " + change + ");";
  }

  void compare_column(const reflected_table& m, const reflected_column& c, const reflected_column& old) {
    bool type = options_.compare_types && !detail::same_type_spelling(c.type.spelling, old.type.spelling);
    bool in_key = std::find(m.primary_key.columns.begin(), m.primary_key.columns.end(), c.name) != m.primary_key.columns.end();
    bool nullable = !in_key && c.nullable != old.nullable;
    bool numbered = c.autoincrement || old.autoincrement;
    bool server_default = options_.compare_server_defaults && !numbered && c.server_default != old.server_default;
    if (!type && !nullable && !server_default) return;
    std::string what;
    if (type) what += "type " + old.type.spelling + " -> " + c.type.spelling;
    if (nullable) what += std::string(what.empty() ? "" : ", ") + (c.nullable ? "nullable" : "NOT NULL");
    if (server_default)
      what += std::string(what.empty() ? "" : ", ") + "server default " + old.server_default.value_or("(none)") + " -> " +
              c.server_default.value_or("(none)");
    add(schema_change::alter_column, m.name, c.name, "column '" + c.name + "' of '" + m.name + "': " + what,
        alteration(m, c, type, nullable, server_default), alteration(m, old, type, nullable, server_default));
    if (type) risk(lint_kind::type_change);
    if (nullable && !c.nullable) risk(lint_kind::set_not_null);
  }

  void compare_indexes(const reflected_table& m, const reflected_table& b) {
    auto mine = plain_indexes(m), theirs = plain_indexes(b);
    auto named = [](const std::vector<const reflected_index*>& list, const std::string& name) -> const reflected_index* {
      for (auto* i : list)
        if (i->name == name) return i;
      return nullptr;
    };
    for (auto* i : theirs) {
      auto* wanted = named(mine, i->name);
      if (wanted && same_index(*wanted, *i)) continue;
      add(schema_change::drop_index, m.name, i->name, "drop index '" + i->name + "' of '" + m.name + "'",
          "op.drop_index(" + lit(i->name) + ");", detail::cpp_create_index(b, *i, d_));
    }
    for (auto* i : mine) {
      auto* existing = named(theirs, i->name);
      if (existing && same_index(*existing, *i)) continue;
      add(schema_change::add_index, m.name, i->name, "add index '" + i->name + "' to '" + m.name + "'",
          detail::cpp_create_index(m, *i, d_), "op.drop_index(" + lit(i->name) + ");");
      risk(lint_kind::index_without_concurrently);
    }
  }

  void compare_uniques(const reflected_table& m, const reflected_table& b) {
    auto mine = unique_sets(m), theirs = unique_sets(b);
    auto has = [](const std::vector<unique_set>& list, const std::vector<std::string>& columns) {
      return std::any_of(list.begin(), list.end(), [&](const unique_set& u) { return u.columns == columns; });
    };
    for (auto& u : theirs) {
      if (has(mine, u.columns)) continue;
      std::string what = "drop the unique constraint (" + join(u.columns) + ") of '" + m.name + "'";
      if (u.is_index) {
        add(schema_change::drop_unique, m.name, u.name, what, "op.drop_index(" + lit(u.name) + ");",
            "op.create_index(" + lit(u.name) + ", " + lit(m.name) + ", " + detail::cpp_list(u.columns) + ", true);");
      } else if (!sqlite()) {
        add(schema_change::drop_unique, m.name, u.name, what, "op.drop_constraint(" + lit(u.name) + ", " + lit(m.name) + ");",
            "op.create_unique_constraint(" + lit(u.name) + ", " + lit(m.name) + ", " + detail::cpp_list(u.columns) + ");");
      } else {
        drop_sqlite_constraint(schema_change::drop_unique, m.name, u.name, what,
                               "batch.create_unique_constraint(" + lit(u.name) + ", " + detail::cpp_list(u.columns) + ");");
      }
    }
    for (auto& u : mine) {
      if (has(theirs, u.columns)) continue;
      std::string name = u.is_index ? u.name
                                    : model_name(naming_.uq, u.name, d_.generated_name("uq_" + m.name + "_" + join(u.columns, "_")));
      std::string what = "add a unique constraint (" + join(u.columns) + ") to '" + m.name + "'";
      // A unique index: both databases add one in place, and it is what a unique constraint is made of.
      add(schema_change::add_unique, m.name, name, what,
          "op.create_index(" + lit(name) + ", " + lit(m.name) + ", " + detail::cpp_list(u.columns) + ", true);",
          "op.drop_index(" + lit(name) + ");");
      risk(lint_kind::index_without_concurrently);
    }
  }

  // SQLite drops a constraint by rebuilding its table, which needs the constraint's name.
  void drop_sqlite_constraint(schema_change::kind_t kind, const std::string& table, const std::string& name,
                              const std::string& what, const std::string& recreate) {
    if (name.empty()) {
      add(kind, table, name, what + " (unnamed: by hand)",
          "// quarry: SQLite cannot drop an unnamed constraint; rebuild '" + table + "' by hand to " + what.substr(0, 4) +
              " it",
          {});
      return;
    }
    add(kind, table, name, what, batch(table, "batch.drop_constraint(" + lit(name) + ");"), batch(table, recreate));
  }

  // op.create_foreign_key(...), or on SQLite the batch's call inside the rebuild of `table`.
  std::string foreign_key_call(const std::string& table, const std::string& name, const reflected_foreign_key& fk,
                               bool bare = false) const {
    std::string call = std::string(sqlite() ? "batch." : "op.") + "create_foreign_key(" + lit(name) + ", " +
                       (sqlite() ? "" : lit(table) + ", ") +
                       lit(fk.referred_table) + ", " + detail::cpp_list(fk.columns) + ", " + detail::cpp_list(fk.referred_columns);
    if (fk.on_delete != fk_action::no_action || fk.on_update != fk_action::no_action) call += ", " + detail::cpp_action(fk.on_delete);
    if (fk.on_update != fk_action::no_action) call += ", " + detail::cpp_action(fk.on_update);
    call += ");";
    return sqlite() && !bare ? batch(table, call) : call;
  }

  void compare_foreign_keys(const reflected_table& m, const reflected_table& b) {
    auto has = [](const reflected_table& t, const reflected_foreign_key& fk) {
      return std::any_of(t.foreign_keys.begin(), t.foreign_keys.end(),
                         [&](const reflected_foreign_key& other) { return same_foreign_key(fk, other); });
    };
    for (auto& fk : b.foreign_keys) {
      if (has(m, fk)) continue;
      std::string what = "drop the foreign key (" + join(fk.columns) + ") -> " + fk.referred_table + " of '" + m.name + "'";
      if (sqlite())
        drop_sqlite_constraint(schema_change::drop_foreign_key, m.name, fk.name, what,
                               foreign_key_call(m.name, fk.name, fk, true));
      else
        add(schema_change::drop_foreign_key, m.name, fk.name, what,
            "op.drop_constraint(" + lit(fk.name) + ", " + lit(m.name) + ");", foreign_key_call(m.name, fk.name, fk));
    }
    for (auto& fk : m.foreign_keys) {
      if (has(b, fk)) continue;
      auto name = model_name(naming_.fk, fk.name, d_.generated_name("fk_" + m.name + "_" + join(fk.columns, "_") + "_" + fk.referred_table));
      add(schema_change::add_foreign_key, m.name, name,
          "add a foreign key (" + join(fk.columns) + ") -> " + fk.referred_table + " to '" + m.name + "'",
          foreign_key_call(m.name, name, fk),
          sqlite() ? batch(m.name, "batch.drop_constraint(" + lit(name) + ");")
                   : "op.drop_constraint(" + lit(name) + ", " + lit(m.name) + ");");
      risk(lint_kind::constraint_without_not_valid);
    }
  }

  void compare_checks(const reflected_table& m, const reflected_table& b) {
    auto has = [](const reflected_table& t, const std::string& sql) {
      return std::any_of(t.check_constraints.begin(), t.check_constraints.end(),
                         [&](const reflected_check_constraint& c) { return c.sql == sql; });
    };
    auto create = [&](const std::string& name, const std::string& sql) {
      return sqlite() ? batch(m.name, "batch.create_check_constraint(" + lit(name) + ", " + lit(sql) + ");")
                      : "op.create_check_constraint(" + lit(name) + ", " + lit(m.name) + ", " + lit(sql) + ");";
    };
    for (auto& c : b.check_constraints) {
      if (has(m, c.sql)) continue;
      std::string what = "drop the check (" + c.sql + ") of '" + m.name + "'";
      if (sqlite())
        drop_sqlite_constraint(schema_change::drop_check, m.name, c.name, what,
                               "batch.create_check_constraint(" + lit(c.name) + ", " + lit(c.sql) + ");");
      else
        add(schema_change::drop_check, m.name, c.name, what, "op.drop_constraint(" + lit(c.name) + ", " + lit(m.name) + ");",
            create(c.name, c.sql));
    }
    for (auto& c : m.check_constraints) {
      if (has(b, c.sql)) continue;
      auto name = model_name(naming_.ck, c.name, d_.generated_name("ck_" + m.name + "_" + hash_suffix(c.sql)));
      add(schema_change::add_check, m.name, name, "add the check (" + c.sql + ") to '" + m.name + "'", create(name, c.sql),
          sqlite() ? batch(m.name, "batch.drop_constraint(" + lit(name) + ");")
                   : "op.drop_constraint(" + lit(name) + ", " + lit(m.name) + ");");
      risk(lint_kind::constraint_without_not_valid);
    }
  }

  static std::string join(const std::vector<std::string>& items, const char* separator = ", ") {
    std::string out;
    for (auto& item : items) out += (out.empty() ? "" : separator) + item;
    return out;
  }

  // A constraint's name as the models' create_all() made it when their convention names it; else one made up here.
  static std::string model_name(const std::string& pattern, const std::string& reflected, std::string made_up) {
    return !pattern.empty() && !reflected.empty() ? reflected : made_up;
  }

  const dialect& d_;
  const autogenerate_options& options_;
  const naming_convention& naming_;
  std::vector<schema_change> changes_;
};

// Each line of `code` indented, and commented out when `comment`.
inline std::string indented(const std::string& code, const std::string& indent, bool comment = false) {
  std::string out;
  std::size_t start = 0;
  while (start <= code.size()) {
    auto end = code.find('\n', start);
    if (end == std::string::npos) end = code.size();
    auto line = code.substr(start, end - start);
    bool already = line.rfind("//", 0) == 0;
    if (!line.empty()) out += indent + (comment && !already ? "// " : "") + line + "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace detail

QUARRY_DECL std::vector<schema_change> compare_metadata(const MetaData& models, Connection& conn,
                                                        const autogenerate_options& options) {
  auto wanted = detail::model_snapshot(models, conn, options);
  auto present = detail::database_snapshot(conn, options);
  conn.commit();  // ends the catalog reads' transaction
  std::vector<std::string> order;
  for (auto& t : models.sorted_tables()) order.push_back(t->name);
  return detail::schema_differ(conn.dialect(), options, models.naming).compare(wanted, present, order);
}

QUARRY_DECL std::vector<schema_change> compare_metadata(const MetaData& models, const Engine& engine,
                                                        const autogenerate_options& options) {
  auto conn = engine.connect();
  return compare_metadata(models, conn, options);
}

QUARRY_DECL std::string render_revision(const std::vector<schema_change>& changes, const revision_source& source) {
  bool guesses = std::any_of(changes.begin(), changes.end(), [](const schema_change& c) { return c.suggestion; });
  if (!valid_revision_id(source.id))
    throw ArgumentError("quarry: '" + source.id + "' cannot be a revision id: use 1 to 32 letters, digits and _");
  std::string out = detail::indented(source.message, "", true);
  out = (out.empty() ? "//\n" : out) + "//\n// Revision ID: " + source.id + "\n// Revises: ";
  for (std::size_t i = 0; i < source.down_revisions.size(); ++i) out += (i ? ", " : "") + source.down_revisions[i];
  if (source.down_revisions.empty()) out += "<base>";
  out += "\n// Written by quarry autogenerate: review it before it runs.\n";
  if (guesses && !source.accept_renames)
    out += "#error \"quarry: confirm each rename marked 'a guess' below (or use the drop + add under it), then delete "
           "this line\"\n";
  out += "#include <quarry/migrate.hpp>\n\nnamespace {\n\nnamespace mg = quarry::migrate;\n\n";
  out += "[[maybe_unused]] const mg::revision revision_" + source.id + " = mg::add_revision({\n";
  out += "    .id = " + detail::cpp_literal(source.id) + ",\n    .down_revisions = " + detail::cpp_list(source.down_revisions) +
         ",\n    .message = " + detail::cpp_literal(source.message) + ",\n";
  const std::string indent(10, ' ');
  auto body = [&](bool up) {
    std::string code;
    auto step = [&](const schema_change& c) {
      code += indent + "// " + c.description + "\n";
      if (up)
        for (auto kind : c.risks)
          code += indent + "// lint (PostgreSQL): " + lint_problem(kind) + "; safer: " + lint_safer(kind) + "\n";
      const auto& main = up ? c.upgrade : c.downgrade;
      if (c.suggestion) {
        code += indent + "// quarry: a guess. Keep this rename, or delete it and use the drop + add below, which loses "
                         "the data.\n";
        code += detail::indented(main, indent);
        code += detail::indented(up ? c.instead_upgrade : c.instead_downgrade, indent, true);
      } else {
        code += detail::indented(main, indent);
      }
    };
    if (up)
      for (auto& c : changes) step(c);
    else
      for (auto it = changes.rbegin(); it != changes.rend(); ++it) step(*it);
    bool uses_op = code.find("\n" + indent + "op.") != std::string::npos || code.rfind(indent + "op.", 0) == 0;
    return std::string("        [](mg::operations&") + (uses_op ? " op" : "") + ") {\n" + code + "        }";
  };
  out += "    .upgrade =\n" + body(true) + ",\n    .downgrade =\n" + body(false) + "});\n\n}  // namespace\n";
  return out;
}

}  // namespace quarry::migrate
