// Result and RowView: the rows of an execution, read as they come or all at once.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <chrono>
#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "quarry/engine/detail/statement_cache.hpp"
#include "quarry/engine/events.hpp"
#include "quarry/dbapi/interfaces.hpp"
#include "quarry/dbapi/row.hpp"
#include "quarry/errors.hpp"

namespace quarry {

class Result;
template <class T>
class typed_rows;

// The row a Result's cursor is on. Text and blob views read from it are valid
// until the cursor moves; use Row (or as<T>()) to keep values.
class RowView : public detail::row_access<RowView> {
 public:
  explicit RowView(const Result* result) : result_(result) {}
  std::size_t column_count() const;
  std::size_t size() const { return column_count(); }
  std::string_view column_name(std::size_t i) const;
  value_ref raw(std::size_t i) const;
  // Typed reads of a column (see dbapi_statement::column_integer()), for read_column().
  bool raw_integer(std::size_t i, std::int64_t& out) const;
  bool raw_real(std::size_t i, double& out) const;
  bool raw_text(std::size_t i, std::string_view& out) const;
  void begin_row_read() const;
  void end_row_read() const noexcept;
  Row materialize() const;

 private:
  const Result* result_;
};

// The outcome of one execution: rows read lazily from the driver's cursor, plus
// rowcount and the inserted row id. A Result holds its connection's lease, so
// the connection returns to the pool only once the Result is closed too.
// Rows are consumed once; the cursor closes itself at the end.
class Result {
 public:
  struct sentinel {};
  class iterator {
   public:
    using value_type = RowView;
    using difference_type = std::ptrdiff_t;
    explicit iterator(Result* result) : result_(result) {}
    RowView operator*() const { return RowView(result_); }
    iterator& operator++();
    void operator++(int) { result_->advance(); }
    bool operator==(sentinel) const { return !result_->on_row_; }

   private:
    Result* result_;
  };

  Result() = default;
  // A Result without rows is closed at once and never holds the connection.
  template <class Lease>
  Result(const std::shared_ptr<Lease>& lease, dbapi_statement* statement, std::unique_ptr<dbapi_statement> owned,
         detail::statement_cache::entry* entry)
      : statement_(statement), owned_(std::move(owned)), entry_(entry) {
    columns_ = statement_->column_count();
    rowcount_ = statement_->rowcount();
    lastrowid_ = statement_->lastrowid();
    if (columns_ == 0) close();
    else lease_ = lease;
  }
  Result(Result&& other) noexcept { *this = std::move(other); }
  Result& operator=(Result&& other) noexcept;
  ~Result() { close(); }

  bool returns_rows() const noexcept { return columns_ > 0; }
  std::size_t column_count() const noexcept { return columns_; }
  // Rows changed by an INSERT, UPDATE or DELETE (summed over executemany); -1 when unknown.
  std::int64_t rowcount() const noexcept { return rowcount_; }
  // The rowid of the last inserted row where the driver reports one (SQLite);
  // on PostgreSQL use RETURNING.
  std::optional<std::int64_t> lastrowid() const noexcept { return lastrowid_; }
  const std::vector<std::string>& keys() const;

  iterator begin() { return iterator(start()); }
  sentinel end() { return {}; }

  template <class T>
  typed_rows<T> as() & {
    return typed_rows<T>(*this);
  }
  template <class T>
  typed_rows<T> as() && {
    return typed_rows<T>(std::move(*this));
  }

  template <class T = Row>
  std::vector<T> all() {
    std::vector<T> rows;
    if constexpr (detail::readable_in_place<T> || detail::declared_model<T>) {
      for (auto it = begin(); it != end(); ++it) {
        rows.emplace_back();
        try {
          (*it).read_into(rows.back());
        } catch (...) {
          rows.pop_back();
          throw;
        }
      }
    } else {
      for (auto it = begin(); it != end(); ++it) rows.push_back((*it).template as<T>());
    }
    return rows;
  }

  // The first row, or nothing; the rest is discarded.
  template <class T = Row>
  std::optional<T> first() {
    auto it = begin();
    std::optional<T> row;
    if (it != end()) row = (*it).template as<T>();
    close();
    return row;
  }

  // Exactly one row, or NoResultFound / MultipleResultsFound.
  template <class T = Row>
  T one() {
    auto row = one_or_none<T>();
    if (!row) throw NoResultFound("quarry: no row was found when one was required");
    return std::move(*row);
  }

  template <class T = Row>
  std::optional<T> one_or_none() {
    auto it = begin();
    std::optional<T> row;
    if (it != end()) {
      row = (*it).template as<T>();
      ++it;
      if (it != end()) {
        close();
        throw MultipleResultsFound("quarry: multiple rows were found when one or none was required");
      }
    }
    close();
    return row;
  }

  // The first column of the first row. With an optional T, no row and NULL both
  // read as nullopt; otherwise no row is NoResultFound.
  template <class T>
  T scalar() {
    auto it = begin();
    if (it == end()) {
      if constexpr (detail::accepts_null<T>) return T{};
      else throw NoResultFound("quarry: scalar() found no row; read it as std::optional<T> to accept none");
    }
    T out = (*it).template get<T>(0);
    close();
    return out;
  }

  template <class T>
  T scalar_one() {
    auto it = begin();
    if (it == end()) throw NoResultFound("quarry: no row was found when one was required");
    T out = (*it).template get<T>(0);
    ++it;
    if (it != end()) {
      close();
      throw MultipleResultsFound("quarry: multiple rows were found when one was required");
    }
    return out;
  }

  template <class T>
  std::optional<T> scalar_one_or_none() {
    auto it = begin();
    if (it == end()) return std::nullopt;
    T out = (*it).template get<T>(0);
    ++it;
    if (it != end()) {
      close();
      throw MultipleResultsFound("quarry: multiple rows were found when one or none was required");
    }
    return out;
  }

  // The first column of every row.
  template <class T>
  std::vector<T> scalars() {
    std::vector<T> out;
    for (auto it = begin(); it != end(); ++it) out.push_back((*it).template get<T>(0));
    return out;
  }

  // Releases the cursor (and this Result's hold on the connection).
  void close() noexcept;
  bool closed() const noexcept { return statement_ == nullptr; }

 private:
  friend class RowView;
  friend class Connection;  // sums rowcount over the statements of one executemany()
  template <class T>
  friend class typed_rows;

  Result* start();

  void advance();

  // Times the stepping through rows for after_fetch listeners; null when there are none.
  struct fetch_probe {
    std::shared_ptr<engine_events> events;
    std::string sql;
    const Connection* connection = nullptr;
    std::size_t rows = 0;
    std::chrono::nanoseconds elapsed{0};
  };
  void finish_probe() noexcept;

  std::shared_ptr<void> lease_;
  std::unique_ptr<fetch_probe> probe_;
  dbapi_statement* statement_ = nullptr;
  std::unique_ptr<dbapi_statement> owned_;  // a one-off statement, when the cached one was busy
  detail::statement_cache::entry* entry_ = nullptr;
  mutable std::shared_ptr<const std::vector<std::string>> names_;
  std::size_t columns_ = 0;
  std::int64_t rowcount_ = -1;
  std::optional<std::int64_t> lastrowid_;
  bool on_row_ = false;
  bool started_ = false;
};

// A range of rows converted to T (a tuple, an aggregate, a model or a readable
// type): what Result::as<T>() and the execution of a Core statement return.
template <class T>
class typed_rows {
 public:
  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    explicit iterator(Result* result) : result_(result) {}
    T operator*() const { return RowView(result_).as<T>(); }
    iterator& operator++() {
      result_->advance();
      return *this;
    }
    void operator++(int) { result_->advance(); }
    bool operator==(Result::sentinel) const { return !result_->on_row_; }

   private:
    Result* result_;
  };
  explicit typed_rows(Result& result) : borrowed_(&result) {}
  // Owns a Result that was a temporary, so `for (auto t : conn.execute(...).as<T>())` is safe.
  explicit typed_rows(Result&& result) : owned_(std::move(result)) {}

  iterator begin() { return iterator(result().start()); }
  Result::sentinel end() { return {}; }
  std::vector<T> all() { return result().template all<T>(); }
  std::optional<T> first() { return result().template first<T>(); }
  T one() { return result().template one<T>(); }
  std::optional<T> one_or_none() { return result().template one_or_none<T>(); }
  // The first column of rows of one column: scalar() of the first row, scalars() of all.
  auto scalar() { return result().template scalar<std::tuple_element_t<0, T>>(); }
  auto scalar_one() { return result().template scalar_one<std::tuple_element_t<0, T>>(); }
  auto scalar_one_or_none() { return result().template scalar_one_or_none<std::tuple_element_t<0, T>>(); }
  auto scalars() { return result().template scalars<std::tuple_element_t<0, T>>(); }
  std::int64_t rowcount() { return result().rowcount(); }
  const std::vector<std::string>& keys() { return result().keys(); }

 private:
  Result& result() { return borrowed_ ? *borrowed_ : *owned_; }

  std::optional<Result> owned_;
  Result* borrowed_ = nullptr;
};

inline std::size_t RowView::column_count() const { return result_->columns_; }
inline std::string_view RowView::column_name(std::size_t i) const { return result_->keys()[i]; }
inline value_ref RowView::raw(std::size_t i) const { return result_->statement_->column(i); }
inline bool RowView::raw_integer(std::size_t i, std::int64_t& out) const {
  return result_->statement_->column_integer(i, out);
}
inline bool RowView::raw_real(std::size_t i, double& out) const { return result_->statement_->column_real(i, out); }
inline bool RowView::raw_text(std::size_t i, std::string_view& out) const {
  return result_->statement_->column_text(i, out);
}
inline void RowView::begin_row_read() const { result_->statement_->begin_row_read(); }
inline void RowView::end_row_read() const noexcept { result_->statement_->end_row_read(); }

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/engine/impl/result.ipp"
#endif
