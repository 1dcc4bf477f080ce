// The non-template implementation of quarry/ext/http_error.hpp.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/ext/http_error.hpp"

#include "quarry/dbapi/detail/render_params.hpp"
#include "quarry/errors.hpp"

namespace quarry::ext {

QUARRY_DECL std::string_view http_error::reason(int status) noexcept {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

QUARRY_DECL std::string error_body(int status, std::string_view description) {
  return "{\"error\":" + quarry::detail::json_string(http_error::reason(status)) +
         ",\"description\":" + quarry::detail::json_string(description) + "}";
}

QUARRY_DECL error_response response_for(std::exception_ptr error, const std::vector<error_mapping>& mappings) {
  try {
    std::rethrow_exception(error);
  } catch (const http_error& e) {
    return {e.status(), error_body(e.status(), e.description()), {}};
  } catch (const std::exception& e) {
    for (const auto& mapping : mappings)
      if (mapping.matches && mapping.matches(e))
        return {mapping.status, error_body(mapping.status, mapping.description), e.what()};
    // A database error's text has its SQL and parameters: they go to the log only.
    std::string description = dynamic_cast<const DBAPIError*>(&e) ? "The database could not complete the request."
                                                                   : "The server could not complete the request.";
    return {500, error_body(500, description), e.what()};
  } catch (...) {
    return {500, error_body(500, "The server could not complete the request."), "an exception that is not a std::exception"};
  }
}

}  // namespace quarry::ext
