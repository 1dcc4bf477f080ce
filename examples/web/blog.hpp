// Quarry - SQLAlchemy for C++20. MIT License.
// A small REST application on cpp-httplib with the web integration: users and
// their posts (list with pagination, get, create, update, delete, search), and
// an audit log kept in a second database (a bind). Every handler uses the
// request's session through `db`; the server's hooks close it after each request.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <quarry/ext.hpp>
#include <quarry/ext/httplib.hpp>
#include <quarry/quarry.hpp>

namespace blog {

struct Post;

struct User {
  std::int64_t id{};
  std::string name;
  std::string email;
  quarry::many<Post> posts;
};

struct Post {
  std::int64_t id{};
  std::int64_t author_id{};
  std::string title;
  std::string body;
  quarry::one<User> author;
};

// Kept in the "audit" bind: another database, with its own engine and session.
struct AuditEntry {
  std::int64_t id{};
  std::string action;
  std::int64_t subject{};
};

QUARRY_MODEL(User, "web_user",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(50), quarry::unique),
             QUARRY_COLUMN(email, quarry::length(120)),
             QUARRY_RELATIONSHIP(posts, quarry::back_populates("author"), quarry::cascade("all, delete-orphan"),
                                 quarry::order_by_column(&Post::id)));
QUARRY_MODEL(Post, "web_post",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(author_id, quarry::foreign_key(&User::id), quarry::index),
             QUARRY_COLUMN(title, quarry::length(200)),
             QUARRY_COLUMN(body),
             QUARRY_RELATIONSHIP(author, quarry::back_populates("posts")));
QUARRY_MODEL(AuditEntry, "web_audit",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(action, quarry::length(40)),
             QUARRY_COLUMN(subject));

// The databases: `url` for users and posts, `audit_url` for the audit log.
inline quarry::ext::database_config config(std::string url, std::string audit_url) {
  quarry::ext::database_config c;
  c.url = std::move(url);
  c.binds = {{"audit", std::move(audit_url)}};
  c.record_queries = true;
  return quarry::ext::database_config::from_env(c);  // QUARRY_* variables override
}

inline void register_models(quarry::ext::database& db) {
  db.models<User, Post>();
  db.models<AuditEntry>("audit");
}

inline nlohmann::json user_json(const User& u) { return {{"id", u.id}, {"name", u.name}, {"email", u.email}}; }
inline nlohmann::json post_json(const Post& p) {
  return {{"id", p.id}, {"author_id", p.author_id}, {"title", p.title}, {"body", p.body}};
}

template <class M>
nlohmann::json page_json(const quarry::ext::pagination<M>& page, nlohmann::json items) {
  nlohmann::json pages = nlohmann::json::array();
  for (auto n : page.iter_pages()) pages.push_back(n ? nlohmann::json(*n) : nlohmann::json());
  nlohmann::json out = {{"items", std::move(items)}, {"page", page.page}, {"per_page", page.per_page},
                        {"has_prev", page.has_prev()}, {"has_next", page.has_next()}, {"iter_pages", pages}};
  out["total"] = page.total ? nlohmann::json(*page.total) : nlohmann::json();
  out["pages"] = page.pages();
  out["prev_num"] = page.prev_num() ? nlohmann::json(*page.prev_num()) : nlohmann::json();
  out["next_num"] = page.next_num() ? nlohmann::json(*page.next_num()) : nlohmann::json();
  return out;
}

// The request body as a JSON object, or a 400.
inline nlohmann::json json_body(const httplib::Request& request) {
  auto body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) throw quarry::ext::http_error(400, "The body must be a JSON object.");
  return body;
}

// A text field of the body: required, or left alone when missing.
inline std::optional<std::string> text_field(const nlohmann::json& body, const char* name, bool required) {
  auto found = body.find(name);
  if (found == body.end()) {
    if (required) throw quarry::ext::http_error(400, std::string("'") + name + "' is required.");
    return std::nullopt;
  }
  if (!found->is_string() || found->get_ref<const std::string&>().empty())
    throw quarry::ext::http_error(400, std::string("'") + name + "' must be a non-empty string.");
  return found->get<std::string>();
}

// The route's (\d+); one too large for an id names nothing.
inline std::int64_t id_in_path(const httplib::Request& request) {
  std::string digits = request.matches[1];
  std::int64_t id = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (error != std::errc() || end != digits.data() + digits.size()) throw quarry::ext::http_error(404, "There is no such id.");
  return id;
}

inline void reply(httplib::Response& response, const nlohmann::json& body, int status = 200) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

inline void audit(quarry::ext::database& db, std::string action, std::int64_t subject) {
  db.session_for<AuditEntry>().add(std::make_shared<AuditEntry>(AuditEntry{0, std::move(action), subject}));
}

inline void add_routes(httplib::Server& server, quarry::ext::database& db) {
  using quarry::ext::http_error;

  // GET /users?page=2&per_page=10: a page of users, with the pager's numbers.
  server.Get("/users", [&db](const httplib::Request&, httplib::Response& response) {
    const auto& u = quarry::table<User>;
    auto page = db.paginate(quarry::select<User>().order_by(u.id), {.max_per_page = 50});
    nlohmann::json items = nlohmann::json::array();
    for (const auto& user : page) items.push_back(user_json(*user));
    reply(response, page_json(page, std::move(items)));
  });

  // GET /users/7: one user with the titles of their posts.
  server.Get(R"(/users/(\d+))", [&db](const httplib::Request& request, httplib::Response& response) {
    auto user = db.get_or_404<User>(id_in_path(request), "There is no such user.");
    nlohmann::json body = user_json(*user);
    body["posts"] = nlohmann::json::array();
    for (const auto& post : user->posts) body["posts"].push_back({{"id", post->id}, {"title", post->title}});
    reply(response, body);
  });

  // POST /users {"name": ..., "email": ...}: 201, or 409 when the name is taken.
  server.Post("/users", [&db](const httplib::Request& request, httplib::Response& response) {
    auto body = json_body(request);
    auto user = std::make_shared<User>();
    user->name = *text_field(body, "name", true);
    user->email = *text_field(body, "email", true);
    db.session().add(user);
    db.session().flush();
    audit(db, "create user", user->id);
    db.commit();
    reply(response, user_json(*user), 201);
  });

  // POST /users/import [{...}, ...]: all of them or none (a bad entry rolls back the ones before it).
  server.Post("/users/import", [&db](const httplib::Request& request, httplib::Response& response) {
    auto body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_array()) throw http_error(400, "The body must be a JSON array.");
    for (const auto& entry : body) {
      if (!entry.is_object()) throw http_error(400, "Each entry must be a JSON object.");
      auto user = std::make_shared<User>();
      user->name = *text_field(entry, "name", true);
      user->email = *text_field(entry, "email", true);
      db.session().add(user);
      db.session().flush();  // its INSERT runs now; a later bad entry rolls it back
    }
    db.commit();
    reply(response, {{"imported", body.size()}}, 201);
  });

  // PATCH /users/7 {"email": ...}: changes what the body names.
  server.Patch(R"(/users/(\d+))", [&db](const httplib::Request& request, httplib::Response& response) {
    auto body = json_body(request);
    auto user = db.get_or_404<User>(id_in_path(request), "There is no such user.");
    if (auto name = text_field(body, "name", false)) user->name = *name;
    if (auto email = text_field(body, "email", false)) user->email = *email;
    audit(db, "update user", user->id);
    db.commit();
    reply(response, user_json(*user));
  });

  // DELETE /users/7: the user and their posts (cascade "all, delete-orphan").
  server.Delete(R"(/users/(\d+))", [&db](const httplib::Request& request, httplib::Response& response) {
    auto user = db.get_or_404<User>(id_in_path(request), "There is no such user.");
    db.session().delete_(user);
    audit(db, "delete user", user->id);
    db.commit();
    response.status = 204;
  });

  // GET /users/7/posts?after=120: the user's posts by keyset pagination.
  server.Get(R"(/users/(\d+)/posts)", [&db](const httplib::Request& request, httplib::Response& response) {
    const auto& p = quarry::table<Post>;
    auto user = db.get_or_404<User>(id_in_path(request), "There is no such user.");
    auto page = db.keyset_paginate(quarry::select<Post>().where(p.author_id == user->id), &Post::id,
                                   {.max_per_page = 50});
    nlohmann::json items = nlohmann::json::array();
    for (const auto& post : page) items.push_back(post_json(*post));
    reply(response, {{"items", items}, {"next_after", page.next_after ? nlohmann::json(*page.next_after) : nlohmann::json()}});
  });

  // POST /users/7/posts {"title": ..., "body": ...}.
  server.Post(R"(/users/(\d+)/posts)", [&db](const httplib::Request& request, httplib::Response& response) {
    auto body = json_body(request);
    auto user = db.get_or_404<User>(id_in_path(request), "There is no such user.");
    auto post = std::make_shared<Post>();
    post->title = *text_field(body, "title", true);
    post->body = text_field(body, "body", false).value_or("");
    user->posts.push_back(post);
    db.commit();
    reply(response, post_json(*post), 201);
  });

  // GET /posts/3: one post with its author's name (first_or_404 on a statement).
  server.Get(R"(/posts/(\d+))", [&db](const httplib::Request& request, httplib::Response& response) {
    const auto& p = quarry::table<Post>;
    auto post = db.first_or_404(quarry::select<Post>().where(p.id == id_in_path(request)), "There is no such post.");
    nlohmann::json body = post_json(*post);
    body["author"] = post->author->name;
    reply(response, body);
  });

  // GET /posts/search?q=word&page=2: posts whose title or body has the word,
  // paginated without a COUNT (has_next from one row more).
  server.Get("/posts/search", [&db](const httplib::Request& request, httplib::Response& response) {
    const auto& p = quarry::table<Post>;
    std::string q = request.get_param_value("q");
    if (q.empty()) throw http_error(400, "Give the words to look for as ?q=.");
    auto page = db.paginate(quarry::select<Post>().where(p.title.contains(q) || p.body.contains(q)).order_by(p.id),
                            {.max_per_page = 50, .count = false});
    nlohmann::json items = nlohmann::json::array();
    for (const auto& post : page) items.push_back(post_json(*post));
    reply(response, page_json(page, std::move(items)));
  });

  // GET /audit: the audit log's size, from the other database.
  server.Get("/audit", [&db](const httplib::Request&, httplib::Response& response) {
    auto count = db.session("audit").scalar(quarry::select(quarry::func::count()).select_from(quarry::table<AuditEntry>));
    reply(response, {{"entries", count}});
  });

  // GET /queries: what this request ran, as Flask-SQLAlchemy's get_recorded_queries() gives it.
  server.Get("/queries", [&db](const httplib::Request&, httplib::Response& response) {
    db.get_or_404<User>(std::int64_t{1}, "There is no first user.");
    nlohmann::json out = nlohmann::json::array();
    for (const auto& q : db.recorded_queries())
      out.push_back({{"statement", q.statement}, {"parameters", q.parameters},
                     {"duration_ms", static_cast<double>(q.duration.count()) / 1e6}, {"location", q.location}});
    reply(response, out);
  });
}

// Binds the server to a free port of 127.0.0.1 and returns it. cpp-httplib 0.11
// listens with a backlog of 5, which a burst of clients overflows (the kernel
// then resets some of them): the socket listens again with the system's maximum.
// TCP_NODELAY: else a keep-alive client's next response waits for a delayed ACK (40 ms).
inline int bind_loopback(httplib::Server& server) {
  server.set_tcp_nodelay(true);
  auto listening = std::make_shared<int>(-1);
  server.set_socket_options([listening](socket_t sock) {
    httplib::default_socket_options(sock);
    *listening = sock;
  });
  int port = server.bind_to_any_port("127.0.0.1");
  if (port > 0 && *listening >= 0) ::listen(*listening, SOMAXCONN);
  return port;
}

// The options the server runs with: a UNIQUE or foreign-key violation is 409.
inline quarry::ext::server_options server_options(std::function<void(std::string_view)> logger = {}) {
  quarry::ext::server_options options;
  options.debug_queries = true;
  options.errors = {quarry::ext::map_error<quarry::IntegrityError>(409, "That conflicts with what is stored.")};
  options.logger = std::move(logger);
  return options;
}

}  // namespace blog
