// PostgreSQL's SQL spelling and connection factory, registered as postgresql://.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <memory>
#include <string>

#include "quarry/dialect/postgresql/driver.hpp"
#include "quarry/dialect/detail/reserved_words.hpp"
#include "quarry/dbapi/interfaces.hpp"
#include "quarry/dbapi/registry.hpp"

namespace quarry::postgresql {

class dialect final : public quarry::dialect {
 public:
  std::string_view name() const override { return "postgresql"; }
  quarry::paramstyle paramstyle() const override { return quarry::paramstyle::numeric_dollar; }

  std::unique_ptr<dbapi_connection> connect(const URL& url, const engine_options& options) const override {
    return std::make_unique<connection>(url, options);
  }

  std::string type_name(const sql_type& type) const override;

  // A native enum type named after the C++ enum, in lower case as SQLAlchemy names it.
  std::string enum_type_name(const sql_type& type) const;

  bool native_enums() const override { return true; }
  // NAMEDATALEN - 1: longer names are truncated by the server.
  std::size_t max_identifier_length() const override { return 63; }
  // Rows per multi-row INSERT: each row costs the server a statement less, and
  // the protocol allows 65,535 parameters.
  std::size_t insert_rows_per_statement(std::size_t columns) const override;
  // COPY is the fastest way in, but costs a round trip more than an INSERT that
  // was prepared before: on loopback, batches of 20 rows go faster as INSERTs
  // and batches of 35 as COPY (bench: pg_core_insert/N).
  bool insert_by_copy(std::size_t rows) const override { return rows >= 30; }
  // From the column's sequence (serial or identity). None where an INSERT would
  // do what taking keys ahead cannot: a GENERATED ALWAYS column, a sequence the
  // user may not call nextval() on (an INSERT needs no right on it), or a
  // trigger on the table (which may set the key itself). The sequence is
  // looked up once, as a regclass behind an OFFSET 0 fence: a text argument to
  // nextval() is looked up again for every key (100,000 keys: 300 ms, not 50).
  std::string_view take_keys_sql() const override {
    return "SELECT nextval(s.sequence) FROM (SELECT pg_get_serial_sequence($1, $2)::regclass AS sequence OFFSET 0) s, "
           "generate_series(1, $3::bigint) WHERE s.sequence IS NOT NULL "
           "AND (has_sequence_privilege(s.sequence, 'USAGE') OR has_sequence_privilege(s.sequence, 'UPDATE')) "
           "AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attname = $2 "
           "AND a.attidentity = 'a') "
           "AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = $1::regclass AND NOT t.tgisinternal)";
  }
  std::string has_enum_sql() const override;

  bool is_reserved_word(std::string_view word) const override { return detail::in_word_list(detail::postgresql_reserved_words, word); }

  std::string begin_statement(std::optional<isolation_level> level, const engine_options&) const override;
};

inline const bool dialect_registered = register_dialect<dialect>({"postgresql", "postgresql+libpq", "postgres"});

}  // namespace quarry::postgresql

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/dialect/postgresql/impl/dialect.ipp"
#endif
