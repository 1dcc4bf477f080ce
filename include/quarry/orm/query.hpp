// The legacy Query API (session.query<User>().filter_by(...)).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "quarry/core/functions.hpp"
#include "quarry/core/select.hpp"
#include "quarry/orm/session.hpp"

namespace quarry {

namespace detail {
// The typed column of a model's member: filter_by(&User::name, "x").
template <class M, class F>
column<M, F> column_of_member(F M::*member) {
  return column<M, F>(&table<M>, column_of_member_index(member));
}
}  // namespace detail

// SQLAlchemy's legacy Query: a select() bound to a session. Row is a model
// (session.query<User>(), whose rows are the session's objects) or a tuple
// (session.query(u.id, u.name)). Each method returns a new Query.
template <class Row>
class Query {
  static constexpr bool of_model = detail::mapped_model<Row>;

 public:
  Query(Session& session, select_statement<Row> statement) : session_(&session), statement_(std::move(statement)) {}

  template <class C>
  Query filter(const C& condition) const {
    return with(statement_.where(condition));
  }
  // filter_by(&User::name, "sandy"): equality on a member of the queried model.
  template <class F, class V>
    requires of_model
  Query filter_by(F Row::*member, const V& v) const {
    return with(statement_.where(detail::column_of_member(member) == v));
  }
  template <class... Terms>
  Query order_by(const Terms&... terms) const {
    return with(statement_.order_by(terms...));
  }
  template <class... E>
  Query group_by(const E&... e) const {
    return with(statement_.group_by(e...));
  }
  template <class C>
  Query having(const C& condition) const {
    return with(statement_.having(condition));
  }
  template <class T, class... On>
  Query join(const T& target, const On&... on) const {
    return with(statement_.join(target, on...));
  }
  template <class T, class... On>
  Query outerjoin(const T& target, const On&... on) const {
    return with(statement_.outerjoin(target, on...));
  }
  Query limit(std::int64_t n) const { return with(statement_.limit(n)); }
  // Loader options (joinedload(&User::addresses), ...).
  template <class... Options>
    requires of_model
  Query options(const Options&... o) const {
    return with(statement_.options(o...));
  }
  Query offset(std::int64_t n) const { return with(statement_.offset(n)); }
  Query distinct() const { return with(statement_.distinct()); }

  // Every row: the session's objects for a model query, each once (the legacy
  // Query de-duplicates a single entity, as SQLAlchemy's does, where
  // select<M>() gives one object per row), tuples otherwise.
  auto all() const {
    if constexpr (of_model) return session_->scalars(statement_).unique().all();
    else return session_->execute(statement_).all();
  }
  // The first row (LIMIT 1): an object or nullptr, or an optional tuple.
  auto first() const {
    if constexpr (of_model) return session_->scalars(statement_.limit(1)).first();
    else return session_->execute(statement_.limit(1)).first();
  }
  auto one() const {
    if constexpr (of_model) return session_->scalars(statement_).unique().one();
    else return session_->execute(statement_).one();
  }
  auto one_or_none() const {
    if constexpr (of_model) return session_->scalars(statement_).unique().one_or_none();
    else return session_->execute(statement_).one_or_none();
  }
  // SELECT count(*) FROM (the query) AS anon_1.
  std::int64_t count() const {
    return session_->scalar(select(func::count()).select_from(statement_.subquery("anon_1")));
  }
  // SELECT EXISTS (the query).
  bool exists() const { return session_->scalar(select(quarry::exists(statement_))); }

  template <class... Key>
    requires of_model
  std::shared_ptr<Row> get(const Key&... key) const {
    return session_->get<Row>(key...);
  }

  // UPDATE of the rows the query's WHERE matches: query.update(t.name = "x").
  template <class... A>
    requires of_model
  std::int64_t update(const A&... assignments) const {
    return update(synchronize_session::auto_, assignments...);
  }
  template <class... A>
    requires of_model
  std::int64_t update(synchronize_session sync, const A&... assignments) const {
    auto statement = quarry::update(table<Row>).values(assignments...);
    if (auto where = statement_.data()->where) statement = statement.where(expr<bool>(where));
    return session_->execute(statement, sync);
  }
  std::int64_t delete_(synchronize_session sync = synchronize_session::auto_) const
    requires of_model
  {
    auto statement = quarry::delete_(table<Row>);
    if (auto where = statement_.data()->where) statement = statement.where(expr<bool>(where));
    return session_->execute(statement, sync);
  }

  derived<Row> subquery(std::string name) const { return statement_.subquery(std::move(name)); }
  const select_statement<Row>& statement() const noexcept { return statement_; }

 private:
  Query with(select_statement<Row> statement) const { return Query(*session_, std::move(statement)); }

  Session* session_;
  select_statement<Row> statement_;
};

template <class M>
  requires detail::mapped_model<M>
Query<M> Session::query() {
  return Query<M>(*this, select<M>());
}

template <class... Columns>
  requires(sizeof...(Columns) > 0)
auto Session::query(const Columns&... columns) {
  auto statement = select(columns...);
  return Query<typename decltype(statement)::row_type>(*this, std::move(statement));
}

}  // namespace quarry
