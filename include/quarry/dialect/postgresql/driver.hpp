// libpq behind the driver contract: prepared statements, text and binary values, COPY.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

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
#include "quarry/dialect/postgresql/detail/wire.hpp"
#include "quarry/errors.hpp"

// libpq behind Quarry's DBAPI contract: named prepared statements, text-format
// results, pipeline mode for executemany(), single-row mode for streaming.
namespace quarry::postgresql {

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
  connection(const URL& url, const engine_options&);
  ~connection() override { PQfinish(conn_); }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  std::unique_ptr<dbapi_statement> prepare(std::string_view sql) override {
    return std::make_unique<statement>(*this, std::string(sql));
  }

  void execute_simple(std::string_view sql) override;

  bool ping() noexcept override;
  bool is_usable() const noexcept override { return conn_ && PQstatus(conn_) == CONNECTION_OK; }
  bool in_transaction() const noexcept override;
  std::size_t max_parameters() const noexcept override { return 65535; }
  std::string server_version() const override;
  void* native_handle() noexcept override { return conn_; }
  void set_stream_results(bool on) override { stream_results = on; }
  void prepare_to_close() noexcept override { closing = true; }

  PGconn* raw() noexcept { return conn_; }
  std::string next_statement_name() { return "quarry_" + std::to_string(++statements_named_); }

  // A streamed result that has not been read to its end keeps the connection busy.
  void check_idle(const statement* caller = nullptr) const;

  bool stream_results = false;
  bool closing = false;  // statements need not DEALLOCATE: the session ends with them
  const statement* streaming_owner = nullptr;

 private:
  PGconn* conn_ = nullptr;
  std::uint64_t statements_named_ = 0;
};












}  // namespace quarry::postgresql

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/dialect/postgresql/impl/driver.ipp"
#endif
