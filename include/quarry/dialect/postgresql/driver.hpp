// libpq behind the driver contract: prepared statements, text and binary values, COPY.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/dbapi/detail/render_params.hpp"
#include "quarry/dbapi/interfaces.hpp"
#include "quarry/errors.hpp"

// libpq behind Quarry's DBAPI contract: named prepared statements, text-format
// results, pipeline mode for executemany(), single-row mode for streaming.
namespace quarry::postgresql {

namespace oid {
inline constexpr Oid unknown = 0, boolean = 16, bytea = 17, int8 = 20, int2 = 21, int4 = 23, oid = 26,
                     float4 = 700, float8 = 701, numeric = 1700, uuid = 2950;
}

// Maps a SQLSTATE class onto PEP 249's exceptions as psycopg does. A failure
// without SQLSTATE on a connection libpq reports as bad is a dead connection.
[[noreturn]] inline void throw_error(PGconn* conn, const PGresult* result, std::string_view sql,
                                     std::span<const value_ref> params) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = result && *PQresultErrorMessage(result) ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (message.empty()) message = "unknown libpq error";
  bool dead = PQstatus(conn) == CONNECTION_BAD;
  error_context context{std::string(sql), params.empty() ? std::string() : detail::render_params(params), 0,
                        state ? state : "", dead};
  std::string_view code = context.sqlstate;
  std::string_view cls = code.substr(0, 2);
  if (dead || code.empty()) throw OperationalError(message, std::move(context));
  if (cls == "23") throw IntegrityError(message, std::move(context));
  if (cls == "22" || cls == "21") throw DataError(message, std::move(context));
  if (cls == "0A") throw NotSupportedError(message, std::move(context));
  if (cls == "42" || cls == "28" || cls == "2B" || cls == "3D" || cls == "3F" || cls == "44" || cls == "26")
    throw ProgrammingError(message, std::move(context));
  if (cls == "08" || cls == "40" || cls == "53" || cls == "54" || cls == "55" || cls == "57" || cls == "58" ||
      cls == "F0" || cls == "HV")
    throw OperationalError(message, std::move(context));
  if (cls == "XX" || cls == "25" || cls == "2D" || cls == "24" || cls == "2F" || cls == "34" || cls == "38" ||
      cls == "39" || cls == "3B" || cls == "P0")
    throw InternalError(message, std::move(context));
  throw DatabaseError(message, std::move(context));
}

class connection;

// The text PostgreSQL reads for a boolean, an integer or a real.
inline void append_number(std::string& out, value_ref v) {
  char digits[32];
  switch (v.kind()) {
    case value_kind::boolean: out += v.as_bool() ? 't' : 'f'; break;
    case value_kind::integer: out.append(digits, std::to_chars(digits, digits + sizeof digits, v.as_int64()).ptr); break;
    case value_kind::real: {
      double d = v.as_double();
      if (std::isnan(d)) out += "NaN";
      else if (std::isinf(d)) out += d > 0 ? "Infinity" : "-Infinity";
      else out.append(digits, std::to_chars(digits, digits + sizeof digits, d).ptr);
      break;
    }
    default: break;
  }
}

// A text value as sent. PostgreSQL text cannot hold NUL and libpq would cut the
// value at it: refuse, never truncate.
inline std::string_view sendable_text(value_ref v, std::span<const value_ref> params, std::string_view sql) {
  auto text = v.as_text();
  if (text.find('\0') != std::string_view::npos)
    throw DataError("quarry: PostgreSQL text cannot contain NUL (0x00) bytes; store the value as a blob (bytea) instead",
                    {std::string(sql), detail::render_params(params), 0, "22021", false});
  return text;
}

// Parameters converted to what PQexecPrepared takes. Text goes in text format
// (with OID unknown, so the server infers its type from context), integers as
// the smallest of int2/int4/int8 that holds them (so they fit function
// arguments of any integer width), blobs in binary format as bytea.
class encoder {
 public:
  static Oid natural_type(value_ref v) {
    switch (v.kind()) {
      case value_kind::boolean: return oid::boolean;
      case value_kind::integer: {
        auto i = v.as_int64();
        if (i >= -32768 && i <= 32767) return oid::int2;
        if (i >= INT32_MIN && i <= INT32_MAX) return oid::int4;
        return oid::int8;
      }
      case value_kind::real: return oid::float8;
      case value_kind::blob: return oid::bytea;
      case value_kind::uuid: return oid::uuid;
      default: return oid::unknown;
    }
  }

  // Whether a statement prepared with `type` accepts this value.
  static bool accepts(Oid type, value_ref v) {
    switch (v.kind()) {
      case value_kind::null: return true;
      case value_kind::blob: return type == oid::bytea;
      case value_kind::uuid: return type == oid::uuid;
      case value_kind::boolean: return type == oid::boolean || type == oid::unknown;
      case value_kind::real: return type == oid::float8 || type == oid::unknown;
      case value_kind::integer: {
        Oid natural = natural_type(v);
        return type == oid::unknown || type == oid::int8 || type == oid::float8 || type == oid::numeric ||
               (type == oid::int4 && natural != oid::int8) || (type == oid::int2 && natural == oid::int2);
      }
      case value_kind::text:
      case value_kind::decimal: return type == oid::unknown;
    }
    return false;
  }

  void encode(std::span<const value_ref> params, std::string_view sql) {
    std::size_t n = params.size();
    values_.assign(n, nullptr);
    lengths_.assign(n, 0);
    formats_.assign(n, 0);
    offsets_.assign(n, 0);
    buffer_.clear();
    for (std::size_t i = 0; i < n; ++i) {
      value_ref v = params[i];
      offsets_[i] = buffer_.size();
      switch (v.kind()) {
        case value_kind::null: break;
        case value_kind::boolean:
        case value_kind::integer:
        case value_kind::real: append_number(buffer_, v); break;
        case value_kind::text:
        case value_kind::decimal: buffer_ += sendable_text(v, params, sql); break;
        case value_kind::blob:
        case value_kind::uuid: formats_[i] = 1; break;  // binary: bytea's bytes, or uuid's 16 bytes
      }
      lengths_[i] = static_cast<int>(buffer_.size() - offsets_[i]);
      if (formats_[i] == 0 && v.kind() != value_kind::null) buffer_ += '\0';
    }
    for (std::size_t i = 0; i < n; ++i) {
      value_ref v = params[i];
      if (v.kind() == value_kind::null) continue;
      if (formats_[i] == 1) {
        auto bytes = v.as_blob();
        // A non-null pointer even for an empty blob: libpq reads null as SQL NULL.
        values_[i] = bytes.empty() ? "" : reinterpret_cast<const char*>(bytes.data());
        lengths_[i] = static_cast<int>(bytes.size());
      } else {
        values_[i] = buffer_.data() + offsets_[i];
      }
    }
  }

  int count() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::vector<std::size_t> offsets_;
  std::string buffer_;
};

// Rows of COPY ... FROM STDIN in its text format: tab between columns, \N for
// NULL, and the backslash, tab, newline and carriage return escaped in values.
class copy_encoder {
 public:
  // Appends one row; refuses text with NUL, as encoder does.
  static void append_row(std::string& out, std::span<const value_ref> params, std::string_view sql) {
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (i) out += '\t';
      value_ref v = params[i];
      switch (v.kind()) {
        case value_kind::null: out += "\\N"; break;
        case value_kind::boolean:
        case value_kind::integer:
        case value_kind::real: append_number(out, v); break;
        case value_kind::text:
        case value_kind::decimal: append_escaped(out, sendable_text(v, params, sql)); break;
        case value_kind::blob: {
          out += "\\\\x";  // bytea's hex form, its backslash escaped for COPY
          append_hex(out, v.as_blob(), {});
          break;
        }
        case value_kind::uuid: append_hex(out, v.as_blob(), {4, 6, 8, 10}); break;
      }
    }
    out += '\n';
  }

 private:
  static void append_escaped(std::string& out, std::string_view text) {
    std::size_t from = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      char escaped;
      switch (text[i]) {
        case '\\': escaped = '\\'; break;
        case '\t': escaped = 't'; break;
        case '\n': escaped = 'n'; break;
        case '\r': escaped = 'r'; break;
        default: continue;
      }
      out.append(text, from, i - from);
      out += '\\';
      out += escaped;
      from = i + 1;
    }
    out.append(text, from);
  }

  // Lower-case hex digits, with a dash before each byte index in `dashes` (a uuid's groups).
  static void append_hex(std::string& out, std::span<const std::byte> bytes, std::initializer_list<std::size_t> dashes) {
    constexpr char digits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      if (std::find(dashes.begin(), dashes.end(), i) != dashes.end()) out += '-';
      auto b = static_cast<unsigned>(bytes[i]);
      out += digits[b >> 4];
      out += digits[b & 15];
    }
  }
};

class statement final : public dbapi_statement {
 public:
  statement(connection& owner, std::string sql)
      : owner_(owner), sql_(std::move(sql)), copy_in_(sql_.starts_with("COPY ") && sql_.ends_with(" FROM STDIN")) {}
  ~statement() override;
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  std::string_view sql() const override { return sql_; }
  void execute(std::span<const value_ref> parameters) override;
  std::int64_t execute_many(parameter_batch& batch, row_sink* rows) override;
  bool next() override;
  std::size_t column_count() const override { return columns_.size(); }
  std::string_view column_name(std::size_t index) const override { return columns_[index].name; }
  value_ref column(std::size_t index) override;
  std::int64_t rowcount() const override { return rowcount_; }
  std::optional<std::int64_t> lastrowid() const override { return std::nullopt; }
  void close_cursor() noexcept override;

 private:
  struct prepared_variant {
    std::vector<Oid> types;
    std::string name;
  };
  struct column_info {
    std::string name;
    Oid type;
  };

  const prepared_variant& variant_for(std::span<const value_ref> params);
  void take_result(PGresult* result, std::span<const value_ref> params);
  void describe_columns(const PGresult* result);
  // execute_many() of a COPY ... FROM STDIN: each parameter set is a row.
  std::int64_t copy_rows(parameter_batch& batch);
  // Puts the cursor on each row of `result` in turn for `sink`.
  void hand_rows(PGresult* result, std::size_t set, row_sink& sink);

  connection& owner_;
  std::string sql_;
  bool copy_in_;  // COPY ... FROM STDIN, which is not prepared
  std::vector<prepared_variant> variants_;
  encoder encoder_;
  std::vector<column_info> columns_;
  PGresult* result_ = nullptr;
  int row_ = -1;
  int rows_ = 0;
  bool streaming_ = false;   // rows arrive one PGresult at a time
  bool stream_open_ = false;  // the server may still send rows
  std::int64_t rowcount_ = -1;
  std::vector<blob> decoded_;  // bytea columns of the current row
};

class connection final : public dbapi_connection {
 public:
  connection(const URL& url, const engine_options&) {
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
  ~connection() override { PQfinish(conn_); }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  std::unique_ptr<dbapi_statement> prepare(std::string_view sql) override {
    return std::make_unique<statement>(*this, std::string(sql));
  }

  void execute_simple(std::string_view sql) override {
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

  bool ping() noexcept override {
    if (PQstatus(conn_) != CONNECTION_OK || streaming_owner) return PQstatus(conn_) == CONNECTION_OK;
    PGresult* result = PQexec(conn_, "SELECT 1");
    bool alive = PQresultStatus(result) == PGRES_TUPLES_OK;
    PQclear(result);
    return alive && PQstatus(conn_) == CONNECTION_OK;
  }
  bool is_usable() const noexcept override { return conn_ && PQstatus(conn_) == CONNECTION_OK; }
  bool in_transaction() const noexcept override {
    auto status = PQtransactionStatus(conn_);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
  }
  std::size_t max_parameters() const noexcept override { return 65535; }
  std::string server_version() const override {
    int v = PQserverVersion(conn_);
    return std::to_string(v / 10000) + "." + std::to_string(v % 10000);
  }
  void* native_handle() noexcept override { return conn_; }
  void set_stream_results(bool on) override { stream_results = on; }
  void prepare_to_close() noexcept override { closing = true; }

  PGconn* raw() noexcept { return conn_; }
  std::string next_statement_name() { return "quarry_" + std::to_string(++statements_named_); }

  // A streamed result that has not been read to its end keeps the connection busy.
  void check_idle(const statement* caller = nullptr) const {
    if (streaming_owner && streaming_owner != caller)
      throw InvalidRequestError("quarry: a streamed result is still open on this connection; read it to the end "
                                "or close it before running another statement");
  }

  bool stream_results = false;
  bool closing = false;  // statements need not DEALLOCATE: the session ends with them
  const statement* streaming_owner = nullptr;

 private:
  PGconn* conn_ = nullptr;
  std::uint64_t statements_named_ = 0;
};

inline statement::~statement() {
  close_cursor();
  // Free the server-side statements unless the connection is closing or gone.
  if (!owner_.closing && owner_.is_usable()) {
    for (auto& v : variants_) {
      std::string sql = "DEALLOCATE " + v.name;
      PQclear(PQexec(owner_.raw(), sql.c_str()));
    }
  }
}

inline const statement::prepared_variant& statement::variant_for(std::span<const value_ref> params) {
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

inline void statement::describe_columns(const PGresult* result) {
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

inline void statement::take_result(PGresult* result, std::span<const value_ref> params) {
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

inline void statement::execute(std::span<const value_ref> params) {
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

inline bool statement::next() {
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

inline value_ref statement::column(std::size_t index) {
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

inline void statement::close_cursor() noexcept {
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

inline void statement::hand_rows(PGresult* result, std::size_t set, row_sink& sink) {
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

inline std::int64_t statement::copy_rows(parameter_batch& batch) {
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

inline std::int64_t statement::execute_many(parameter_batch& batch, row_sink* sink) {
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
