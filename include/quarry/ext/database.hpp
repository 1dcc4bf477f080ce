// database: Flask-SQLAlchemy's SQLAlchemy object: engines per bind, a session per request, model helpers.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <charconv>
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "quarry/core/ddl.hpp"
#include "quarry/core/functions.hpp"
#include "quarry/engine/call_site.hpp"
#include "quarry/engine/engine.hpp"
#include "quarry/engine/metadata_ddl.hpp"
#include "quarry/errors.hpp"
#include "quarry/ext/config.hpp"
#include "quarry/ext/fwd.hpp"
#include "quarry/ext/http_error.hpp"
#include "quarry/ext/pagination.hpp"
#include "quarry/ext/request.hpp"
#include "quarry/orm/query.hpp"
#include "quarry/orm/session.hpp"

namespace quarry::ext {

namespace detail {
struct database_state;

// The page and page size paginate() settles on.
struct page_choice {
  std::int64_t page = 1;
  std::int64_t per_page = 20;
};
}  // namespace detail

// What Flask-SQLAlchemy's `db = SQLAlchemy(app)` gives a Flask application:
// an Engine per database (the default one and named "binds"), the models of
// each, and a Session per request, made on first use and closed when the
// request ends (rolled back when it failed). Server adapters (quarry/ext/httplib.hpp,
// or a few lines for another server) call begin_request() and end_request();
// request_scope does it for code that runs outside a server (start-up, tests).
//
// A Quarry Session has one engine, so where Flask-SQLAlchemy's one session
// routes by model, a request here has one session per bind, made when first
// asked for: session_for<M>() and the model helpers pick the model's.
class database {
 public:
  // Engines are made now; a database that is not reachable fails at first use.
  QUARRY_DECL explicit database(database_config config);
  QUARRY_DECL ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  // Assigns models to a bind (the default database without one): their tables
  // are that bind's metadata, and their sessions are that bind's. Do it before serving.
  template <class... Models>
  database& models(std::string_view bind = {}) {
    std::size_t index = bind_index(bind);
    (assign(quarry::detail::model_from<quarry::detail::model_of<Models>>()->table.get(), index, [](MetaData& m) { m.add<Models>(); }), ...);
    return *this;
  }

  QUARRY_DECL const Engine& engine(std::string_view bind = {}) const;
  QUARRY_DECL MetaData& metadata(std::string_view bind = {});
  // The bind keys, the default database's ("") first when there is one.
  QUARRY_DECL std::vector<std::string> binds() const;
  QUARRY_DECL const database_config& config() const noexcept;

  // CREATE TABLE for the models of every bind, or of one, leaving alone the
  // tables that exist; DROP TABLE for those that do.
  QUARRY_DECL void create_all();
  QUARRY_DECL void create_all(std::string_view bind);
  QUARRY_DECL void drop_all();
  QUARRY_DECL void drop_all(std::string_view bind);

  // --- the request --------------------------------------------------------------------

  // The request's session on the default database or on a bind: made on first
  // use, closed when the request ends. Outside a request: InvalidRequestError.
  QUARRY_DECL Session& session(std::string_view bind = {});
  // The request's session on the bind the model is assigned to.
  template <class M>
  Session& session_for() {
    return session_at(bind_of(quarry::detail::model_from<quarry::detail::model_of<M>>()->table.get()));
  }
  // Commits, or rolls back, every session the request has made so far, in
  // bind order (one after another, as SQLAlchemy's sessions without two-phase
  // commit). Outside a request: InvalidRequestError.
  QUARRY_DECL void commit(source_location where = source_location::current());
  QUARRY_DECL void rollback();

  QUARRY_DECL bool in_request() const noexcept;
  QUARRY_DECL const request_info& request() const;
  // The statements the request has run so far, when config().record_queries.
  QUARRY_DECL std::vector<recorded_query> recorded_queries() const;

  // What server adapters call: the request begins on this thread, and ends
  // with its sessions closed (rolled back first when `failed`). Requests nest.
  QUARRY_DECL void begin_request(request_info info = {});
  QUARRY_DECL void end_request(bool failed = false) noexcept;

  // --- model helpers ------------------------------------------------------------------

  // The object with this primary key (a std::tuple for a composite one), or a 404.
  template <class M, class Key>
  std::shared_ptr<M> get_or_404(const Key& key, std::string_view description = {},
                                source_location where = source_location::current()) {
    quarry::detail::call_site_scope site(where);
    Session& s = session_for<M>();
    std::shared_ptr<M> found;
    if constexpr (is_tuple<Key>::value)
      found = std::apply([&](const auto&... k) { return s.template get<M>(k...); }, key);
    else
      found = s.template get<M>(key);
    if (!found) not_found(description);
    return found;
  }
  // The first object the statement gives, or a 404.
  template <class M>
  std::shared_ptr<M> first_or_404(const select_statement<M>& statement, std::string_view description = {},
                                  source_location where = source_location::current()) {
    auto found = session_for<M>().scalars(statement.limit(1), {}, where).first();
    if (!found) not_found(description);
    return found;
  }
  // The one object the statement gives; a 404 for none or more than one.
  template <class M>
  std::shared_ptr<M> one_or_404(const select_statement<M>& statement, std::string_view description = {},
                                source_location where = source_location::current()) {
    // Two rows are enough to know there is more than one.
    auto found = statement.data()->limit ? session_for<M>().scalars(statement, {}, where)
                                         : session_for<M>().scalars(statement.limit(2), {}, where);
    if (found.size() != 1) not_found(description);
    return found.front();
  }

  // One page of the statement's objects: LIMIT/OFFSET, then a COUNT of the
  // statement unless options.count is false. See page_options for where page
  // and per_page come from and what is a 404.
  template <class M>
  pagination<M> paginate(const select_statement<M>& statement, page_options options = {},
                         source_location where = source_location::current()) {
    detail::page_choice choice = choose_page(options);
    Session& s = session_for<M>();
    pagination<M> out;
    out.page = choice.page;
    out.per_page = choice.per_page;
    const std::int64_t wanted = options.count ? choice.per_page : choice.per_page + 1;
    out.items = s.scalars(statement.limit(wanted).offset((choice.page - 1) * choice.per_page), {}, where).all();
    if (out.items.empty() && choice.page != 1 && options.error_out) page_past_end(choice.page);
    if (options.count) {
      out.total = s.scalar(select(func::count()).select_from(statement.subquery("anon_1")), {}, where);
      out.more = out.page < out.pages();
    } else if (static_cast<std::int64_t>(out.items.size()) > choice.per_page) {
      out.items.pop_back();
      out.more = true;
    }
    return out;
  }

  // Keyset ("seek") pagination on a unique key: the rows after `after` (the
  // query string's `after` when not given) in key order, one page of them.
  // The statement must not have an ORDER BY of its own: the key is the order.
  template <class M, class K>
  keyset_page<M, K> keyset_paginate(const select_statement<M>& statement, K M::*key, keyset_options options = {},
                                    std::type_identity_t<std::optional<K>> after = std::nullopt,
                                    source_location where = source_location::current()) {
    if (!statement.data()->order_by.empty())
      throw ArgumentError("quarry: keyset_paginate() orders by its key; give it a statement without order_by()");
    page_options sizes{.page = 1, .per_page = options.per_page, .max_per_page = options.max_per_page, .error_out = options.error_out};
    detail::page_choice choice = choose_page(sizes);
    if (!after) after = key_from_request<K>(options.error_out);
    auto column = quarry::detail::column_of_member(key);
    auto seek = statement;
    if (after) seek = options.descending ? seek.where(column < *after) : seek.where(column > *after);
    seek = options.descending ? seek.order_by(column.desc()) : seek.order_by(column);
    keyset_page<M, K> out;
    out.per_page = choice.per_page;
    out.after = after;
    out.items = session_for<M>().scalars(seek.limit(choice.per_page + 1), {}, where).all();
    if (static_cast<std::int64_t>(out.items.size()) > choice.per_page) {
      out.items.pop_back();
      out.next_after = (*out.items.back()).*key;
    }
    return out;
  }

 private:
  template <class T>
  struct is_tuple : std::false_type {};
  template <class... T>
  struct is_tuple<std::tuple<T...>> : std::true_type {};

  template <class K>
  std::optional<K> key_from_request(bool error_out) const {
    auto text = request_arg("after");
    if (!text) return std::nullopt;
    if constexpr (std::is_integral_v<K>) {
      K out{};
      auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), out);
      if (error == std::errc() && end == text->data() + text->size()) return out;
      if (error_out) bad_key();
      return std::nullopt;
    } else if constexpr (std::is_constructible_v<K, std::string_view>) {
      return K(*text);
    } else {
      throw ArgumentError("quarry: keyset_paginate() reads an integer or text key from the query string; "
                          "parse `after` yourself for a key of another type and pass it");
    }
  }

  QUARRY_DECL std::size_t bind_index(std::string_view bind) const;
  QUARRY_DECL std::size_t bind_of(const quarry::table_info* table) const;
  QUARRY_DECL void assign(const quarry::table_info* table, std::size_t bind, void (*add)(MetaData&));
  QUARRY_DECL Session& session_at(std::size_t bind);
  QUARRY_DECL detail::page_choice choose_page(const page_options& options) const;
  QUARRY_DECL std::optional<std::string_view> request_arg(std::string_view name) const;
  [[noreturn]] QUARRY_DECL static void not_found(std::string_view description);
  [[noreturn]] QUARRY_DECL static void page_past_end(std::int64_t page);
  [[noreturn]] QUARRY_DECL static void bad_key();

  std::shared_ptr<detail::database_state> state_;
};

// A request for code that runs outside a server (start-up, a command, a test):
// Flask's app_context(). The sessions it made are closed when it ends, rolled
// back when it ends by an exception.
class request_scope {
 public:
  [[nodiscard]] explicit request_scope(database& db, request_info info = {})
      : db_(db), exceptions_(std::uncaught_exceptions()) {
    db_.begin_request(std::move(info));
  }
  request_scope(const request_scope&) = delete;
  request_scope& operator=(const request_scope&) = delete;
  ~request_scope() { db_.end_request(std::uncaught_exceptions() > exceptions_); }

 private:
  database& db_;
  int exceptions_;
};

}  // namespace quarry::ext

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/ext/impl/database.ipp"
#endif
