// SQLite's SQL spelling and connection factory, registered as sqlite://.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <memory>
#include <string>

#include "quarry/dialect/sqlite/driver.hpp"
#include "quarry/dialect/detail/reserved_words.hpp"
#include "quarry/dbapi/interfaces.hpp"
#include "quarry/dbapi/registry.hpp"

namespace quarry::sqlite {

// sqlite:// and sqlite:///:memory: are one in-memory database;
// sqlite:///relative.db and sqlite:////absolute/path.db are files;
// ?vfs=name opens the file through a registered SQLite VFS.
QUARRY_DECL std::string database_path(const URL& url);

class dialect final : public quarry::dialect {
 public:
  std::string_view name() const override { return "sqlite"; }
  quarry::paramstyle paramstyle() const override { return quarry::paramstyle::qmark; }

  std::unique_ptr<dbapi_connection> connect(const URL& url, const engine_options& options) const override;

  // Each connection to :memory: is a new, empty database, so the engine shares
  // one connection among all checkouts (SQLAlchemy's StaticPool).
  bool single_connection(const URL& url) const override { return database_path(url) == ":memory:"; }

  bool lastrowid_for_autoincrement() const override { return true; }

  // Affinities decide what SQLite keeps: timestamps and JSON must stay text
  // (JSON "123" in a NUMERIC column would become an integer), a uuid is a blob.
  std::string type_name(const sql_type& type) const override;

  std::string_view limit_for_offset_only() const override { return "-1"; }
  bool supports_ilike() const override { return false; }
  // A path, so that a key that starts with '$' is still a key.
  bool json_element_as_path() const override { return true; }
  bool json_text_keeps_type() const override { return true; }
  // Only a column declared exactly INTEGER PRIMARY KEY is the rowid, which SQLite numbers.
  std::string autoincrement_type(const sql_type&) const override { return "INTEGER"; }
  std::string has_table_sql() const override {
    return "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?";
  }

  bool is_reserved_word(std::string_view word) const override { return detail::in_word_list(detail::sqlite_reserved_words, word); }

  std::string begin_statement(std::optional<isolation_level> level, const engine_options& options) const override;
};

inline const bool dialect_registered = register_dialect<dialect>({"sqlite", "sqlite+sqlite3"});

}  // namespace quarry::sqlite

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/dialect/sqlite/impl/dialect.ipp"
#endif
