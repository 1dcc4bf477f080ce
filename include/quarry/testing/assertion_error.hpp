// assertion_error: what the testing helpers throw when an expectation fails, with both sides printed.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <stdexcept>
#include <string>

namespace quarry::testing {

// A failed expectation of a testing helper (a statement count, compiled SQL,
// an unscripted statement on a mock engine). Test frameworks report it as an
// exception with its message; the Catch2 matchers of quarry/testing/catch2.hpp
// report the same text as a failed assertion instead.
class assertion_error : public std::logic_error {
 public:
  explicit assertion_error(const std::string& message) : std::logic_error(message) {}
};

}  // namespace quarry::testing
