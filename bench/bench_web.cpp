// Quarry - SQLAlchemy for C++20. MIT License.
// Requests per second of the blog's list endpoint (GET /users?page=2&per_page=20,
// examples/web/blog.hpp) over loopback, against the same endpoint written with
// raw sqlite3 calls: same server, same client, same SQLite file, same JSON.
#include <benchmark/benchmark.h>

#include <sqlite3.h>

#include <filesystem>
#include <stdexcept>
#include <thread>

#include "../examples/web/blog.hpp"

namespace {

constexpr int users = 100;
const char* const database_file = "bench_web.db";

// A server on a free loopback port, serving until the object goes.
struct running_server {
  httplib::Server server;
  std::thread serving;
  int port = 0;

  void start() {
    server.set_keep_alive_max_count(1'000'000);
    port = blog::bind_loopback(server);
    serving = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~running_server() {
    server.stop();
    if (serving.joinable()) serving.join();
  }
};

void fill_database() {
  std::filesystem::remove(database_file);
  quarry::ext::database_config config;
  config.url = std::string("sqlite:///") + std::filesystem::absolute(database_file).string();
  config.binds = {{"audit", "sqlite://"}};
  quarry::ext::database db(config);
  blog::register_models(db);
  db.create_all();
  quarry::ext::request_scope scope(db);
  for (int i = 0; i < users; ++i) {
    std::string name = "user" + std::to_string(i);
    db.session().add(std::make_shared<blog::User>(blog::User{0, name, name + "@example.com", {}}));
  }
  db.commit();
}

void run_requests(benchmark::State& state, int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  for (auto _ : state) {
    auto r = client.Get("/users?page=2&per_page=20");
    if (!r || r->status != 200) {
      state.SkipWithError("the list endpoint failed");
      break;
    }
    benchmark::DoNotOptimize(r->body.data());
  }
  state.SetItemsProcessed(state.iterations());  // items/s is requests per second
}

void web_list_quarry(benchmark::State& state) {
  fill_database();
  quarry::ext::database_config config;
  config.url = std::string("sqlite:///") + std::filesystem::absolute(database_file).string();
  config.binds = {{"audit", "sqlite://"}};
  quarry::ext::database db(config);
  blog::register_models(db);
  running_server s;
  quarry::ext::install(s.server, db);
  blog::add_routes(s.server, db);
  s.start();
  run_requests(state, s.port);
}

// The same endpoint by hand: one sqlite3 connection per server thread, the
// page and its count as prepared statements, the same JSON.
void web_list_raw(benchmark::State& state) {
  fill_database();
  running_server s;
  std::string path = std::filesystem::absolute(database_file).string();
  s.server.Get("/users", [path](const httplib::Request& request, httplib::Response& response) {
    struct connection {
      sqlite3* db = nullptr;
      sqlite3_stmt* page = nullptr;
      sqlite3_stmt* count = nullptr;
      ~connection() {
        sqlite3_finalize(page);
        sqlite3_finalize(count);
        sqlite3_close(db);
      }
    };
    thread_local connection c;
    if (c.db == nullptr) {
      if (sqlite3_open_v2(path.c_str(), &c.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK ||
          sqlite3_prepare_v3(c.db, "SELECT id, name, email FROM web_user ORDER BY id LIMIT ? OFFSET ?", -1,
                             SQLITE_PREPARE_PERSISTENT, &c.page, nullptr) != SQLITE_OK ||
          sqlite3_prepare_v3(c.db, "SELECT count(*) FROM (SELECT id, name, email FROM web_user ORDER BY id) AS anon_1",
                             -1, SQLITE_PREPARE_PERSISTENT, &c.count, nullptr) != SQLITE_OK)
        throw std::runtime_error(sqlite3_errmsg(c.db));
    }
    std::int64_t page = request.has_param("page") ? std::stoll(request.get_param_value("page")) : 1;
    std::int64_t per_page = request.has_param("per_page") ? std::min<std::int64_t>(std::stoll(request.get_param_value("per_page")), 50) : 20;
    sqlite3_exec(c.db, "BEGIN", nullptr, nullptr, nullptr);
    sqlite3_bind_int64(c.page, 1, per_page);
    sqlite3_bind_int64(c.page, 2, (page - 1) * per_page);
    nlohmann::json items = nlohmann::json::array();
    while (sqlite3_step(c.page) == SQLITE_ROW)
      items.push_back({{"id", sqlite3_column_int64(c.page, 0)},
                       {"name", reinterpret_cast<const char*>(sqlite3_column_text(c.page, 1))},
                       {"email", reinterpret_cast<const char*>(sqlite3_column_text(c.page, 2))}});
    sqlite3_reset(c.page);
    sqlite3_step(c.count);
    std::int64_t total = sqlite3_column_int64(c.count, 0);
    sqlite3_reset(c.count);
    sqlite3_exec(c.db, "COMMIT", nullptr, nullptr, nullptr);
    quarry::ext::pagination<blog::User> shape;  // the JSON's page numbers, computed as the Quarry handler's are
    shape.page = page;
    shape.per_page = per_page;
    shape.total = total;
    blog::reply(response, blog::page_json(shape, std::move(items)));
  });
  s.start();
  run_requests(state, s.port);
}

}  // namespace

BENCHMARK(web_list_raw)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(web_list_quarry)->UseRealTime()->Unit(benchmark::kMicrosecond);
