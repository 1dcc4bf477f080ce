// http_error and error_response: how a handler ends a request early, and what any exception becomes.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quarry::ext {

// Flask's abort(status, description): thrown by get_or_404() and the other
// helpers (and by handlers), it ends the request with that status.
class http_error : public std::runtime_error {
 public:
  http_error(int status, std::string description)
      : std::runtime_error(std::to_string(status) + " " + std::string(reason(status)) + ": " + description),
        status_(status), description_(std::move(description)) {}

  int status() const noexcept { return status_; }
  const std::string& description() const noexcept { return description_; }

  // "Not Found" for 404, ...; "Error" for a status it does not know.
  QUARRY_DECL static std::string_view reason(int status) noexcept;

 private:
  int status_;
  std::string description_;
};

// An exception type the application answers with its own status (an
// IntegrityError as 409 Conflict): see map_error().
struct error_mapping {
  std::function<bool(const std::exception&)> matches;
  int status = 500;
  std::string description{};
};

template <class E>
error_mapping map_error(int status, std::string description) {
  return {[](const std::exception& e) { return dynamic_cast<const E*>(&e) != nullptr; }, status, std::move(description)};
}

// What a request that ended with an exception answers: the status and a JSON
// body {"error": "...", "description": "..."}, and what goes to the log. The
// body never has the SQL or its parameters; the log line does.
struct error_response {
  int status = 500;
  std::string body;
  std::string log;  // empty for an http_error
};

// The response for the exception in flight (`error`), with the application's
// mappings tried first to last. Server adapters call it from their exception hook.
QUARRY_DECL error_response response_for(std::exception_ptr error, const std::vector<error_mapping>& mappings = {});

// {"error": "<reason>", "description": "<description>"}.
QUARRY_DECL std::string error_body(int status, std::string_view description);

}  // namespace quarry::ext

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/ext/impl/http_error.ipp"
#endif
