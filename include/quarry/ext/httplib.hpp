// The web integration on cpp-httplib: a request per HTTP request through the server's hooks.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <httplib.h>

#include "quarry/ext/database.hpp"
#include "quarry/ext/http_error.hpp"
#include "quarry/ext/request.hpp"

namespace quarry::ext {

struct server_options {
  // Add the request's statements to the response as X-Quarry-Query headers
  // (with database_config::record_queries), and X-Quarry-Query-Count.
  bool debug_queries = false;
  // Exceptions the application answers with a status of its own, tried in order:
  // {quarry::ext::map_error<quarry::IntegrityError>(409, "That name is taken.")}.
  std::vector<error_mapping> errors{};
  // Where a failed request's error goes, with its SQL and parameters; standard error when empty.
  std::function<void(std::string_view)> logger{};
  // install() takes the server's pre-routing, post-routing and exception hooks
  // (cpp-httplib keeps one of each): the application's own go here. pre_routing
  // runs once the request has begun, post_routing before it ends, so both may use `db`.
  httplib::Server::HandlerWithResponse pre_routing{};
  httplib::Server::Handler post_routing{};
};

namespace detail {

// A header value on one line: control characters would end the header (or start another).
inline std::string header_text(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

inline void add_query_headers(const database& db, httplib::Response& response) {
  const auto& queries = db.recorded_queries();
  response.set_header("X-Quarry-Query-Count", std::to_string(queries.size()));
  for (const auto& q : queries) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.3f ms", static_cast<double>(q.duration.count()) / 1e6);
    response.set_header("X-Quarry-Query", header_text(std::string(ms) + "; " + q.location + "; " + q.statement + "; " + q.parameters));
  }
}

// The response for `error` in place of what the handler had set, and its log line.
inline void answer_error(const server_options& options, const httplib::Request& request, httplib::Response& response,
                         std::exception_ptr error) {
  error_response answer = response_for(error, options.errors);
  if (!answer.log.empty()) {
    std::string line = "quarry: " + request.method + " " + request.path + " failed: " + answer.log;
    if (options.logger)
      options.logger(line);
    else
      std::fprintf(stderr, "%s\n", line.c_str());
  }
  response.headers.clear();
  response.status = answer.status;
  response.set_content(answer.body, "application/json");
}

}  // namespace detail

// Installs the request scope on a cpp-httplib server: pre-routing begins a
// request (its `page`, `per_page`, ... from the query string); an exception in
// a handler rolls the request back and becomes the response response_for()
// gives (what the handler had set is dropped; the error is logged); post-routing
// ends the request, which closes its sessions and gives their connections back.
// cpp-httplib runs post-routing before it writes the body: a content provider
// (chunked response) must not use `db`. The server and `db` must outlive the
// server's threads; one database per server.
inline void install(httplib::Server& server, database& db, server_options options = {}) {
  auto shared = std::make_shared<const server_options>(std::move(options));
  server.set_pre_routing_handler([&db, shared](const httplib::Request& request, httplib::Response& response) {
    while (db.in_request()) db.end_request(true);  // one the server never finished on this thread
    request_info info{request.method, request.path, {}};
    for (const auto& [key, value] : request.params) info.args.emplace_back(key, value);
    db.begin_request(std::move(info));
    return shared->pre_routing ? shared->pre_routing(request, response) : httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_exception_handler([&db, shared](const httplib::Request& request, httplib::Response& response,
                                             std::exception_ptr error) {
    if (db.in_request()) {
      try {
        db.rollback();
      } catch (...) {
        // A dead connection: closing the request in post-routing gives it back.
      }
    }
    detail::answer_error(*shared, request, response, error);
  });
  server.set_post_routing_handler([&db, shared](const httplib::Request& request, httplib::Response& response) {
    if (shared->post_routing) {
      // cpp-httplib calls this hook outside its try: an exception here would end the process.
      try {
        shared->post_routing(request, response);
      } catch (...) {
        if (db.in_request()) db.end_request(true);
        detail::answer_error(*shared, request, response, std::current_exception());
        return;
      }
    }
    if (!db.in_request()) return;
    if (shared->debug_queries && db.config().record_queries) detail::add_query_headers(db, response);
    db.end_request(false);
  });
}

}  // namespace quarry::ext
