// Quarry - SQLAlchemy for C++20. MIT License.
// The blog's REST server (blog.hpp). With a database URL it starts on a free
// port of 127.0.0.1, walks through the API with cpp-httplib's client, checks
// each answer and stops; with --serve PORT it serves until killed:
//   web_example sqlite:///blog.db --serve 8080
//   curl 'http://127.0.0.1:8080/users?page=1&per_page=5'
#include <cstdio>
#include <cstring>
#include <string>
#include <chrono>
#include <thread>

#include "../support/example.hpp"
#include "blog.hpp"

int main(int argc, char* argv[]) {
  std::string url = example::database_url(argc, argv, "sqlite:///blog.db");
  // SQLite: the audit log is a second file in the instance folder; PostgreSQL: the same database, another engine.
  std::string audit_url = url.starts_with("sqlite") ? "sqlite:///blog_audit.db" : url;
  quarry::ext::database db(blog::config(url, audit_url));
  blog::register_models(db);
  db.drop_all();
  db.create_all();

  httplib::Server server;
  quarry::ext::install(server, db, blog::server_options());
  blog::add_routes(server, db);

  if (argc > 3 && std::strcmp(argv[2], "--serve") == 0) {
    std::printf("serving on http://127.0.0.1:%s\n", argv[3]);
    return server.listen("127.0.0.1", std::stoi(argv[3])) ? 0 : 1;
  }

  int port = blog::bind_loopback(server);
  std::thread serving([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // stop() needs it running
  httplib::Client client("127.0.0.1", port);

  auto created = client.Post("/users", R"({"name": "ada", "email": "ada@example.com"})", "application/json");
  example::expect(created && created->status == 201, "POST /users creates a user");
  auto ada = nlohmann::json::parse(created->body);
  std::printf("POST /users -> %d %s\n", created->status, created->body.c_str());

  auto taken = client.Post("/users", R"({"name": "ada", "email": "other@example.com"})", "application/json");
  example::expect(taken && taken->status == 409, "a taken name is 409");
  std::printf("POST /users (same name) -> %d %s\n", taken->status, taken->body.c_str());

  std::string posts = "/users/" + std::to_string(ada["id"].get<std::int64_t>()) + "/posts";
  auto post = client.Post(posts, R"({"title": "Notes", "body": "on the analytical engine"})", "application/json");
  example::expect(post && post->status == 201, "POST /users/N/posts creates a post");

  auto list = client.Get("/users?page=1&per_page=10");
  example::expect(list && list->status == 200, "GET /users lists users");
  std::printf("GET /users -> %d %s\n", list->status, list->body.c_str());
  std::printf("  X-Quarry-Query-Count: %s\n", list->get_header_value("X-Quarry-Query-Count").c_str());

  auto missing = client.Get("/users/999999");
  example::expect(missing && missing->status == 404, "an unknown user is 404");
  std::printf("GET /users/999999 -> %d %s\n", missing->status, missing->body.c_str());

  auto found = client.Get("/posts/search?q=engine");
  example::expect(found && found->status == 200 && nlohmann::json::parse(found->body)["items"].size() == 1,
                  "the search finds the post");
  std::printf("GET /posts/search?q=engine -> %d %s\n", found->status, found->body.c_str());

  server.stop();
  serving.join();
  auto pool = db.engine().pool_status();
  example::expect(pool.checked_out == 0, "every request gave its connection back");
  std::printf("connections in use after the requests: %zu\n", pool.checked_out);
  return 0;
}
