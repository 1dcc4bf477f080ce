// The parameter batches and the per-model statements a flush sends.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "quarry/core/detail/compiler.hpp"
#include "quarry/core/detail/insert_rows.hpp"
#include "quarry/orm/detail/session_entry.hpp"

namespace quarry::detail {

// Where a placeholder's value comes from: a column of the object, or of its
// snapshot (the key and version the row had).
struct entry_slot {
  std::size_t column;
  bool from_snapshot;
};

// The parameter sets of a batch of entries: each set is `per_set` consecutive
// entries, each giving the values of `slots`.
class entry_batch final : public parameter_batch {
 public:
  entry_batch(std::span<session_entry* const> entries, std::vector<entry_slot> slots, std::size_t per_set);
  std::size_t size() const override { return entries_.size() / per_set_; }
  std::span<const value_ref> parameters(std::size_t index) override;

 private:
  std::span<session_entry* const> entries_;
  std::vector<entry_slot> slots_;
  std::size_t per_set_;
  std::vector<value> owned_;
  std::vector<value_ref> refs_;
};

// Parameter sets held as values (rows of an association table).
class value_batch final : public parameter_batch {
 public:
  explicit value_batch(std::vector<std::vector<value>> rows) : rows_(std::move(rows)) {}
  std::size_t size() const override { return rows_.size(); }
  std::span<const value_ref> parameters(std::size_t index) override;

 private:
  std::vector<std::vector<value>> rows_;
  std::vector<value_ref> refs_;
};

// Writes the columns an INSERT ... RETURNING gives back into the objects. A
// multi-row INSERT's rows are matched to its objects in the order of the
// autoincrement key, which the database numbers in the order of the VALUES.
class returning_sink final : public row_sink {
 public:
  returning_sink(std::span<session_entry* const> entries, std::vector<std::size_t> columns, std::size_t per_set,
                 std::optional<std::size_t> order_by)
      : entries_(entries), columns_(std::move(columns)), per_set_(per_set), order_by_(order_by) {}

  // The INSERT has no RETURNING: the one generated column is the rowid key.
  void inserted(std::size_t set, std::int64_t lastrowid) override;
  void use_rowid() { by_rowid_ = true; }

  void row(std::size_t set, dbapi_statement& cursor) override;

  // Call after the statement ran: checks every object got its row.
  void finish();
  std::size_t written() const noexcept { return written_; }

 private:
  session_entry& entry_at(std::size_t i) const;
  template <class Read>
  void write(session_entry& e, Read&& read) {
    for (std::size_t k = 0; k < columns_.size(); ++k) e.m->assign_column(e.object, columns_[k], read(k));
  }

  std::span<session_entry* const> entries_;
  std::vector<std::size_t> columns_;
  std::size_t per_set_;
  std::optional<std::size_t> order_by_;  // position among columns_ of the autoincrement key
  std::size_t set_ = 0;
  std::vector<std::vector<value>> rows_;
  std::size_t written_ = 0;
  bool by_rowid_ = false;
};

// The statements a flush sends, compiled once per session for each model,
// statement kind, row count and column set.
class flush_statements {
 public:
  enum class kind : std::uint8_t { insert, insert_without_returning, copy, update, delete_, select_by_key };

  const compiled_statement& get(const dialect& d, const mapper& m, kind k, const std::vector<bool>& columns, std::size_t rows = 1);

 private:
  static node_ptr bind(std::string name) { return make_node(node_kind::bind, precedence::atom, std::move(name)); }

  // WHERE key = ? [AND version = ?]: the row as the session last knew it.
  static node_ptr where_row(const mapper& m, bool with_version);

  static compiled_statement build(const dialect& d, const mapper& m, kind k, const std::vector<bool>& columns, std::size_t rows);

  std::map<std::tuple<const mapper*, kind, std::size_t, std::vector<bool>>, compiled_statement> cache_;
};

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/orm/detail/impl/flush_batches.ipp"
#endif
