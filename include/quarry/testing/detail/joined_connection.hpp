// The transaction fixture's driver: one real connection in the test's transaction, where BEGIN / COMMIT / ROLLBACK become savepoints.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/dbapi/interfaces.hpp"
#include "quarry/engine/connection.hpp"
#include "quarry/engine/engine.hpp"
#include "quarry/errors.hpp"

namespace quarry::testing::detail {

// The test's outer transaction on a connection of the application's engine.
struct joined_transaction {
  explicit joined_transaction(const Engine& engine) : outer(engine.connect()) {}
  Connection outer;
  std::optional<Transaction> transaction;
  std::optional<Transaction> marker;  // a savepoint: makes SQLite send its deferred BEGIN now
  bool ended = false;
  std::uint64_t next_savepoint = 0;
};

// What every connection of the fixture's engine is: the outer connection,
// where a BEGIN opens a savepoint, COMMIT releases it and ROLLBACK rolls back to it.
class joined_connection final : public dbapi_connection {
 public:
  explicit joined_connection(std::shared_ptr<joined_transaction> joined) : joined_(std::move(joined)) {}
  std::unique_ptr<dbapi_statement> prepare(std::string_view sql) override { return real().prepare(sql); }
  QUARRY_DECL void execute_simple(std::string_view sql) override;
  bool ping() noexcept override { return !joined_->ended && joined_->outer.driver().ping(); }
  bool is_usable() const noexcept override { return !joined_->ended && joined_->outer.driver().is_usable(); }
  QUARRY_DECL bool in_transaction() const noexcept override;
  bool nests_transactions() const noexcept override { return true; }
  std::size_t max_parameters() const noexcept override { return joined_->outer.driver().max_parameters(); }
  std::string server_version() const override { return real().server_version(); }
  void set_stream_results(bool on) override { real().set_stream_results(on); }
  void* native_handle() noexcept override { return real().native_handle(); }

 private:
  QUARRY_DECL dbapi_connection& real() const;
  std::shared_ptr<joined_transaction> joined_;
  std::vector<std::string> savepoints_;  // the fixture's savepoints this connection opened, innermost last
};

}  // namespace quarry::testing::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/testing/detail/impl/joined_connection.ipp"
#endif
