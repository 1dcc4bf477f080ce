// The non-template implementation of quarry/ext/database.hpp.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/ext/database.hpp"

#include <algorithm>
#include <limits>

#include "quarry/dbapi/detail/render_params.hpp"
#include "quarry/ext/detail/request_context.hpp"

namespace quarry::ext {

namespace detail {

// Appends a statement to the request of `owner` running on this thread, if any.
QUARRY_DECL void record_query(const database_state* owner, std::size_t bind, const execute_event& event) {
  request_context* request = request_of(owner);
  if (request == nullptr) return;
  recorded_query q;
  q.statement = std::string(event.sql);
  q.parameters = quarry::detail::render_params(event.parameters);
  q.duration = event.elapsed;
  if (const source_location* where = quarry::detail::call_site()) q.location = quarry::detail::describe_call_site(*where);
  q.bind = owner->binds[bind].key;
  request->queries.push_back(std::move(q));
}

// Where Flask-SQLAlchemy's one session routes each object to its bind, a
// request here has a session per bind: an object of another bind's model added
// to this one is refused at its flush rather than written to the wrong database.
QUARRY_DECL void check_binds(const database_state& state, std::size_t bind, Session& session) {
  auto refuse = [&](const object_ref& object) {
    auto found = state.table_binds.find(object.table_name());
    if (found == state.table_binds.end() || found->second == bind) return;
    auto name = [](const std::string& key) { return key.empty() ? std::string("the default database") : "the bind '" + key + "'"; };
    throw InvalidRequestError("quarry: an object of table '" + object.table_name() + "' is in the session of " +
                              name(state.binds[bind].key) + ", but its model is assigned to " +
                              name(state.binds[found->second].key) + ": add it to db.session_for<Model>()");
  };
  for (const object_ref& object : session.new_objects()) refuse(object);
  for (const object_ref& object : session.deleted_objects()) refuse(object);
}

// A whole number as Python's int() reads a query-string value: optional blanks and sign.
QUARRY_DECL std::optional<std::int64_t> whole_number(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  std::int64_t out = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return out;
}

}  // namespace detail

QUARRY_DECL database::database(database_config config) : state_(std::make_shared<detail::database_state>()) {
  state_->config = std::move(config);
  const database_config& c = state_->config;
  if (c.url.empty() && c.binds.empty())
    throw ArgumentError("quarry: the web integration needs a database: set database_config::url (or "
                        "QUARRY_DATABASE_URL with database_config::from_env()), or binds");
  auto add = [&](std::string key, const std::string& url) {
    for (const auto& b : state_->binds)
      if (b.key == key) throw ArgumentError("quarry: the database bind '" + key + "' is given twice");
    state_->binds.push_back({std::move(key), create_engine(detail::web_engine_url(url, c.instance_path), c.engine)});
  };
  if (!c.url.empty()) {
    add("", c.url);
    state_->has_default = true;
  }
  for (const auto& [key, url] : c.binds) {
    if (key.empty()) throw ArgumentError("quarry: a database bind needs a key; the default database is database_config::url");
    add(key, url);
  }
  if (c.record_queries) {
    for (std::size_t i = 0; i < state_->binds.size(); ++i) {
      const detail::database_state* owner = state_.get();
      state_->binds[i].recorder = state_->binds[i].engine.listen(
          events::after_execute, [owner, i](const execute_event& event) { detail::record_query(owner, i, event); });
    }
    quarry::detail::call_sites_wanted.fetch_add(1);
  }
}

QUARRY_DECL database::~database() {
  if (state_->config.record_queries) {
    for (auto& b : state_->binds) b.engine.remove_listener(b.recorder);
    quarry::detail::call_sites_wanted.fetch_sub(1);
  }
  while (detail::request_of(state_.get()) != nullptr) end_request(true);
}

QUARRY_DECL const database_config& database::config() const noexcept { return state_->config; }

QUARRY_DECL std::size_t database::bind_index(std::string_view bind) const {
  if (bind.empty()) {
    if (!state_->has_default)
      throw ArgumentError("quarry: there is no default database, only binds: set database_config::url, or name the bind");
    return 0;
  }
  for (std::size_t i = 0; i < state_->binds.size(); ++i)
    if (state_->binds[i].key == bind) return i;
  std::string known;
  for (const auto& b : state_->binds) known += (known.empty() ? "" : ", ") + (b.key.empty() ? std::string("(default)") : b.key);
  throw ArgumentError("quarry: no database bind '" + std::string(bind) + "'; the binds are: " + known);
}

QUARRY_DECL std::size_t database::bind_of(const quarry::table_info* table) const {
  auto found = state_->model_binds.find(table);
  if (found != state_->model_binds.end()) return found->second;
  if (!state_->has_default)
    throw ArgumentError("quarry: the table '" + table->name + "' is not assigned to a bind and there is no default "
                        "database: db.models<Model>(\"bind\")");
  return 0;
}

QUARRY_DECL void database::assign(const quarry::table_info* table, std::size_t bind, void (*add)(MetaData&)) {
  auto [it, inserted] = state_->model_binds.emplace(table, bind);
  if (!inserted && it->second != bind)
    throw ArgumentError("quarry: the table '" + table->name + "' is assigned to two binds");
  if (inserted) {
    state_->table_binds.emplace(table->name, bind);
    add(state_->binds[bind].metadata);
  }
}

QUARRY_DECL const Engine& database::engine(std::string_view bind) const { return state_->binds[bind_index(bind)].engine; }
QUARRY_DECL MetaData& database::metadata(std::string_view bind) { return state_->binds[bind_index(bind)].metadata; }

QUARRY_DECL std::vector<std::string> database::binds() const {
  std::vector<std::string> out;
  for (const auto& b : state_->binds) out.push_back(b.key);
  return out;
}

QUARRY_DECL void database::create_all() {
  for (auto& b : state_->binds) b.metadata.create_all(b.engine);
}
QUARRY_DECL void database::create_all(std::string_view bind) {
  auto& b = state_->binds[bind_index(bind)];
  b.metadata.create_all(b.engine);
}
QUARRY_DECL void database::drop_all() {
  for (auto b = state_->binds.rbegin(); b != state_->binds.rend(); ++b) b->metadata.drop_all(b->engine);
}
QUARRY_DECL void database::drop_all(std::string_view bind) {
  auto& b = state_->binds[bind_index(bind)];
  b.metadata.drop_all(b.engine);
}

QUARRY_DECL Session& database::session(std::string_view bind) { return session_at(bind_index(bind)); }

QUARRY_DECL Session& database::session_at(std::size_t bind) {
  detail::request_context* request = detail::request_of(state_.get());
  if (request == nullptr)
    throw InvalidRequestError("quarry: the database's session is used outside a request: a server adapter begins "
                              "one per request; elsewhere, hold a quarry::ext::request_scope scope(db)");
  auto& slot = request->sessions[bind];
  if (!slot) {
    slot = std::make_unique<Session>(state_->binds[bind].engine, state_->config.session);
    if (state_->binds.size() > 1) {
      const detail::database_state* state = state_.get();
      slot->listen(session_event::before_flush, [state, bind](Session& s) { detail::check_binds(*state, bind, s); });
    }
  }
  return *slot;
}

QUARRY_DECL void database::commit(source_location where) {
  detail::request_context* request = detail::request_of(state_.get());
  if (request == nullptr) throw InvalidRequestError("quarry: commit() is used outside a request");
  for (auto& s : request->sessions)
    if (s) s->commit(where);
}

QUARRY_DECL void database::rollback() {
  detail::request_context* request = detail::request_of(state_.get());
  if (request == nullptr) throw InvalidRequestError("quarry: rollback() is used outside a request");
  for (auto& s : request->sessions)
    if (s) s->rollback();
}

QUARRY_DECL bool database::in_request() const noexcept { return detail::request_of(state_.get()) != nullptr; }

QUARRY_DECL const request_info& database::request() const {
  if (detail::request_context* request = detail::request_of(state_.get())) return request->info;
  throw InvalidRequestError("quarry: request() is used outside a request");
}

QUARRY_DECL std::vector<recorded_query> database::recorded_queries() const {
  if (detail::request_context* request = detail::request_of(state_.get())) return request->queries;
  throw InvalidRequestError("quarry: recorded_queries() is used outside a request");
}

QUARRY_DECL void database::begin_request(request_info info) {
  auto request = std::make_unique<detail::request_context>();
  request->owner = state_.get();
  request->info = std::move(info);
  request->sessions.resize(state_->binds.size());
  request->outer = detail::current_request.innermost;
  detail::current_request.innermost = request.release();
}

QUARRY_DECL void database::end_request(bool failed) noexcept {
  detail::request_context** link = &detail::current_request.innermost;
  while (*link != nullptr && (*link)->owner != state_.get()) link = &(*link)->outer;
  if (*link == nullptr) return;
  std::unique_ptr<detail::request_context> request(*link);
  *link = request->outer;
  for (auto& s : request->sessions) {
    if (!s) continue;
    if (failed) {
      try {
        s->rollback();
      } catch (...) {
        // close() below gives the connection back (invalidated when it is dead).
      }
    }
    s->close();
  }
}

QUARRY_DECL std::optional<std::string_view> database::request_arg(std::string_view name) const {
  detail::request_context* request = detail::request_of(state_.get());
  return request ? request->info.arg(name) : std::nullopt;
}

QUARRY_DECL detail::page_choice database::choose_page(const page_options& options) const {
  auto read = [&](const std::optional<std::int64_t>& given, std::string_view name, std::int64_t fallback) {
    if (given) return *given;
    auto text = request_arg(name);
    if (!text) return fallback;
    if (auto number = detail::whole_number(*text)) return *number;
    if (options.error_out)
      throw http_error(404, "The query string's '" + std::string(name) + "' must be a whole number.");
    return fallback;
  };
  detail::page_choice out;
  out.page = read(options.page, "page", 1);
  out.per_page = read(options.per_page, "per_page", 20);
  if (options.max_per_page) out.per_page = std::min(out.per_page, *options.max_per_page);
  if (out.page < 1) {
    if (options.error_out) throw http_error(404, "Pages are numbered from 1.");
    out.page = 1;
  }
  if (out.per_page < 1) {
    if (options.error_out) throw http_error(404, "A page holds at least one item.");
    out.per_page = 20;
  }
  // LIMIT n+1 and OFFSET (page-1)*n must not overflow: such a page is past any table's end.
  constexpr std::int64_t most = std::numeric_limits<std::int64_t>::max();
  out.per_page = std::min(out.per_page, most - 1);
  if (out.page - 1 > most / out.per_page) {
    if (options.error_out) page_past_end(out.page);
    out.page = 1;
  }
  return out;
}

QUARRY_DECL void database::not_found(std::string_view description) {
  throw http_error(404, description.empty() ? std::string("The requested resource was not found.") : std::string(description));
}

QUARRY_DECL void database::page_past_end(std::int64_t page) {
  throw http_error(404, "Page " + std::to_string(page) + " is past the last page.");
}

QUARRY_DECL void database::bad_key() {
  throw http_error(404, "The query string's 'after' is not a key.");
}

}  // namespace quarry::ext
