// The non-template implementation of quarry/engine/profiler.hpp.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/engine/profiler.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <variant>

#include "quarry/dbapi/detail/render_params.hpp"
#include "quarry/engine/connection.hpp"

namespace quarry {

namespace detail {

// The parameters as one exact string: equal strings, equal parameters.
QUARRY_DECL std::string parameter_fingerprint(std::span<const value_ref> parameters) {
  std::string out;
  for (auto& p : parameters) {
    value v(p);
    std::visit(
        [&](const auto& x) {
          using X = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<X, std::monostate>) out += "n;";
          else if constexpr (std::is_same_v<X, bool>) out += x ? "t;" : "f;";
          else if constexpr (std::is_same_v<X, std::int64_t>) out += "i" + std::to_string(x) + ";";
          else if constexpr (std::is_same_v<X, double>) {
            char bits[sizeof(double)];
            std::memcpy(bits, &x, sizeof bits);
            out += "d";
            out.append(bits, sizeof bits);
          } else if constexpr (std::is_same_v<X, std::string>) out += "s" + std::to_string(x.size()) + ":" + x;
          else if constexpr (std::is_same_v<X, blob>) {
            out += "x" + std::to_string(x.size()) + ":";
            for (auto b : x) out += static_cast<char>(b);
          } else if constexpr (std::is_same_v<X, value::decimal_text>) out += "m" + x.digits + ";";
          else {
            out += "u";
            for (auto b : x.bytes) out += static_cast<char>(b);
          }
        },
        v.data());
  }
  return out;
}

QUARRY_DECL std::string milliseconds(double ms) {
  char buffer[32];
  auto end = std::to_chars(buffer, buffer + sizeof buffer, ms, std::chars_format::fixed, 3).ptr;
  return std::string(buffer, end);
}

}  // namespace detail

QUARRY_DECL profiler::profiler(const Engine& engine, profiler_options options)
    : engine_(engine), state_(std::make_shared<shared_state>()) {
  state_->options = options;
  state_->thread = std::this_thread::get_id();
  auto st = state_;
  try {
    listeners_.push_back(engine_.listen(events::after_execute, [st](const execute_event& e) {
      if (!st->wanted()) return;
      double ms = std::chrono::duration<double, std::milli>(e.elapsed).count();
      std::string site = e.call_site ? detail::describe_call_site(*e.call_site) : std::string();
      std::string fingerprint = detail::parameter_fingerprint(e.parameters);
      std::lock_guard lock(st->mutex);
      auto it = st->statements.find(e.sql);
      if (it == st->statements.end()) it = st->statements.emplace(std::string(e.sql), statement_totals{}).first;
      auto& s = it->second;
      s.profile.sql = it->first;
      ++s.profile.calls;
      s.profile.total_ms += ms;
      s.profile.max_ms = std::max(s.profile.max_ms, ms);
      if (e.rowcount > 0 && !e.returns_rows) s.profile.rows += e.rowcount;  // rows read are counted as they are fetched
      if (e.batch_size == 1) {
        if (s.parameter_sets.insert(std::move(fingerprint)).second) ++s.profile.distinct_parameters;
        else ++s.profile.duplicates;
      }
      if (e.cached) {
        ++s.profile.cache_hits;
        ++st->totals.cache_hits;
      } else {
        ++st->totals.cache_misses;
      }
      if (!site.empty() && std::find(s.profile.call_sites.begin(), s.profile.call_sites.end(), site) == s.profile.call_sites.end())
        s.profile.call_sites.push_back(site);
      ++st->totals.statements;
      st->totals.database_ms += ms;
      if (e.elapsed >= st->options.slow_threshold && st->totals.slow.size() < st->options.max_slow) {
        slow_statement slow{std::string(e.sql), {}, ms, site, std::nullopt};
        for (auto& p : e.parameters) slow.params.emplace_back(p);
        st->totals.slow.push_back(std::move(slow));
      }
    }));
    listeners_.push_back(engine_.listen(events::after_fetch, [st](const fetch_event& e) {
      if (!st->wanted()) return;
      double ms = std::chrono::duration<double, std::milli>(e.elapsed).count();
      std::lock_guard lock(st->mutex);
      st->totals.fetch_ms += ms;
      if (auto it = st->statements.find(e.sql); it != st->statements.end()) {
        it->second.profile.fetch_ms += ms;
        it->second.profile.rows += static_cast<std::int64_t>(e.rows);
      }
    }));
    listeners_.push_back(engine_.listen(events::after_load, [st](const load_event& e) {
      if (!st->wanted()) return;
      std::lock_guard lock(st->mutex);
      st->totals.build_ms += std::max(0.0, std::chrono::duration<double, std::milli>(e.building).count());
      st->totals.objects += e.objects;
    }));
    listeners_.push_back(engine_.listen(events::checkout, [st](const pool_event& e) {
      if (!st->wanted()) return;
      std::lock_guard lock(st->mutex);
      ++st->totals.checkouts;
      st->totals.pool_wait_ms += std::chrono::duration<double, std::milli>(e.waited).count();
    }));
  } catch (...) {
    for (auto id : listeners_) engine_.remove_listener(id);
    throw;
  }
  detail::call_sites_wanted.fetch_add(1);
}

QUARRY_DECL void profiler::stop() noexcept {
  if (stopped_) return;
  stopped_ = true;
  detail::call_sites_wanted.fetch_sub(1);
  for (auto id : listeners_) {
    try {
      engine_.remove_listener(id);
    } catch (...) {
      // Out of memory copying the listener list: the listener stays, writing to the shared state only.
    }
  }
  listeners_.clear();
}

QUARRY_DECL void profiler::reset() {
  std::lock_guard lock(state_->mutex);
  state_->totals = {};
  state_->statements.clear();
}

QUARRY_DECL profile_report profiler::report() const {
  std::lock_guard lock(state_->mutex);
  profile_report out = state_->totals;
  for (auto& [sql, s] : state_->statements) out.by_statement.push_back(s.profile);
  std::stable_sort(out.by_statement.begin(), out.by_statement.end(), [](const statement_profile& a, const statement_profile& b) {
    return a.total_ms + a.fetch_ms > b.total_ms + b.fetch_ms;
  });
  return out;
}

QUARRY_DECL void profiler::explain_slow(const explain_options& options) {
  std::vector<slow_statement> slow;
  {
    std::lock_guard lock(state_->mutex);
    slow = state_->totals.slow;
  }
  // The EXPLAINs are the profiler's own statements, not the profiled code's: it stops first.
  stop();
  auto conn = engine_.connect();
  for (auto& s : slow) {
    std::vector<value_ref> refs;
    for (auto& v : s.params) refs.push_back(v.ref());
    try {
      s.plan = conn.explain_driver_sql(s.sql, refs, options);
    } catch (const Error&) {
      // A statement that cannot be explained again (a DDL, a temporary table gone) keeps no plan.
      conn.rollback();
    }
  }
  conn.rollback();
  std::lock_guard lock(state_->mutex);
  for (std::size_t i = 0; i < slow.size() && i < state_->totals.slow.size(); ++i) state_->totals.slow[i].plan = std::move(slow[i].plan);
}

QUARRY_DECL const statement_profile* profile_report::find(std::string_view prefix) const {
  for (auto& s : by_statement)
    if (std::string_view(s.sql).starts_with(prefix)) return &s;
  return nullptr;
}

QUARRY_DECL std::string profile_report::text() const {
  using detail::milliseconds;
  std::string out = std::to_string(statements) + " statements: " + milliseconds(database_ms) + " ms executing, " +
                    milliseconds(fetch_ms) + " ms fetching, " + milliseconds(build_ms) + " ms building " +
                    std::to_string(objects) + " objects\n";
  out += "pool: " + std::to_string(checkouts) + " checkouts, " + milliseconds(pool_wait_ms) + " ms waiting; statement cache: " +
         std::to_string(cache_hits) + " hits, " + std::to_string(cache_misses) + " misses\n";
  for (auto& s : by_statement) {
    out += "\n" + std::to_string(s.calls) + "x  " + milliseconds(s.total_ms) + " ms total, " + milliseconds(s.mean_ms()) +
           " mean, " + milliseconds(s.max_ms) + " max, " + milliseconds(s.fetch_ms) + " ms fetching, " + std::to_string(s.rows) +
           " rows\n    " + s.sql + "\n";
    if (s.calls > 1)
      out += "    " + std::to_string(s.distinct_parameters) + " different parameter sets, " + std::to_string(s.duplicates) +
             " duplicate calls, " + std::to_string(s.cache_hits) + " cache hits\n";
    for (auto& site : s.call_sites) out += "    from " + site + "\n";
  }
  for (auto& s : slow) {
    out += "\nslow (" + milliseconds(s.ms) + " ms): " + s.sql + "\n";
    if (!s.call_site.empty()) out += "    from " + s.call_site + "\n";
    if (s.plan) out += s.plan->text();
  }
  return out;
}

QUARRY_DECL std::string profile_report::json() const {
  using detail::json_string;
  using detail::milliseconds;
  std::string out = "{\"statements\":" + std::to_string(statements) + ",\"database_ms\":" + milliseconds(database_ms) +
                    ",\"fetch_ms\":" + milliseconds(fetch_ms) + ",\"build_ms\":" + milliseconds(build_ms) +
                    ",\"objects\":" + std::to_string(objects) + ",\"pool_wait_ms\":" + milliseconds(pool_wait_ms) +
                    ",\"checkouts\":" + std::to_string(checkouts) + ",\"cache_hits\":" + std::to_string(cache_hits) +
                    ",\"cache_misses\":" + std::to_string(cache_misses) + ",\"by_statement\":[";
  for (std::size_t i = 0; i < by_statement.size(); ++i) {
    auto& s = by_statement[i];
    out += std::string(i ? "," : "") + "{\"sql\":" + json_string(s.sql) + ",\"calls\":" + std::to_string(s.calls) +
           ",\"total_ms\":" + milliseconds(s.total_ms) + ",\"mean_ms\":" + milliseconds(s.mean_ms()) +
           ",\"max_ms\":" + milliseconds(s.max_ms) + ",\"fetch_ms\":" + milliseconds(s.fetch_ms) +
           ",\"rows\":" + std::to_string(s.rows) + ",\"distinct_parameters\":" + std::to_string(s.distinct_parameters) +
           ",\"duplicates\":" + std::to_string(s.duplicates) + ",\"cache_hits\":" + std::to_string(s.cache_hits) +
           ",\"call_sites\":[";
    for (std::size_t k = 0; k < s.call_sites.size(); ++k) out += std::string(k ? "," : "") + json_string(s.call_sites[k]);
    out += "]}";
  }
  out += "],\"slow\":[";
  for (std::size_t i = 0; i < slow.size(); ++i) {
    auto& s = slow[i];
    std::vector<value_ref> refs;
    for (auto& v : s.params) refs.push_back(v.ref());
    out += std::string(i ? "," : "") + "{\"sql\":" + json_string(s.sql) + ",\"ms\":" + milliseconds(s.ms) +
           ",\"params\":" + json_string(detail::render_params(refs)) + ",\"call_site\":" + json_string(s.call_site);
    if (s.plan) out += ",\"plan\":" + json_string(s.plan->text());
    out += "}";
  }
  return out + "]}";
}

}  // namespace quarry
