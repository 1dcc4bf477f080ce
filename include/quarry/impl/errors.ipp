// The non-template implementation of quarry/errors.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/errors.hpp"

namespace quarry {

QUARRY_DECL auto DBAPIError::set_transaction_outcome(quarry::transaction_outcome outcome) -> void {
  outcome_ = outcome;
  text_ = describe(message_, context_, outcome_);
}

QUARRY_DECL auto DBAPIError::describe(const std::string& message, const error_context& context, quarry::transaction_outcome outcome) -> std::string {
  std::string text = message;
  if (outcome == quarry::transaction_outcome::rolled_back)
    text += " (the transaction was rolled back: nothing of it was committed)";
  else if (outcome == quarry::transaction_outcome::unknown)
    text += " (the connection was lost during COMMIT: whether the transaction committed is unknown)";
  if (!context.sqlstate.empty()) text += " [SQLSTATE " + context.sqlstate + "]";
  else if (context.code != 0) text += " [code " + std::to_string(context.code) + "]";
  if (!context.sql.empty()) text += "\n[SQL: " + context.sql + "]";
  if (!context.params.empty()) text += "\n[parameters: " + context.params + "]";
  return text;
}

}  // namespace quarry
