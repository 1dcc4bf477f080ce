// The parameter batches and the per-model statements a flush sends.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

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
  entry_batch(std::span<session_entry* const> entries, std::vector<entry_slot> slots, std::size_t per_set)
      : entries_(entries), slots_(std::move(slots)), per_set_(per_set) {
    owned_.resize(per_set_ * slots_.size());
    refs_.resize(per_set_ * slots_.size());
  }
  std::size_t size() const override { return entries_.size() / per_set_; }
  std::span<const value_ref> parameters(std::size_t index) override {
    std::size_t at = 0;
    for (std::size_t r = 0; r < per_set_; ++r) {
      const session_entry& e = *entries_[index * per_set_ + r];
      for (auto& slot : slots_) {
        refs_[at] = e.m->bind(slot.from_snapshot ? e.snapshot : e.object, slot.column, owned_[at]);
        ++at;
      }
    }
    return refs_;
  }

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
  std::span<const value_ref> parameters(std::size_t index) override {
    refs_.clear();
    for (auto& v : rows_[index]) refs_.push_back(v.ref());
    return refs_;
  }

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
  void inserted(std::size_t set, std::int64_t lastrowid) override {
    if (!by_rowid_) return;
    entry_at(set).m->assign_column(entry_at(set).object, columns_[0], value_ref::integer(lastrowid));
    ++written_;
  }
  void use_rowid() { by_rowid_ = true; }

  void row(std::size_t set, dbapi_statement& cursor) override {
    if (per_set_ == 1) {
      write(entry_at(set), [&](std::size_t k) { return cursor.column(k); });
      ++written_;
      return;
    }
    if (set != set_) {
      finish();
      set_ = set;
    }
    std::vector<value> values;
    for (std::size_t k = 0; k < columns_.size(); ++k) values.emplace_back(cursor.column(k));
    rows_.push_back(std::move(values));
  }

  // Call after the statement ran: checks every object got its row.
  void finish() {
    if (!rows_.empty()) {
      if (order_by_)
        std::sort(rows_.begin(), rows_.end(),
                  [&](const auto& a, const auto& b) { return a[*order_by_].ref().as_int64() < b[*order_by_].ref().as_int64(); });
      for (std::size_t r = 0; r < rows_.size(); ++r)
        write(entry_at(set_ * per_set_ + r), [&](std::size_t k) { return rows_[r][k].ref(); });
      written_ += rows_.size();
      rows_.clear();
    }
  }
  std::size_t written() const noexcept { return written_; }

 private:
  session_entry& entry_at(std::size_t i) const {
    if (i >= entries_.size()) throw InvalidRequestError("quarry: an INSERT returned more rows than it was given");
    return *entries_[i];
  }
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
  enum class kind : std::uint8_t { insert, insert_without_returning, update, delete_, select_by_key };

  const compiled_statement& get(const dialect& d, const mapper& m, kind k, const std::vector<bool>& columns,
                                std::size_t rows = 1) {
    auto key = std::make_tuple(&m, k, rows, columns);
    auto it = cache_.find(key);
    if (it == cache_.end()) it = cache_.emplace(std::move(key), build(d, m, k, columns, rows)).first;
    return it->second;
  }

 private:
  static node_ptr bind(std::string name) { return make_node(node_kind::bind, precedence::atom, std::move(name)); }

  // WHERE key = ? [AND version = ?]: the row as the session last knew it.
  static node_ptr where_row(const mapper& m, bool with_version) {
    std::vector<std::size_t> columns = m.key_columns;
    if (with_version && m.version_column) columns.push_back(*m.version_column);
    node_ptr condition;
    for (auto c : columns) {
      auto equal = make_node(node_kind::binary, precedence::comparison, " = ", m.column(c), bind("k" + std::to_string(c)));
      condition = condition ? make_node(node_kind::binary, precedence::and_, " AND ", condition, equal) : equal;
    }
    return condition;
  }

  static compiled_statement build(const dialect& d, const mapper& m, kind k, const std::vector<bool>& columns,
                                  std::size_t rows) {
    statement_data data;
    const auto& table_columns = m.table->columns;
    switch (k) {
      case kind::insert:
      case kind::insert_without_returning:
        // `columns` marks what the INSERT sends; the rest come back through RETURNING.
        data.kind = statement_kind::insert;
        data.target = m.from();
        for (std::size_t r = 0; r < rows; ++r) {
          std::vector<node_ptr> row;
          for (std::size_t i = 0; i < columns.size(); ++i)
            if (columns[i]) {
              auto value = bind(std::to_string(r) + ":" + std::to_string(i));
              if (r == 0) data.assignments.push_back({table_columns[i].name, value});
              else row.push_back(value);
            }
          if (r > 0) data.more_rows.push_back(std::move(row));
        }
        for (std::size_t i = 0; k == kind::insert && i < columns.size(); ++i)
          if (!columns[i]) data.returning.push_back(m.column(i));
        break;
      case kind::update:
        data.kind = statement_kind::update;
        data.target = m.from();
        for (std::size_t i = 0; i < columns.size(); ++i)
          if (columns[i]) data.assignments.push_back({table_columns[i].name, bind(std::to_string(i))});
        data.where = where_row(m, true);
        break;
      case kind::delete_:
        data.kind = statement_kind::delete_;
        data.target = m.from();
        data.where = where_row(m, true);
        break;
      case kind::select_by_key:
        for (std::size_t i = 0; i < table_columns.size(); ++i) data.columns.push_back(m.column(i));
        data.where = where_row(m, false);
        break;
    }
    return compiler(d).compile(data);
  }

  std::map<std::tuple<const mapper*, kind, std::size_t, std::vector<bool>>, compiled_statement> cache_;
};

}  // namespace quarry::detail
