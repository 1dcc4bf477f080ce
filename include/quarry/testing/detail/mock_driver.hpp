// The mock engine's driver: a dbapi_connection that records statements and answers them from scripts.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/dbapi/interfaces.hpp"
#include "quarry/engine/engine.hpp"
#include "quarry/testing/sql_rules.hpp"
#include "quarry/types/value.hpp"

namespace quarry::testing::detail {

struct mock_state;
QUARRY_DECL Engine make_mock_engine(std::string_view dialect_name, const std::shared_ptr<mock_state>& state);

// One script: the rule that selects statements and what they get.
struct script_entry {
  sql_rule rule;
  std::vector<std::string> columns;
  std::vector<std::vector<value>> rows;
  std::optional<std::int64_t> rowcount;
  std::optional<std::int64_t> lastrowid;
  std::function<void(const std::string&, const std::string&)> error;
  std::optional<std::size_t> limit;  // times(n)
  std::size_t used = 0;
};

// What a mock engine and its connections share.
struct mock_state {
  bool strict = true;      // mock_options
  bool accept_ddl = true;
  mutable std::mutex mutex;
  std::vector<std::shared_ptr<script_entry>> scripts;
  std::vector<recorded_statement> received;  // without transaction control
  std::vector<std::string> transcript;       // everything, in order

  // The script for a statement (used once more), or null when none matches.
  QUARRY_DECL std::shared_ptr<script_entry> answer(const recorded_statement& statement);
};

class mock_statement final : public dbapi_statement {
 public:
  mock_statement(std::shared_ptr<mock_state> state, std::string_view sql) : state_(std::move(state)), sql_(sql) {}
  std::string_view sql() const override { return sql_; }
  QUARRY_DECL void execute(std::span<const value_ref> parameters) override;
  QUARRY_DECL std::int64_t execute_many(parameter_batch& batch, row_sink* rows) override;
  QUARRY_DECL bool next() override;
  std::size_t column_count() const override { return script_ ? width() : 0; }
  QUARRY_DECL std::string_view column_name(std::size_t index) const override;
  QUARRY_DECL value_ref column(std::size_t index) override;
  QUARRY_DECL bool is_readonly() const override;
  std::int64_t rowcount() const override { return rowcount_; }
  std::optional<std::int64_t> lastrowid() const override { return lastrowid_; }
  void close_cursor() noexcept override {
    script_.reset();
    row_ = 0;
  }

 private:
  // Records the statement and finds its script; throws what an unanswered or failing statement throws.
  QUARRY_DECL void run(std::span<const value_ref> parameters, std::size_t batch_size);
  std::size_t width() const noexcept {
    return !script_->columns.empty() ? script_->columns.size() : script_->rows.empty() ? 0 : script_->rows.front().size();
  }

  std::shared_ptr<mock_state> state_;
  std::string sql_;
  std::shared_ptr<script_entry> script_;  // the answer being read
  std::size_t row_ = 0;                   // 1 + the current row, 0 before the first
  std::int64_t rowcount_ = -1;
  std::optional<std::int64_t> lastrowid_;
  std::vector<std::string> positional_names_;  // c0, c1, ... for scripts without column names
};

class mock_connection final : public dbapi_connection {
 public:
  explicit mock_connection(std::shared_ptr<mock_state> state) : state_(std::move(state)) {}
  std::unique_ptr<dbapi_statement> prepare(std::string_view sql) override {
    return std::make_unique<mock_statement>(state_, sql);
  }
  QUARRY_DECL void execute_simple(std::string_view sql) override;
  bool ping() noexcept override { return true; }
  bool is_usable() const noexcept override { return true; }
  bool in_transaction() const noexcept override { return depth_ > 0; }
  std::size_t max_parameters() const noexcept override { return 32766; }
  std::string server_version() const override { return "mock"; }
  void* native_handle() noexcept override { return nullptr; }

 private:
  std::shared_ptr<mock_state> state_;
  std::size_t depth_ = 0;  // 1 in a transaction, +1 per savepoint
};

}  // namespace quarry::testing::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/testing/detail/impl/mock_driver.ipp"
#endif
