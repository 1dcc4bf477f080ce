// Quarry - SQLAlchemy for C++20. MIT License.
// Models and the database fixture the ORM tests share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend.hpp"
#include "database_fixture.hpp"

using namespace quarry;

namespace orm_models {
struct Author {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> bio;
};
QUARRY_MODEL(Author, "orm_author",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::unique),
             QUARRY_COLUMN(bio));

struct Book {
  std::int64_t id{};
  std::int64_t author_id{};
  std::string title;
  std::int32_t pages{};
};
QUARRY_MODEL(Book, "orm_book",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(author_id, quarry::foreign_key(&Author::id)),
             QUARRY_COLUMN(title),
             QUARRY_COLUMN(pages));

// A natural composite key: no autoincrement.
struct Edition {
  std::int64_t book_id{};
  std::int32_t number{};
  std::int32_t year{};
};
QUARRY_MODEL(Edition, "orm_edition",
             QUARRY_COLUMN(book_id, quarry::foreign_key(&Book::id)),
             QUARRY_COLUMN(number),
             QUARRY_COLUMN(year),
             QUARRY_TABLE_ARGS(quarry::primary_key(&Edition::book_id, &Edition::number)));
// A version counter and a column the server fills in.
struct Account {
  std::int64_t id{};
  std::string owner;
  std::int64_t balance{};
  std::int32_t version{};
  std::optional<std::string> status;
};
QUARRY_MODEL(Account, "orm_account",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(owner),
             QUARRY_COLUMN(balance),
             QUARRY_COLUMN(version, quarry::version_id),
             QUARRY_COLUMN(status, quarry::server_default("'open'")));
// A tree: rows that point at rows of their own table.
struct Node {
  std::int64_t id{};
  std::optional<std::int64_t> parent_id;
  std::string name;
};
QUARRY_MODEL(Node, "orm_node",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(parent_id, quarry::foreign_key(&Node::id)),
             QUARRY_COLUMN(name));
}  // namespace orm_models

using namespace orm_models;

namespace orm_test {
struct fixture : database_fixture<Edition, Book, Author, Account, Node> {
  fixture() : database_fixture("orm") {}
};
inline const auto& authors = quarry::table<orm_models::Author>;
inline const auto& books = quarry::table<orm_models::Book>;
inline const auto& accounts = quarry::table<orm_models::Account>;
}  // namespace orm_test
using namespace orm_test;

