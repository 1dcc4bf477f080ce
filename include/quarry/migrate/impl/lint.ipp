// The non-template implementation of quarry/migrate/lint.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/migrate/lint.hpp"

#include <regex>
#include <set>

#include "quarry/migrate/operations.hpp"

namespace quarry::migrate {

namespace detail {

// A table name as written in the SQL, unquoted, for matching CREATE TABLE with later statements.
inline std::string unquoted(std::string name) {
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    std::string out;
    for (std::size_t i = 1; i + 1 < name.size(); ++i) {
      out += name[i];
      if (name[i] == '"') ++i;
    }
    return out;
  }
  return name;
}

}  // namespace detail

QUARRY_DECL const char* lint_problem(lint_kind kind) noexcept {
  switch (kind) {
    case lint_kind::index_without_concurrently:
      return "CREATE INDEX without CONCURRENTLY blocks writes to the table while the index builds";
    case lint_kind::not_null_without_default: return "a NOT NULL column without a default cannot be added to a table with rows";
    case lint_kind::type_change: return "changing a column's type may rewrite the whole table under an exclusive lock";
    case lint_kind::set_not_null: return "SET NOT NULL scans the whole table under an exclusive lock";
    case lint_kind::constraint_without_not_valid:
      return "adding a foreign key or check without NOT VALID scans the table under a lock";
    case lint_kind::unique_in_place:
      return "adding a unique or primary-key constraint builds its index under a lock that blocks writes";
    case lint_kind::drop_table: return "the running application may still read the table";
    case lint_kind::drop_column: return "the running application may still read the column";
    case lint_kind::rename: return "the running application still uses the old name";
  }
  return "";
}

QUARRY_DECL const char* lint_safer(lint_kind kind) noexcept {
  switch (kind) {
    case lint_kind::index_without_concurrently: return "op.create_index_concurrently(...), in a revision of its own";
    case lint_kind::not_null_without_default:
      return "add it nullable (or with a server default), fill it in, then set NOT NULL";
    case lint_kind::type_change: return "add a new column, copy the values in batches, then switch to it";
    case lint_kind::set_not_null:
      return "op.create_check_constraint(name, table, \"col IS NOT NULL\", true), op.validate_constraint(), then SET NOT NULL";
    case lint_kind::constraint_without_not_valid:
      return "create it with not_valid = true, then op.validate_constraint() in a later revision";
    case lint_kind::unique_in_place: return "op.create_index_concurrently(..., true), then ADD CONSTRAINT ... USING INDEX";
    case lint_kind::drop_table:
    case lint_kind::drop_column: return "deploy code that no longer uses it first, then drop it in a later revision";
    case lint_kind::rename: return "add the new name alongside, move the code over, then drop the old one";
  }
  return "";
}

QUARRY_DECL std::vector<lint_warning> lint_statements(const std::vector<std::string>& statements,
                                                      const std::string& revision_id) {
  static const std::string name = R"(("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*))";
  auto pattern = [](const std::string& text) { return std::regex(text, std::regex::icase | std::regex::optimize); };
  static const std::regex create_table = pattern(R"(^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?)" + name);
  static const std::regex create_index =
      pattern(R"(^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?)" + name + R"(\s+ON\s+)" + name);
  static const std::regex alter_table = pattern(R"(^\s*ALTER\s+TABLE\s+(?:ONLY\s+)?)" + name + R"(\s+(.*)$)");
  static const std::regex drop_table = pattern(R"(^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?)" + name);
  static const std::regex add_column = pattern(R"(^ADD\s+(?:COLUMN\s+)?)");
  static const std::regex not_null = pattern(R"(\bNOT\s+NULL\b)");
  static const std::regex has_default = pattern(R"(\bDEFAULT\b)");
  static const std::regex type_change = pattern(R"(^ALTER\s+(?:COLUMN\s+)?\S+\s+(?:SET\s+DATA\s+)?TYPE\b)");
  static const std::regex set_not_null = pattern(R"(^ALTER\s+(?:COLUMN\s+)?\S+\s+SET\s+NOT\s+NULL\b)");
  static const std::regex add_constraint = pattern(R"(^ADD\s+CONSTRAINT\s+\S+\s+(FOREIGN\s+KEY|CHECK|UNIQUE|PRIMARY\s+KEY)\b)");
  static const std::regex not_valid = pattern(R"(\bNOT\s+VALID\s*$)");
  static const std::regex drop_column = pattern(R"(^DROP\s+(?:COLUMN\s+)?(?!CONSTRAINT\b)\S+)");
  static const std::regex rename = pattern(R"(^RENAME\b)");

  std::vector<lint_warning> out;
  std::set<std::string> created;  // empty tables: nothing to lock or break
  auto warn = [&](const std::string& sql, lint_kind kind) {
    out.push_back({revision_id, sql, lint_problem(kind), lint_safer(kind), kind});
  };
  std::smatch m;
  for (auto& sql : statements) {
    if (std::regex_search(sql, m, create_table)) {
      created.insert(detail::unquoted(m[1]));
    } else if (std::regex_search(sql, m, create_index)) {
      if (!m[1].matched && !created.count(detail::unquoted(m[3])))
        warn(sql, lint_kind::index_without_concurrently);
    } else if (std::regex_search(sql, m, drop_table)) {
      warn(sql, lint_kind::drop_table);
    } else if (std::regex_search(sql, m, alter_table) && !created.count(detail::unquoted(m[1]))) {
      const std::string change = m[2];
      std::smatch c;
      if (std::regex_search(change, add_column) && !std::regex_search(change, add_constraint)) {
        if (std::regex_search(change, not_null) && !std::regex_search(change, has_default))
          warn(sql, lint_kind::not_null_without_default);
      } else if (std::regex_search(change, type_change)) {
        warn(sql, lint_kind::type_change);
      } else if (std::regex_search(change, set_not_null)) {
        warn(sql, lint_kind::set_not_null);
      } else if (std::regex_search(change, c, add_constraint)) {
        std::string kind = c[1];
        bool scanning = kind[0] == 'F' || kind[0] == 'f' || kind[0] == 'C' || kind[0] == 'c';
        if (scanning && !std::regex_search(change, not_valid))
          warn(sql, lint_kind::constraint_without_not_valid);
        else if (!scanning)
          warn(sql, lint_kind::unique_in_place);
      } else if (std::regex_search(change, drop_column)) {
        warn(sql, lint_kind::drop_column);
      } else if (std::regex_search(change, rename)) {
        warn(sql, lint_kind::rename);
      }
    }
  }
  return out;
}

QUARRY_DECL std::vector<lint_warning> lint_revision(const revision& r, const dialect& d, const naming_convention& naming) {
  if (d.name() != "postgresql" || !r.upgrade) return {};
  operations op(d, naming);
  try {
    r.upgrade(op);
  } catch (const InvalidRequestError&) {  // it reads the database (offline it cannot): what it wrote before counts
  }
  return lint_statements(op.script(), r.id);
}

}  // namespace quarry::migrate
