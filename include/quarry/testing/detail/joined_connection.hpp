// The transaction fixture's driver: connections joined to one real connection in the test's transaction, BEGIN / COMMIT / ROLLBACK as savepoints.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/dbapi/interfaces.hpp"
#include "quarry/engine/connection.hpp"
#include "quarry/engine/engine.hpp"
#include "quarry/errors.hpp"

namespace quarry::testing::detail {

// The test's outer transaction on a connection of the application's engine,
// and the savepoints the joined connections stand in for transactions with.
struct joined_transaction {
  explicit joined_transaction(const Engine& engine) : outer(engine.connect()) {}
  Connection outer;
  std::optional<Transaction> transaction;
  std::optional<Transaction> marker;  // a savepoint: makes SQLite send its deferred BEGIN now
  bool ended = false;
  std::uint64_t next_savepoint = 0;
  std::uint64_t next_owner = 0;
  // One call at a time on the database connection, from whichever joined connection.
  std::recursive_mutex mutex;

  enum class savepoint_state : std::uint8_t { open, committed, abandoned };
  struct savepoint {
    std::uint64_t owner;
    std::string name;
    savepoint_state state = savepoint_state::open;
  };
  // Oldest first. A savepoint committed (or abandoned) under another
  // connection's open one waits there, and is released (or rolled back) when
  // it reaches the top: the database's savepoints nest, connections do not.
  std::vector<savepoint> stack;
};

// One connection of the fixture's engine (one per checkout): its transaction
// is a savepoint on the outer connection. A COMMIT releases it, a ROLLBACK
// rolls back to it; a ROLLBACK under another connection's open savepoint is
// refused, since it would undo that connection's work too.
class joined_connection final : public dbapi_connection {
 public:
  explicit joined_connection(std::shared_ptr<joined_transaction> joined)
      : joined_(std::move(joined)), id_(++joined_->next_owner) {}
  QUARRY_DECL ~joined_connection() override;
  QUARRY_DECL std::unique_ptr<dbapi_statement> prepare(std::string_view sql) override;
  QUARRY_DECL void execute_simple(std::string_view sql) override;
  QUARRY_DECL bool ping() noexcept override;
  QUARRY_DECL bool is_usable() const noexcept override;
  QUARRY_DECL bool in_transaction() const noexcept override;
  bool nests_transactions() const noexcept override { return true; }
  std::size_t max_parameters() const noexcept override { return joined_->outer.driver().max_parameters(); }
  std::string server_version() const override { return real().server_version(); }
  void set_stream_results(bool on) override { real().set_stream_results(on); }
  void* native_handle() noexcept override { return real().native_handle(); }

 private:
  QUARRY_DECL dbapi_connection& real() const;
  // Releases or rolls back the savepoints at the top that are finished.
  QUARRY_DECL void settle(dbapi_connection& driver);
  std::shared_ptr<joined_transaction> joined_;
  std::uint64_t id_;
};

// A statement of the outer connection, used under the joined transaction's lock.
class joined_statement final : public dbapi_statement {
 public:
  joined_statement(std::shared_ptr<joined_transaction> joined, std::unique_ptr<dbapi_statement> real)
      : joined_(std::move(joined)), real_(std::move(real)) {}
  ~joined_statement() override {
    std::lock_guard lock(joined_->mutex);
    real_.reset();
  }
  std::string_view sql() const override { return real_->sql(); }
  void execute(std::span<const value_ref> parameters) override {
    std::lock_guard lock(joined_->mutex);
    real_->execute(parameters);
  }
  std::int64_t execute_many(parameter_batch& batch, row_sink* rows) override {
    std::lock_guard lock(joined_->mutex);
    return real_->execute_many(batch, rows);
  }
  bool next() override {
    std::lock_guard lock(joined_->mutex);
    return real_->next();
  }
  std::size_t column_count() const override { return real_->column_count(); }
  std::string_view column_name(std::size_t index) const override { return real_->column_name(index); }
  value_ref column(std::size_t index) override { return real_->column(index); }
  bool column_integer(std::size_t index, std::int64_t& out) override { return real_->column_integer(index, out); }
  bool column_real(std::size_t index, double& out) override { return real_->column_real(index, out); }
  bool column_text(std::size_t index, std::string_view& out) override { return real_->column_text(index, out); }
  void begin_row_read() override { real_->begin_row_read(); }
  void end_row_read() noexcept override { real_->end_row_read(); }
  bool is_readonly() const override { return real_->is_readonly(); }
  std::int64_t rowcount() const override { return real_->rowcount(); }
  std::optional<std::int64_t> lastrowid() const override { return real_->lastrowid(); }
  void close_cursor() noexcept override {
    std::lock_guard lock(joined_->mutex);
    real_->close_cursor();
  }

 private:
  std::shared_ptr<joined_transaction> joined_;
  std::unique_ptr<dbapi_statement> real_;
};

}  // namespace quarry::testing::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/testing/detail/impl/joined_connection.ipp"
#endif
