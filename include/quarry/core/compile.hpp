// compile(): a statement's SQL and bound values for a dialect, without a database.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core/compiled.hpp"
#include "quarry/dbapi/interfaces.hpp"

namespace quarry {

// A statement's SQL and bound values for a dialect, without a database (what
// str(stmt) and a mock engine give in SQLAlchemy):
//   quarry::compile(select(u.name).where(u.id == 5), quarry::sqlite::dialect{})
namespace detail {
[[gnu::noinline]] inline compiled_sql owned_sql(const compiled_statement& compiled) {
  compiled_sql out;
  out.sql = compiled.sql;
  for (auto& slot : compiled.binds) out.params.push_back(slot.literal ? *slot.literal : value());
  out.bind_names = compiled.names;
  return out;
}
}  // namespace detail

template <executable S>
compiled_sql compile(const S& statement, const dialect& d) {
  return detail::owned_sql(*statement.compiled(d));
}

}  // namespace quarry
