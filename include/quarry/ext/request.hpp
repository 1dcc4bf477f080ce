// request_info and recorded_query: what the web integration knows of a request, and the statements it ran.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quarry::ext {

// What a server adapter passes to database::begin_request(): enough for
// paginate() to read `page` and `per_page`, and for logs to name the request.
struct request_info {
  std::string method{};
  std::string path{};
  std::vector<std::pair<std::string, std::string>> args{};  // the query string, decoded

  // The first value of a query-string argument.
  std::optional<std::string_view> arg(std::string_view name) const noexcept {
    for (const auto& [key, value] : args)
      if (key == name) return std::string_view(value);
    return std::nullopt;
  }
};

// One statement a request ran (Flask-SQLAlchemy's get_recorded_queries()).
struct recorded_query {
  std::string statement;             // as sent to the driver
  std::string parameters;            // rendered as echo renders them
  std::chrono::nanoseconds duration{0};
  std::string location;              // "handlers.cpp:42 (function)": the handler's line that ran it
  std::string bind;                  // the bind key; empty for the default database
};

}  // namespace quarry::ext
