// Quarry - SQLAlchemy for C++20. MIT License.
// The web integration without a server: configuration, request scopes, the
// error responses and the pager's numbers, as another server's adapter uses them.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <thread>

#include "web_app.hpp"

namespace ext = quarry::ext;

namespace {

// Sets environment variables for one scope.
struct environment {
  std::vector<std::string> names;
  environment(std::initializer_list<std::pair<const char*, const char*>> values) {
    for (auto [name, value] : values) {
      ::setenv(name, value, 1);
      names.emplace_back(name);
    }
  }
  ~environment() {
    for (auto& name : names) ::unsetenv(name.c_str());
  }
};

std::vector<std::optional<std::int64_t>> pages(std::initializer_list<std::int64_t> numbers_with_zero_as_gap) {
  std::vector<std::optional<std::int64_t>> out;
  for (auto n : numbers_with_zero_as_gap) out.push_back(n == 0 ? std::nullopt : std::optional<std::int64_t>(n));
  return out;
}

}  // namespace

TEST_CASE("web config: from code and from the environment", "[web]") {
  SECTION("the environment overrides what code gives") {
    environment env{{"QUARRY_DATABASE_URL", "sqlite://"},
                    {"QUARRY_DATABASE_BINDS", "audit=sqlite:///a.db  reports=postgresql://u@h/db"},
                    {"QUARRY_ECHO", "1"},
                    {"QUARRY_POOL_SIZE", "3"},
                    {"QUARRY_POOL_TIMEOUT", "2.5"},
                    {"QUARRY_POOL_PRE_PING", "true"},
                    {"QUARRY_EXPIRE_ON_COMMIT", "0"},
                    {"QUARRY_RECORD_QUERIES", "yes"},
                    {"QUARRY_INSTANCE_PATH", "/tmp/quarry-instance"}};
    ext::database_config given;
    given.url = "sqlite:///from_code.db";
    given.engine.max_overflow = 2;
    auto c = ext::database_config::from_env(given);
    CHECK(c.url == "sqlite://");
    REQUIRE(c.binds.size() == 2);
    CHECK(c.binds[0] == std::pair<std::string, std::string>{"audit", "sqlite:///a.db"});
    CHECK(c.binds[1] == std::pair<std::string, std::string>{"reports", "postgresql://u@h/db"});
    CHECK(c.engine.echo);
    CHECK(c.engine.pool_size == 3);
    CHECK(c.engine.max_overflow == 2);
    CHECK(c.engine.pool_timeout.count() == 2.5);
    CHECK(c.engine.pool_pre_ping);
    CHECK_FALSE(c.session.expire_on_commit);
    CHECK(c.session.autoflush);
    CHECK(c.record_queries);
    CHECK(c.instance_path == "/tmp/quarry-instance");
  }
  SECTION("a value that does not parse names its variable") {
    environment env{{"QUARRY_POOL_SIZE", "many"}};
    CHECK_THROWS_AS(ext::database_config::from_env(), quarry::ArgumentError);
    CHECK_THROWS_WITH(ext::database_config::from_env(), Catch::Contains("QUARRY_POOL_SIZE='many'"));
  }
  SECTION("counts are whole numbers, times finite") {
    for (auto [name, text] : {std::pair{"QUARRY_POOL_SIZE", "2.5"}, {"QUARRY_MAX_OVERFLOW", "-1"},
                              {"QUARRY_POOL_TIMEOUT", "inf"}, {"QUARRY_POOL_TIMEOUT", "nan"}, {"QUARRY_POOL_RECYCLE", "-2"},
                              {"QUARRY_ECHO", "maybe"}}) {
      INFO(name << "=" << text);
      environment env{{name, text}};
      CHECK_THROWS_AS(ext::database_config::from_env(), quarry::ArgumentError);
    }
    environment never{{"QUARRY_POOL_RECYCLE", "-1"}};
    CHECK(ext::database_config::from_env().engine.pool_recycle.count() == -1);
  }
  SECTION("binds from the environment join those from code") {
    environment env{{"QUARRY_DATABASE_BINDS", "audit=sqlite:///other.db reports=sqlite://"}};
    ext::database_config given;
    given.binds = {{"audit", "sqlite:///audit.db"}, {"cache", "sqlite://"}};
    auto c = ext::database_config::from_env(given);
    using bind = std::pair<std::string, std::string>;
    CHECK(c.binds == std::vector<bind>{{"audit", "sqlite:///other.db"}, {"cache", "sqlite://"}, {"reports", "sqlite://"}});
  }
  SECTION("a bind without a key") {
    environment env{{"QUARRY_DATABASE_BINDS", "sqlite:///x.db"}};
    CHECK_THROWS_WITH(ext::database_config::from_env(), Catch::Contains("key=url"));
  }
  SECTION("no database at all") {
    CHECK_THROWS_WITH(ext::database(ext::database_config{}), Catch::Contains("needs a database"));
  }
  SECTION("a bind given twice, an unknown bind, no default database") {
    ext::database_config twice;
    twice.url = "sqlite://";
    twice.binds = {{"a", "sqlite://"}, {"a", "sqlite://"}};
    CHECK_THROWS_WITH(ext::database(twice), Catch::Contains("'a' is given twice"));
    ext::database_config binds_only;
    binds_only.binds = {{"a", "sqlite://"}};
    ext::database db(binds_only);
    CHECK_THROWS_WITH(db.engine(), Catch::Contains("no default database"));
    CHECK(db.engine("a").url().backend_name() == "sqlite");
    ext::request_scope scope(db);
    CHECK_THROWS_WITH(db.session_for<blog::Post>(), Catch::Contains("'web_post' is not assigned to a bind"));
  }
}

TEST_CASE("web config: SQLite driver defaults", "[web][sqlite]") {
  auto instance = web_test::fresh_instance();
  SECTION("a relative path goes under the instance folder, which is made") {
    ext::database_config c;
    c.url = "sqlite:///relative.db";
    c.instance_path = instance;
    ext::database db(c);
    db.models<blog::User, blog::Post>();
    db.create_all();
    CHECK(std::filesystem::exists(instance / "relative.db"));
    CHECK_FALSE(std::filesystem::exists("relative.db"));
  }
  SECTION("an absolute path stays") {
    auto file = (std::filesystem::current_path() / "absolute.db").string();
    std::filesystem::remove(file);
    ext::database_config c;
    c.url = "sqlite:///" + file;
    c.instance_path = instance;
    ext::database db(c);
    CHECK(db.engine().url().database == file);
  }
  SECTION("an in-memory database is one database for every request thread") {
    ext::database_config c;
    c.url = "sqlite://";
    ext::database db(c);
    db.models<blog::User, blog::Post>();
    db.create_all();
    {
      ext::request_scope scope(db);
      db.session().add(std::make_shared<blog::User>(blog::User{0, "ada", "a@example.com", {}}));
      db.commit();
    }
    std::int64_t seen = -1;
    std::thread other([&] {
      ext::request_scope scope(db);
      seen = db.session().scalar(quarry::select(quarry::func::count()).select_from(quarry::table<blog::User>));
    });
    other.join();
    CHECK(seen == 1);
  }
}

TEST_CASE("web: request scopes outside a server", "[web]") {
  auto config = web_test::blog_config();
  config.record_queries = false;
  ext::database db(config);
  blog::register_models(db);
  db.drop_all();
  db.create_all();

  CHECK_FALSE(db.in_request());
  CHECK_THROWS_AS(db.session(), quarry::InvalidRequestError);
  CHECK_THROWS_AS(db.commit(), quarry::InvalidRequestError);
  CHECK_THROWS_WITH(db.session(), Catch::Contains("request_scope"));

  SECTION("the session is made on first use, once per request, and closed at its end") {
    quarry::Session* first = nullptr;
    {
      ext::request_scope scope(db, {.method = "GET", .path = "/x", .args = {{"page", "2"}}});
      CHECK(db.in_request());
      CHECK(db.request().arg("page") == "2");
      CHECK(db.engine().pool_status().checked_out == 0);  // nothing is checked out before the session is used
      first = &db.session();
      CHECK(&db.session() == first);
      db.session().add(std::make_shared<blog::User>(blog::User{0, "uncommitted", "u@example.com", {}}));
      db.session().flush();
      CHECK(db.engine().pool_status().checked_out == 1);
    }
    CHECK(db.engine().pool_status().checked_out == 0);
    auto conn = db.engine().connect();
    CHECK(conn.execute(quarry::text("SELECT count(*) FROM web_user")).scalar<std::int64_t>() == 0);
  }
  SECTION("an exception ends the scope with a rollback") {
    try {
      ext::request_scope scope(db);
      db.session().add(std::make_shared<blog::User>(blog::User{0, "x", "x@example.com", {}}));
      db.session().flush();
      throw std::runtime_error("boom");
    } catch (const std::runtime_error&) {
    }
    CHECK_FALSE(db.in_request());
    CHECK(db.engine().pool_status().checked_out == 0);
  }
  SECTION("requests nest, each with its own session") {
    ext::request_scope outer(db);
    quarry::Session* outer_session = &db.session();
    {
      ext::request_scope inner(db);
      CHECK(&db.session() != outer_session);
    }
    CHECK(&db.session() == outer_session);
  }
  SECTION("the model helpers") {
    ext::request_scope scope(db, {.args = {{"page", "2"}, {"per_page", "1"}}});
    CHECK_THROWS_AS(db.get_or_404<blog::User>(std::int64_t{1}), ext::http_error);
    try {
      db.get_or_404<blog::User>(std::int64_t{1}, "no user 1");
      FAIL("no 404");
    } catch (const ext::http_error& e) {
      CHECK(e.status() == 404);
      CHECK(e.description() == "no user 1");
    }
    db.session().add(std::make_shared<blog::User>(blog::User{0, "a", "a@example.com", {}}));
    db.session().add(std::make_shared<blog::User>(blog::User{0, "b", "b@example.com", {}}));
    db.commit();
    const auto& u = quarry::table<blog::User>;
    CHECK(db.get_or_404<blog::User>(std::int64_t{1})->name == "a");
    CHECK(db.first_or_404(quarry::select<blog::User>().order_by(u.name.desc()))->name == "b");
    CHECK_THROWS_AS(db.first_or_404(quarry::select<blog::User>().where(u.name == "zz")), ext::http_error);
    CHECK(db.one_or_404(quarry::select<blog::User>().where(u.name == "a"))->id == 1);
    CHECK_THROWS_AS(db.one_or_404(quarry::select<blog::User>()), ext::http_error);  // two rows
    auto page = db.paginate(quarry::select<blog::User>().order_by(u.id));  // page 2 of 1 per page, from the request
    REQUIRE(page.items.size() == 1);
    CHECK(page.items[0]->name == "b");
    CHECK(page.first() == 2);
    CHECK(page.last() == 2);
    auto given = db.paginate(quarry::select<blog::User>().order_by(u.id), {.page = 1, .per_page = 5});
    CHECK(given.items.size() == 2);
    CHECK(given.pages() == 1);
    auto lenient = db.paginate(quarry::select<blog::User>().order_by(u.id), {.page = 7, .error_out = false});
    CHECK(lenient.items.empty());
    CHECK_THROWS_WITH(db.keyset_paginate(quarry::select<blog::User>().order_by(u.id), &blog::User::id),
                      Catch::Contains("without order_by"));
    auto keyset = db.keyset_paginate(quarry::select<blog::User>(), &blog::User::id, {.descending = true});
    REQUIRE(keyset.items.size() == 1);  // per_page 1 from the request
    CHECK(keyset.items[0]->name == "b");
    CHECK(keyset.next_after == 2);
    auto after_first = db.keyset_paginate(quarry::select<blog::User>(), &blog::User::id, {.per_page = 5}, 1);
    REQUIRE(after_first.items.size() == 1);
    CHECK(after_first.items[0]->name == "b");
    CHECK_FALSE(after_first.has_next());
  }
}

TEST_CASE("web: the responses an adapter sends for exceptions", "[web]") {
  auto answer = [](auto exception, const std::vector<ext::error_mapping>& mappings = {}) {
    return ext::response_for(std::make_exception_ptr(exception), mappings);
  };
  auto not_found = answer(ext::http_error(404, "no \"such\" thing"));
  CHECK(not_found.status == 404);
  CHECK(not_found.body == R"({"error":"Not Found","description":"no \"such\" thing"})");
  CHECK(not_found.log.empty());

  quarry::IntegrityError conflict("UNIQUE constraint failed", quarry::error_context{"INSERT INTO t VALUES (?)", "('secret')", 19, "", false});
  auto unmapped = answer(conflict);
  CHECK(unmapped.status == 500);
  CHECK(unmapped.body.find("INSERT") == std::string::npos);
  CHECK(unmapped.body.find("secret") == std::string::npos);
  CHECK(unmapped.log.find("INSERT INTO t") != std::string::npos);
  auto mapped = answer(conflict, {ext::map_error<quarry::OperationalError>(503, "busy"),
                                  ext::map_error<quarry::IntegrityError>(409, "taken")});
  CHECK(mapped.status == 409);
  CHECK(mapped.body == R"({"error":"Conflict","description":"taken"})");
  CHECK(answer(std::runtime_error("x")).status == 500);
  CHECK(ext::response_for(std::make_exception_ptr(42)).status == 500);
}

TEST_CASE("web: iter_pages as Flask-SQLAlchemy numbers pages", "[web]") {
  using ext::detail::page_numbers;
  CHECK(page_numbers(1, 0, {}).empty());
  CHECK(page_numbers(1, 1, {}) == pages({1}));
  CHECK(page_numbers(1, 3, {}) == pages({1, 2, 3}));
  CHECK(page_numbers(10, 20, {}) == pages({1, 2, 0, 8, 9, 10, 11, 12, 13, 14, 0, 19, 20}));
  CHECK(page_numbers(1, 20, {}) == pages({1, 2, 3, 4, 5, 0, 19, 20}));
  CHECK(page_numbers(20, 20, {}) == pages({1, 2, 0, 18, 19, 20}));
  CHECK(page_numbers(5, 10, {.left_edge = 1, .left_current = 1, .right_current = 1, .right_edge = 1}) ==
        pages({1, 0, 4, 5, 6, 0, 10}));
  // No overflow at the ends of std::int64_t.
  constexpr auto most = std::numeric_limits<std::int64_t>::max();
  CHECK(page_numbers(most, 3, {}) == pages({1, 2, 3}));
  ext::pagination<blog::User> huge;
  huge.total = most;
  huge.per_page = most - 1;
  CHECK(huge.pages() == 2);
  huge.per_page = 1;
  CHECK(huge.pages() == most);
}
