// The non-template implementation of quarry/dialect/postgresql/driver.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/dialect/postgresql/driver.hpp"

namespace quarry::postgresql {


QUARRY_DECL connection::connection(const URL& url, const engine_options&) {
  std::vector<std::pair<std::string, std::string>> settings;
  if (url.host) settings.emplace_back("host", *url.host);
  if (url.port) settings.emplace_back("port", std::to_string(*url.port));
  if (url.username) settings.emplace_back("user", *url.username);
  if (url.password) settings.emplace_back("password", *url.password);
  if (url.database) settings.emplace_back("dbname", *url.database);
  for (auto& setting : url.query) {  // the URL's query overrides what came before
    std::erase_if(settings, [&](auto& s) { return s.first == setting.first; });
    settings.push_back(setting);
  }
  settings.emplace_back("client_encoding", "UTF8");
  // Timestamps and dates are read in ISO style whatever the server's DateStyle (psycopg2 does the same).
  auto options = std::find_if(settings.begin(), settings.end(), [](auto& s) { return s.first == "options"; });
  if (options == settings.end()) settings.emplace_back("options", "-c DateStyle=ISO");
  else options->second += " -c DateStyle=ISO";
  if (!url.query_value("application_name")) settings.emplace_back("fallback_application_name", "quarry");
  std::vector<const char*> keys, values;
  for (auto& [k, v] : settings) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), 0);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string message = conn_ ? PQerrorMessage(conn_) : "out of memory";
    while (!message.empty() && message.back() == '\n') message.pop_back();
    PQfinish(conn_);
    conn_ = nullptr;
    throw OperationalError("could not connect to " + url.render() + ": " + message, {{}, {}, 0, "08001", true});
  }
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
}

QUARRY_DECL auto connection::execute_simple(std::string_view sql) -> void {
  check_idle();
  std::string text(sql);
  PGresult* result = PQexec(conn_, text.c_str());
  auto status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
    std::unique_ptr<PGresult, decltype(&PQclear)> guard(result, PQclear);
    throw_error(conn_, result, sql, {});
  }
  // COMMIT of a transaction an earlier error aborted succeeds as ROLLBACK;
  // reporting success would lose the transaction's work without a word.
  bool rolled_back = sql == "COMMIT" && std::string_view(PQcmdStatus(result)) == "ROLLBACK";
  PQclear(result);
  if (rolled_back)
    throw InternalError("the transaction was aborted by an earlier error, so the server rolled it back instead of "
                        "committing it",
                        {"COMMIT", {}, 0, "25P02", false});
}

QUARRY_DECL auto connection::ping() noexcept -> bool {
  if (PQstatus(conn_) != CONNECTION_OK || streaming_owner) return PQstatus(conn_) == CONNECTION_OK;
  PGresult* result = PQexec(conn_, "SELECT 1");
  bool alive = PQresultStatus(result) == PGRES_TUPLES_OK;
  PQclear(result);
  return alive && PQstatus(conn_) == CONNECTION_OK;
}

QUARRY_DECL auto connection::in_transaction() const noexcept -> bool {
  auto status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

QUARRY_DECL auto connection::server_version() const -> std::string {
  int v = PQserverVersion(conn_);
  return std::to_string(v / 10000) + "." + std::to_string(v % 10000);
}

QUARRY_DECL auto connection::check_idle(const statement* caller) const -> void {
  if (streaming_owner && streaming_owner != caller)
    throw InvalidRequestError("quarry: a streamed result is still open on this connection; read it to the end "
                              "or close it before running another statement");
}

QUARRY_DECL statement::~statement() {
  close_cursor();
  // Free the server-side statements unless the connection is closing or gone.
  if (!owner_.closing && owner_.is_usable()) {
    for (auto& v : variants_) {
      std::string sql = "DEALLOCATE " + v.name;
      PQclear(PQexec(owner_.raw(), sql.c_str()));
    }
  }
}

QUARRY_DECL const statement::prepared_variant& statement::variant_for(std::span<const value_ref> params) {
  for (auto& v : variants_) {
    if (v.types.size() != params.size()) continue;
    bool fits = true;
    for (std::size_t i = 0; fits && i < params.size(); ++i) fits = encoder::accepts(v.types[i], params[i]);
    if (fits) return v;
  }
  prepared_variant variant;
  variant.name = owner_.next_statement_name();
  for (auto p : params) variant.types.push_back(encoder::natural_type(p));
  PGresult* result = PQprepare(owner_.raw(), variant.name.c_str(), sql_.c_str(), static_cast<int>(params.size()),
                               variant.types.data());
  std::unique_ptr<PGresult, decltype(&PQclear)> guard(result, PQclear);
  if (PQresultStatus(result) != PGRES_COMMAND_OK) throw_error(owner_.raw(), result, sql_, params);
  variants_.push_back(std::move(variant));
  return variants_.back();
}

QUARRY_DECL void statement::describe_columns(const PGresult* result) {
  int n = PQnfields(result);
  if (static_cast<int>(columns_.size()) == n) {
    bool same = true;
    for (int i = 0; same && i < n; ++i) same = columns_[i].type == PQftype(result, i) && columns_[i].name == PQfname(result, i);
    if (same) return;
  }
  columns_.clear();
  for (int i = 0; i < n; ++i) columns_.push_back({PQfname(result, i), PQftype(result, i)});
  decoded_.resize(columns_.size());
}

QUARRY_DECL void statement::take_result(PGresult* result, std::span<const value_ref> params) {
  auto status = PQresultStatus(result);
  if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE || status == PGRES_NONFATAL_ERROR || !result) {
    std::unique_ptr<PGresult, decltype(&PQclear)> guard(result, PQclear);
    if (streaming_) {
      while (PGresult* rest = PQgetResult(owner_.raw())) PQclear(rest);
      streaming_ = stream_open_ = false;
      owner_.streaming_owner = nullptr;
    }
    throw_error(owner_.raw(), result, sql_, params);
  }
  result_ = result;
  describe_columns(result);
  rows_ = PQntuples(result);
  row_ = -1;
  const char* affected = PQcmdTuples(result);
  rowcount_ = -1;
  if (affected && *affected) std::from_chars(affected, affected + std::strlen(affected), rowcount_);
}

QUARRY_DECL void statement::execute(std::span<const value_ref> params) {
  close_cursor();
  owner_.check_idle();
  const auto& variant = variant_for(params);
  encoder_.encode(params, sql_);
  if (!owner_.stream_results) {
    take_result(PQexecPrepared(owner_.raw(), variant.name.c_str(), encoder_.count(), encoder_.values(),
                               encoder_.lengths(), encoder_.formats(), 0),
                params);
    return;
  }
  if (!PQsendQueryPrepared(owner_.raw(), variant.name.c_str(), encoder_.count(), encoder_.values(),
                           encoder_.lengths(), encoder_.formats(), 0))
    throw_error(owner_.raw(), nullptr, sql_, params);
  PQsetSingleRowMode(owner_.raw());
  streaming_ = stream_open_ = true;
  owner_.streaming_owner = this;
  take_result(PQgetResult(owner_.raw()), params);
  if (PQresultStatus(result_) != PGRES_SINGLE_TUPLE) {
    // No rows at all: the final result came first; finish the exchange now.
    while (PGresult* rest = PQgetResult(owner_.raw())) PQclear(rest);
    stream_open_ = false;
    owner_.streaming_owner = nullptr;
  }
}

QUARRY_DECL bool statement::next() {
  if (!result_) return false;
  if (++row_ < rows_) return true;
  if (!streaming_ || !stream_open_) return false;
  PQclear(result_);
  result_ = nullptr;
  take_result(PQgetResult(owner_.raw()), {});
  if (PQresultStatus(result_) == PGRES_SINGLE_TUPLE) {
    row_ = 0;
    return true;
  }
  while (PGresult* rest = PQgetResult(owner_.raw())) PQclear(rest);
  stream_open_ = false;
  owner_.streaming_owner = nullptr;
  return false;
}

QUARRY_DECL value_ref statement::column(std::size_t index) {
  int i = static_cast<int>(index);
  if (PQgetisnull(result_, row_, i)) return {};
  const char* text = PQgetvalue(result_, row_, i);
  std::size_t length = static_cast<std::size_t>(PQgetlength(result_, row_, i));
  switch (columns_[index].type) {
    case oid::boolean: return value_ref::boolean(text[0] == 't');
    case oid::int2:
    case oid::int4:
    case oid::int8:
    case oid::oid: {
      std::int64_t parsed = 0;
      std::from_chars(text, text + length, parsed);
      return value_ref::integer(parsed);
    }
    case oid::float4:
    case oid::float8: {
      double parsed = 0;
      std::from_chars(text, text + length, parsed);
      return value_ref::real(parsed);
    }
    case oid::numeric: return value_ref::decimal({text, length});
    case oid::bytea: {
      std::size_t size = 0;
      unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &size);
      auto* begin = reinterpret_cast<const std::byte*>(bytes);
      decoded_[index].assign(begin, begin + size);
      PQfreemem(bytes);
      return value_ref::bytes(decoded_[index]);
    }
    default: return value_ref::text({text, length});
  }
}

QUARRY_DECL void statement::close_cursor() noexcept {
  if (result_) PQclear(result_);
  result_ = nullptr;
  rows_ = 0;
  row_ = -1;
  if (stream_open_) {
    while (PGresult* rest = PQgetResult(owner_.raw())) PQclear(rest);
    stream_open_ = false;
  }
  if (streaming_ && owner_.streaming_owner == this) owner_.streaming_owner = nullptr;
  streaming_ = false;
}

QUARRY_DECL void statement::hand_rows(PGresult* result, std::size_t set, row_sink& sink) {
  describe_columns(result);
  result_ = result;
  rows_ = PQntuples(result);
  try {
    for (row_ = 0; row_ < rows_; ++row_) sink.row(set, *this);
  } catch (...) {
    result_ = nullptr;
    rows_ = 0;
    throw;
  }
  result_ = nullptr;
  rows_ = 0;
}

QUARRY_DECL std::int64_t statement::copy_rows(parameter_batch& batch) {
  PGconn* conn = owner_.raw();
  auto finish = [&](PGresult* result) {  // reads the COPY's outcome, then the end of its results
    std::unique_ptr<PGresult, decltype(&PQclear)> guard(result, PQclear);
    while (PGresult* rest = PQgetResult(conn)) PQclear(rest);
    if (PQresultStatus(result) == PGRES_COMMAND_OK) return;
    // The server names the failing row as "COPY table, line N": report that row's values.
    const char* context = result ? PQresultErrorField(result, PG_DIAG_CONTEXT) : nullptr;
    std::string_view where = context ? context : "";
    std::size_t line = 0, at = where.find(", line ");
    if (at != std::string_view::npos)
      std::from_chars(where.data() + at + 7, where.data() + where.size(), line);
    throw_error(conn, result, sql_,
                line >= 1 && line <= batch.size() ? batch.parameters(line - 1) : std::span<const value_ref>{});
  };
  PGresult* started = PQexec(conn, sql_.c_str());
  if (PQresultStatus(started) != PGRES_COPY_IN) {
    finish(started);  // throws the server's error
    return rowcount_ = 0;
  }
  PQclear(started);
  std::string buffer;
  constexpr std::size_t chunk = 1 << 16;
  try {
    for (std::size_t row = 0; row < batch.size(); ++row) {
      copy_encoder::append_row(buffer, batch.parameters(row), sql_);
      if (buffer.size() >= chunk) {
        if (PQputCopyData(conn, buffer.data(), static_cast<int>(buffer.size())) != 1) break;
        buffer.clear();
      }
    }
  } catch (...) {
    // A value that cannot be sent ends the copy: nothing of it is kept.
    PQputCopyEnd(conn, "quarry: a value could not be sent");
    while (PGresult* rest = PQgetResult(conn)) PQclear(rest);
    throw;
  }
  if (!buffer.empty()) PQputCopyData(conn, buffer.data(), static_cast<int>(buffer.size()));
  PQputCopyEnd(conn, nullptr);
  PGresult* result = PQgetResult(conn);
  const char* copied = PQresultStatus(result) == PGRES_COMMAND_OK ? PQcmdTuples(result) : nullptr;
  rowcount_ = 0;
  if (copied && *copied) std::from_chars(copied, copied + std::strlen(copied), rowcount_);
  finish(result);
  return rowcount_;
}

QUARRY_DECL std::int64_t statement::execute_many(parameter_batch& batch, row_sink* sink) {
  close_cursor();
  owner_.check_idle();
  if (copy_in_) return copy_rows(batch);
  PGconn* conn = owner_.raw();
  const std::size_t total = batch.size();
  // Rows go out in pipeline mode, a window at a time, so the server never waits
  // for a round trip; each window's results fit in the socket buffers.
  constexpr std::size_t window = 512;
  std::int64_t affected = 0;
  std::size_t failed_row = total;
  std::unique_ptr<PGresult, decltype(&PQclear)> failure(nullptr, PQclear);
  std::exception_ptr sink_error;

  auto collect = [&](std::size_t first, std::size_t count) {
    for (std::size_t k = 0; k < count; ++k) {
      PGresult* result = PQgetResult(conn);
      auto status = PQresultStatus(result);
      if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        const char* n = PQcmdTuples(result);
        std::int64_t rows = 0;
        if (n && *n) std::from_chars(n, n + std::strlen(n), rows);
        affected += rows;
        if (sink && status == PGRES_TUPLES_OK && !sink_error) {
          // The pipeline is read to its end before a failing sink's error propagates.
          try {
            hand_rows(result, first + k, *sink);
          } catch (...) {
            sink_error = std::current_exception();
          }
        }
        PQclear(result);
      } else if (status == PGRES_PIPELINE_ABORTED || !result) {
        PQclear(result);
      } else if (!failure) {
        failure.reset(result);
        failed_row = first + k;
      } else {
        PQclear(result);
      }
      while (PGresult* rest = PQgetResult(conn)) PQclear(rest);  // ends this query's results
    }
    PGresult* sync = PQgetResult(conn);  // PGRES_PIPELINE_SYNC
    PQclear(sync);
  };

  std::size_t row = 0;
  while (row < total && !failure) {
    // Statement variants are prepared outside the pipeline, before the window that needs them.
    const prepared_variant* variant = &variant_for(batch.parameters(row));
    if (!PQenterPipelineMode(conn)) throw_error(conn, nullptr, sql_, batch.parameters(row));
    std::size_t start = row, sent = 0;
    auto finish_window = [&] {
      PQpipelineSync(conn);
      collect(start, sent);
      PQexitPipelineMode(conn);
    };
    try {
      while (row < total && sent < window) {
        auto params = batch.parameters(row);
        bool fits = variant->types.size() == params.size();
        for (std::size_t i = 0; fits && i < params.size(); ++i) fits = encoder::accepts(variant->types[i], params[i]);
        if (!fits) break;
        encoder_.encode(params, sql_);
        if (!PQsendQueryPrepared(conn, variant->name.c_str(), encoder_.count(), encoder_.values(),
                                 encoder_.lengths(), encoder_.formats(), 0)) {
          failed_row = row;
          break;
        }
        ++row;
        ++sent;
      }
    } catch (...) {
      finish_window();  // what was sent is read back before the error (a bad value) propagates
      throw;
    }
    finish_window();
    if (failed_row != total && !failure) throw_error(conn, nullptr, sql_, batch.parameters(failed_row));
  }
  if (failure) throw_error(conn, failure.get(), sql_, batch.parameters(failed_row));
  if (sink_error) std::rethrow_exception(sink_error);
  rowcount_ = affected;
  return affected;
}

}  // namespace quarry::postgresql
