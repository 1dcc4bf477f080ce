// Quarry - SQLAlchemy for C++20. MIT License.
// The web integration over loopback: the example blog served by cpp-httplib and
// exercised by its client on each backend.
#include <catch2/catch.hpp>

#include <atomic>

#include "web_app.hpp"

using nlohmann::json;
using web_test::web_app;

namespace {

json body_of(const httplib::Result& r) {
  REQUIRE(r);
  return json::parse(r->body);
}

httplib::Result post_json(httplib::Client& c, const std::string& path, const json& body) {
  return c.Post(path.c_str(), body.dump(), "application/json");
}

// n users named user00, user01, ... through the import endpoint.
void import_users(httplib::Client& c, int n) {
  json users = json::array();
  for (int i = 0; i < n; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "user%02d", i);
    users.push_back({{"name", name}, {"email", std::string(name) + "@example.com"}});
  }
  auto r = post_json(c, "/users/import", users);
  REQUIRE(r);
  REQUIRE(r->status == 201);
}

}  // namespace

TEST_CASE("web: create, read, update and delete over HTTP", "[web]") {
  web_app app;
  auto c = app.client();

  auto created = post_json(c, "/users", {{"name", "ada"}, {"email", "ada@example.com"}});
  REQUIRE(created->status == 201);
  CHECK(created->get_header_value("Content-Type") == "application/json");
  json ada = body_of(created);
  CHECK(ada["name"] == "ada");
  std::int64_t id = ada["id"];
  CHECK(id > 0);
  CHECK(app.rows("web_user") == 1);

  auto got = c.Get(("/users/" + std::to_string(id)).c_str());
  REQUIRE(got->status == 200);
  CHECK(body_of(got) == json{{"id", id}, {"name", "ada"}, {"email", "ada@example.com"}, {"posts", json::array()}});

  auto patched = c.Patch(("/users/" + std::to_string(id)).c_str(), R"({"email": "ada@lovelace.org"})", "application/json");
  REQUIRE(patched->status == 200);
  CHECK(body_of(patched)["email"] == "ada@lovelace.org");
  {
    auto conn = app.db.engine().connect();
    CHECK(conn.execute(quarry::text("SELECT email FROM web_user WHERE id = :id"), {{"id", id}}).scalar<std::string>() ==
          "ada@lovelace.org");
  }

  auto post = post_json(c, "/users/" + std::to_string(id) + "/posts", {{"title", "Notes"}, {"body", "engine"}});
  REQUIRE(post->status == 201);
  std::int64_t post_id = body_of(post)["id"];
  auto read_post = c.Get(("/posts/" + std::to_string(post_id)).c_str());
  REQUIRE(read_post->status == 200);
  CHECK(body_of(read_post)["author"] == "ada");

  auto deleted = c.Delete(("/users/" + std::to_string(id)).c_str());
  CHECK(deleted->status == 204);
  CHECK(app.rows("web_user") == 0);
  CHECK(app.rows("web_post") == 0);  // cascade "all, delete-orphan"

  auto gone = c.Get(("/users/" + std::to_string(id)).c_str());
  REQUIRE(gone->status == 404);
  CHECK(body_of(gone) == json{{"error", "Not Found"}, {"description", "There is no such user."}});
  auto no_post = c.Get(("/posts/" + std::to_string(post_id)).c_str());
  CHECK(no_post->status == 404);
  CHECK(body_of(no_post)["description"] == "There is no such post.");
  CHECK(c.Get("/no/such/route")->status == 404);
  CHECK(c.Get("/users/99999999999999999999")->status == 404);  // too large for an id
  CHECK(app.db.engine().pool_status().checked_out == 0);
}

TEST_CASE("web: the application's own pre- and post-routing hooks", "[web]") {
  web_app app;
  auto c = app.client();
  auto listed = c.Get("/users");
  CHECK(listed->get_header_value("X-In-Request") == "yes");  // post_routing runs before the request ends
  auto refused = c.Get("/test/refused");
  CHECK(refused->status == 403);
  CHECK(refused->get_header_value("X-In-Request") == "yes");
  // cpp-httplib calls post-routing outside its try: the integration answers for the hook.
  auto failed = c.Get("/test/post-hook-fails");
  REQUIRE(failed);
  CHECK(failed->status == 500);
  CHECK(app.logged().back().find("post-routing hook failed") != std::string::npos);
  CHECK(c.Get("/users")->status == 200);
  CHECK(app.db.engine().pool_status().checked_out == 0);
}

TEST_CASE("web: bad input is a 4xx with a JSON body, and changes nothing", "[web]") {
  web_app app;
  auto c = app.client();
  auto not_json = c.Post("/users", "{name: ada", "application/json");
  CHECK(not_json->status == 400);
  CHECK(body_of(not_json)["description"] == "The body must be a JSON object.");
  auto missing = post_json(c, "/users", {{"name", "ada"}});
  CHECK(missing->status == 400);
  CHECK(body_of(missing)["description"] == "'email' is required.");
  auto odd = post_json(c, "/users", {{"name", "Robert'); DROP TABLE web_user;--"}, {"email", "ünïcødé@example.com"}});
  CHECK(odd->status == 201);
  CHECK(body_of(odd)["name"] == "Robert'); DROP TABLE web_user;--");
  CHECK(app.rows("web_user") == 1);

  // A taken name is an IntegrityError, which the application maps to 409.
  auto taken = post_json(c, "/users", {{"name", "Robert'); DROP TABLE web_user;--"}, {"email", "x@example.com"}});
  REQUIRE(taken->status == 409);
  CHECK(body_of(taken) == json{{"error", "Conflict"}, {"description", "That conflicts with what is stored."}});
  CHECK(app.rows("web_user") == 1);
  CHECK(app.rows("web_audit", "audit") == 1);  // the audit entry of the refused user was rolled back too
  CHECK(c.Get("/users")->status == 200);      // the next request is served normally
  CHECK(app.db.engine().pool_status().checked_out == 0);
  CHECK(app.db.engine("audit").pool_status().checked_out == 0);
}

TEST_CASE("web: a handler that throws commits nothing and gives its connection back", "[web]") {
  web_app app;
  auto c = app.client();
  import_users(c, 2);

  SECTION("an HTTP error after some INSERTs") {
    json users = {{{"name", "a"}, {"email", "a@example.com"}}, {{"name", "b"}, {"email", "b@example.com"}}, {{"name", "c"}}};
    auto r = post_json(c, "/users/import", users);
    REQUIRE(r->status == 400);
    CHECK(body_of(r)["description"] == "'email' is required.");
  }
  SECTION("another exception after an INSERT") {
    auto r = c.Post("/test/write-then-throw", "", "application/json");
    REQUIRE(r->status == 500);
    CHECK(body_of(r) == json{{"error", "Internal Server Error"}, {"description", "The server could not complete the request."}});
    CHECK_FALSE(r->has_header("X-Partial"));  // what the handler had set is dropped
    auto log = app.logged();
    REQUIRE(log.size() == 1);
    CHECK(log[0].find("POST /test/write-then-throw failed: the handler failed after its INSERT") != std::string::npos);
  }
  SECTION("a database error: a 500 without its SQL or parameters, which go to the log") {
    auto r = c.Get("/test/bad-sql");
    REQUIRE(r->status == 500);
    CHECK(body_of(r) == json{{"error", "Internal Server Error"}, {"description", "The database could not complete the request."}});
    CHECK(r->body.find("no_such_table") == std::string::npos);
    CHECK(r->body.find("p4ssw0rd") == std::string::npos);
    auto log = app.logged();
    REQUIRE(log.size() == 1);
    CHECK(log[0].find("GET /test/bad-sql failed") != std::string::npos);
    CHECK(log[0].find("SELECT secret_column FROM no_such_table") != std::string::npos);
  }
  CHECK(app.rows("web_user") == 2);
  CHECK(app.db.engine().pool_status().checked_out == 0);
  CHECK(c.Get("/users")->status == 200);
}

TEST_CASE("web: pagination", "[web]") {
  web_app app;
  auto c = app.client();
  import_users(c, 45);

  json first = body_of(c.Get("/users"));
  CHECK(first["items"].size() == 20);
  CHECK(first["items"][0]["name"] == "user00");
  CHECK(first["page"] == 1);
  CHECK(first["per_page"] == 20);
  CHECK(first["total"] == 45);
  CHECK(first["pages"] == 3);
  CHECK(first["has_prev"] == false);
  CHECK(first["has_next"] == true);
  CHECK(first["prev_num"].is_null());
  CHECK(first["next_num"] == 2);
  CHECK(first["iter_pages"] == json{1, 2, 3});

  json last = body_of(c.Get("/users?page=3"));
  CHECK(last["items"].size() == 5);
  CHECK(last["items"][0]["name"] == "user40");
  CHECK(last["has_next"] == false);
  CHECK(last["next_num"].is_null());
  CHECK(last["prev_num"] == 2);

  json small = body_of(c.Get("/users?page=4&per_page=2"));
  CHECK(small["items"][0]["name"] == "user06");
  CHECK(small["pages"] == 23);
  CHECK(small["iter_pages"] == json{1, 2, 3, 4, 5, 6, 7, 8, nullptr, 22, 23});
  json middle = body_of(c.Get("/users?page=12&per_page=2"));
  CHECK(middle["iter_pages"] == json{1, 2, nullptr, 10, 11, 12, 13, 14, 15, 16, nullptr, 22, 23});

  // max_per_page cuts a larger per_page.
  json capped = body_of(c.Get("/users?per_page=1000"));
  CHECK(capped["per_page"] == 50);
  CHECK(capped["items"].size() == 45);

  for (const char* bad : {"/users?page=4", "/users?page=0", "/users?page=-1", "/users?page=abc", "/users?per_page=0",
                          "/users?per_page=x", "/users?page=9223372036854775807", "/users?page=99999999999999999999"}) {
    INFO(bad);
    auto r = c.Get(bad);
    REQUIRE(r);
    CHECK(r->status == 404);
    CHECK(body_of(r)["error"] == "Not Found");
  }

  SECTION("without a count: has_next from one row more") {
    for (int i = 0; i < 5; ++i)
      REQUIRE(post_json(c, "/users/1/posts", {{"title", "engine " + std::to_string(i)}})->status == 201);
    REQUIRE(post_json(c, "/users/2/posts", {{"title", "other"}, {"body", "the engine again"}})->status == 201);
    json page = body_of(c.Get("/posts/search?q=engine&per_page=4"));
    CHECK(page["items"].size() == 4);
    CHECK(page["total"].is_null());
    CHECK(page["has_next"] == true);
    json rest = body_of(c.Get("/posts/search?q=engine&per_page=4&page=2"));
    CHECK(rest["items"].size() == 2);
    CHECK(rest["has_next"] == false);
    CHECK(rest["items"][1]["body"] == "the engine again");
    CHECK(c.Get("/posts/search?q=engine&per_page=4&page=3")->status == 404);
    CHECK(c.Get("/posts/search?q=%25")->status == 200);  // a wildcard in the words is matched literally
    CHECK(body_of(c.Get("/posts/search?q=%25"))["items"].empty());
  }

  SECTION("keyset pagination") {
    for (int i = 0; i < 7; ++i)
      REQUIRE(post_json(c, "/users/3/posts", {{"title", "p" + std::to_string(i)}})->status == 201);
    std::vector<std::string> titles;
    std::string path = "/users/3/posts?per_page=3";
    int pages = 0;
    for (;;) {
      json page = body_of(c.Get(path.c_str()));
      ++pages;
      for (auto& p : page["items"]) titles.push_back(p["title"]);
      if (page["next_after"].is_null()) break;
      path = "/users/3/posts?per_page=3&after=" + std::to_string(page["next_after"].get<std::int64_t>());
    }
    CHECK(pages == 3);
    CHECK(titles == std::vector<std::string>{"p0", "p1", "p2", "p3", "p4", "p5", "p6"});
    CHECK(c.Get("/users/3/posts?after=abc")->status == 404);
    CHECK(body_of(c.Get("/users/3/posts?after=999999"))["items"].empty());
  }
}

TEST_CASE("web: recorded queries, to the handler and in a debug header", "[web]") {
  web_app app;
  auto c = app.client();
  import_users(c, 1);

  json queries = body_of(c.Get("/queries"));
  REQUIRE(queries.size() == 1);
  CHECK(queries[0]["statement"].get<std::string>().find("FROM web_user") != std::string::npos);
  CHECK(queries[0]["parameters"].get<std::string>().find('1') != std::string::npos);
  CHECK(queries[0]["duration_ms"].get<double>() > 0);
  CHECK(queries[0]["location"].get<std::string>().find("blog.hpp:") != std::string::npos);

  auto listed = c.Get("/users");
  REQUIRE(listed->status == 200);
  CHECK(listed->get_header_value("X-Quarry-Query-Count") == "2");  // the page and its COUNT
  REQUIRE(listed->get_header_value_count("X-Quarry-Query") == 2);
  CHECK(listed->get_header_value("X-Quarry-Query", 0).find("LIMIT") != std::string::npos);
  CHECK(listed->get_header_value("X-Quarry-Query", 1).find("count(*)") != std::string::npos);
  CHECK(listed->get_header_value("X-Quarry-Query", 0).find("blog.hpp:") != std::string::npos);

  // Statements a db.commit() flushes are the handler's too.
  auto created = post_json(c, "/users", {{"name", "bob"}, {"email", "bob@example.com"}});
  REQUIRE(created->status == 201);
  REQUIRE(created->get_header_value_count("X-Quarry-Query") == 2);
  CHECK(created->get_header_value("X-Quarry-Query", 1).find("INSERT INTO web_audit") != std::string::npos);
  CHECK(created->get_header_value("X-Quarry-Query", 1).find("blog.hpp:") != std::string::npos);

  // A request's queries are its own: the next request starts with none.
  auto missing = c.Get("/users/999");
  CHECK(missing->get_header_value("X-Quarry-Query-Count") == "1");
}

TEST_CASE("web: binds put each model's tables and statements in its own database", "[web]") {
  web_app app;
  auto c = app.client();
  CHECK(app.db.binds() == std::vector<std::string>{"", "audit"});
  CHECK(app.db.metadata().contains("web_user"));
  CHECK_FALSE(app.db.metadata().contains("web_audit"));
  CHECK(app.db.metadata("audit").contains("web_audit"));
  CHECK_FALSE(app.db.metadata("audit").contains("web_user"));

  REQUIRE(post_json(c, "/users", {{"name", "ada"}, {"email", "ada@example.com"}})->status == 201);
  REQUIRE(c.Patch("/users/1", R"({"name": "ada2"})", "application/json")->status == 200);
  CHECK(body_of(c.Get("/audit"))["entries"] == 2);
  CHECK(app.rows("web_audit", "audit") == 2);

  if (quarry_test::is_sqlite()) {
    // Two files under the instance folder: relative SQLite paths go there.
    auto folder = app.db.config().instance_path;
    CHECK(std::filesystem::exists(folder / "blog.db"));
    CHECK(std::filesystem::exists(folder / "blog_audit.db"));
    CHECK(app.db.engine("audit").url().database == (folder / "blog_audit.db").string());
    auto main = app.db.engine().connect();
    CHECK_FALSE(quarry::MetaData::has_table(main, "web_audit"));
    auto audit = app.db.engine("audit").connect();
    CHECK_FALSE(quarry::MetaData::has_table(audit, "web_user"));
  }
  {
    quarry::ext::request_scope scope(app.db);
    CHECK(&app.db.session_for<blog::AuditEntry>() == &app.db.session("audit"));
    CHECK(&app.db.session_for<blog::User>() == &app.db.session());
    CHECK(&app.db.session_for<blog::User>() != &app.db.session("audit"));
  }
  {
    // An object added to the session of another bind is refused at the flush, not written there.
    quarry::ext::request_scope scope(app.db);
    app.db.session().add(std::make_shared<blog::AuditEntry>(blog::AuditEntry{0, "misrouted", 1}));
    CHECK_THROWS_WITH(app.db.session().flush(),
                      Catch::Contains("table 'web_audit' is in the session of the default database, but its model is "
                                      "assigned to the bind 'audit'"));
  }
  CHECK(app.rows("web_audit", "audit") == 2);
  app.db.drop_all("audit");
  {
    auto audit = app.db.engine("audit").connect();
    CHECK_FALSE(quarry::MetaData::has_table(audit, "web_audit"));
  }
  CHECK(app.rows("web_user") == 1);
  CHECK_THROWS_WITH(app.db.engine("nope"), Catch::Contains("no database bind 'nope'"));
  app.db.create_all("audit");
}

TEST_CASE("web: 16 client threads at once", "[web][threads]") {
  web_app app;
  constexpr int threads = 16;
  constexpr int rounds = 8;
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  auto fail = [&](const std::string& what, const httplib::Result& r) {
    std::lock_guard lock(failures_mutex);
    failures.push_back(what + ": " + (r ? std::to_string(r->status) + " " + r->body : "error " + httplib::to_string(r.error())));
  };
  // One request first, from this thread: cpp-httplib's client initializes its function-local
  // statics (a std::regex) here, before the client threads exist. ThreadSanitizer cannot see
  // the guard of a static initialized inside the uninstrumented library by one client thread
  // and read by another.
  REQUIRE(app.client().Get("/users")->status == 200);
  std::vector<std::thread> clients;
  for (int t = 0; t < threads; ++t) {
    clients.emplace_back([&, t] {
      auto c = app.client();
      for (int i = 0; i < rounds; ++i) {
        std::string name = "t" + std::to_string(t) + "_" + std::to_string(i);
        auto created = c.Post("/users", json{{"name", name}, {"email", name + "@example.com"}}.dump(), "application/json");
        if (!created || created->status != 201) {
          fail("create " + name, created);
          continue;
        }
        auto id = json::parse(created->body)["id"].get<std::int64_t>();
        auto got = c.Get(("/users/" + std::to_string(id)).c_str());
        if (!got || got->status != 200 || json::parse(got->body)["name"] != name) fail("get " + name, got);
        auto listed = c.Get("/users?per_page=5");
        if (!listed || listed->status != 200) fail("list", listed);
        auto taken = c.Post("/users", json{{"name", name}, {"email", "again"}}.dump(), "application/json");
        if (!taken || taken->status != 409) fail("taken " + name, taken);
        auto missing = c.Get("/users/99999999");
        if (!missing || missing->status != 404) fail("missing", missing);
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(failures == std::vector<std::string>{});
  CHECK(app.rows("web_user") == threads * rounds);
  CHECK(app.rows("web_audit", "audit") == threads * rounds);
  for (const std::string& bind : app.db.binds()) {
    auto pool = app.db.engine(bind).pool_status();
    CHECK(pool.checked_out == 0);
  }
}
