// Quarry - SQLAlchemy for C++20. MIT License.
// The example blog (examples/web/blog.hpp) served on a free loopback port for
// one test, with a cpp-httplib client, and a few routes of the test's own.
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../../examples/web/blog.hpp"
#include "backend.hpp"

namespace web_test {

// The instance folder of this test run, emptied first.
inline std::filesystem::path fresh_instance() {
  auto folder = std::filesystem::current_path() / "instance";
  std::filesystem::remove_all(folder);
  return folder;
}

inline quarry::ext::database_config blog_config() {
  std::string url = quarry_test::is_postgresql() ? quarry_test::postgresql_url() : "sqlite:///blog.db";
  std::string audit = quarry_test::is_postgresql() ? url : "sqlite:///blog_audit.db";
  auto config = blog::config(url, audit);
  config.instance_path = fresh_instance();
  return config;
}

struct web_app {
  quarry::ext::database db;
  httplib::Server server;
  std::thread serving;
  int port = 0;
  std::mutex log_mutex;
  std::vector<std::string> log;

  explicit web_app(quarry::ext::database_config config = blog_config()) : db(std::move(config)) {
    blog::register_models(db);
    db.drop_all();
    db.create_all();
    auto options = blog::server_options([this](std::string_view line) {
      std::lock_guard lock(log_mutex);
      log.emplace_back(line);
    });
    // The application's own hooks run inside the integration's.
    options.pre_routing = [this](const httplib::Request& request, httplib::Response& response) {
      if (request.path != "/test/refused") return httplib::Server::HandlerResponse::Unhandled;
      db.session();  // a session made in the hook is closed with the request
      response.status = 403;
      return httplib::Server::HandlerResponse::Handled;
    };
    options.post_routing = [this](const httplib::Request& request, httplib::Response& response) {
      response.set_header("X-In-Request", db.in_request() ? "yes" : "no");
      if (request.path == "/test/post-hook-fails") {
        db.session();
        throw std::runtime_error("the application's post-routing hook failed");
      }
    };
    quarry::ext::install(server, db, std::move(options));
    blog::add_routes(server, db);
    add_test_routes();
    port = blog::bind_loopback(server);
    serving = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // stop() needs it running
  }
  web_app(const web_app&) = delete;
  web_app& operator=(const web_app&) = delete;
  ~web_app() {
    server.stop();
    serving.join();
    db.drop_all();
  }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);
    c.set_connection_timeout(10, 0);
    return c;
  }

  std::vector<std::string> logged() {
    std::lock_guard lock(log_mutex);
    return log;
  }

  // Rows in a table, counted on a connection of its own (what another process sees).
  std::int64_t rows(std::string_view table, std::string_view bind = {}) {
    auto conn = db.engine(bind).connect();
    return conn.execute(quarry::text("SELECT count(*) FROM " + std::string(table))).scalar<std::int64_t>();
  }

 private:
  void add_test_routes() {
    // A user written and flushed, then an exception that is not an HTTP error.
    server.Post("/test/write-then-throw", [this](const httplib::Request&, httplib::Response& response) {
      response.set_header("X-Partial", "set before the failure");
      db.session().add(std::make_shared<blog::User>(blog::User{0, "doomed", "doomed@example.com", {}}));
      db.session().flush();
      throw std::runtime_error("the handler failed after its INSERT");
    });
    // A statement the database refuses: its SQL must reach the log, not the response.
    server.Get("/test/bad-sql", [this](const httplib::Request&, httplib::Response&) {
      db.session().execute(quarry::text("SELECT secret_column FROM no_such_table WHERE x = :x"), {{"x", "p4ssw0rd"}});
    });
    // one_or_404 on a statement with many rows.
    server.Get("/test/one-user", [this](const httplib::Request&, httplib::Response& response) {
      auto user = db.one_or_404(quarry::select<blog::User>());
      response.set_content(user->name, "text/plain");
    });
  }
};

}  // namespace web_test
