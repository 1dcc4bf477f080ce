// The non-template implementation of quarry/orm/detail/flush_batches.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/orm/detail/flush_batches.hpp"

namespace quarry::detail {

QUARRY_DECL entry_batch::entry_batch(std::span<session_entry* const> entries, std::vector<entry_slot> slots, std::size_t per_set)
    : entries_(entries), slots_(std::move(slots)), per_set_(per_set) {
  owned_.resize(per_set_ * slots_.size());
  refs_.resize(per_set_ * slots_.size());
}

QUARRY_DECL auto entry_batch::parameters(std::size_t index) -> std::span<const value_ref> {
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

QUARRY_DECL auto value_batch::parameters(std::size_t index) -> std::span<const value_ref> {
  refs_.clear();
  for (auto& v : rows_[index]) refs_.push_back(v.ref());
  return refs_;
}

QUARRY_DECL auto returning_sink::inserted(std::size_t set, std::int64_t lastrowid) -> void {
  if (!by_rowid_) return;
  entry_at(set).m->assign_column(entry_at(set).object, columns_[0], value_ref::integer(lastrowid));
  ++written_;
}

QUARRY_DECL auto returning_sink::row(std::size_t set, dbapi_statement& cursor) -> void {
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

QUARRY_DECL auto returning_sink::finish() -> void {
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

QUARRY_DECL auto returning_sink::entry_at(std::size_t i) const -> session_entry& {
  if (i >= entries_.size()) throw InvalidRequestError("quarry: an INSERT returned more rows than it was given");
  return *entries_[i];
}

QUARRY_DECL auto flush_statements::get(const dialect& d, const mapper& m, kind k, const std::vector<bool>& columns, std::size_t rows) -> const compiled_statement& {
  auto key = std::make_tuple(&m, k, rows, columns);
  auto it = cache_.find(key);
  if (it == cache_.end()) it = cache_.emplace(std::move(key), build(d, m, k, columns, rows)).first;
  return it->second;
}

QUARRY_DECL auto flush_statements::where_row(const mapper& m, bool with_version) -> node_ptr {
  std::vector<std::size_t> columns = m.key_columns;
  if (with_version && m.version_column) columns.push_back(*m.version_column);
  node_ptr condition;
  for (auto c : columns) {
    // Appended rather than "k" + to_string(c): gcc 12 -O3 warns (-Wrestrict) on that inlined insert.
    std::string name = "k";
    name += std::to_string(c);
    auto equal = make_node(node_kind::binary, precedence::comparison, " = ", m.column(c), bind(std::move(name)));
    condition = condition ? make_node(node_kind::binary, precedence::and_, " AND ", condition, equal) : equal;
  }
  return condition;
}

QUARRY_DECL auto flush_statements::build(const dialect& d, const mapper& m, kind k, const std::vector<bool>& columns, std::size_t rows) -> compiled_statement {
  statement_data data;
  const auto& table_columns = m.table->columns;
  switch (k) {
    case kind::insert:
    case kind::insert_without_returning:
      // `columns` marks what the INSERT sends; the rest come back through RETURNING.
      data.target = m.from();
      set_insert_rows(data, *m.table, columns, rows);
      for (std::size_t i = 0; k == kind::insert && i < columns.size(); ++i)
        if (!columns[i]) data.returning.push_back(m.column(i));
      break;
    case kind::copy: {
      data.target = m.from();
      set_insert_rows(data, *m.table, columns, 1);
      auto copy = compiler(d).copy_from(data);
      if (!copy) throw InvalidRequestError("quarry: the flush asked for a COPY into '" + m.table->name + "' that cannot be one");
      return std::move(*copy);
    }
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

}  // namespace quarry::detail
