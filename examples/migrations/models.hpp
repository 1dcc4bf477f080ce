// Quarry - SQLAlchemy for C++20. MIT License.
// The bookshelf application's models. The revisions in versions/ make these
// tables; BOOKSHELF_V2 is the next version of the models (a book gets an ISBN),
// for which `migrate revision --autogenerate` wrote versions_v2/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <quarry/quarry.hpp>

namespace bookshelf {

struct Author {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> sort_name;
};
QUARRY_MODEL(Author, "author",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(100), quarry::unique),
             QUARRY_COLUMN(sort_name, quarry::length(100)));

struct Book {
  std::int64_t id{};
  std::int64_t author_id{};
  std::string title;
  std::int32_t year{};
#if defined(BOOKSHELF_V2)
  std::optional<std::string> isbn;
#endif
};
#if defined(BOOKSHELF_V2)
#define BOOKSHELF_BOOK_ISBN , QUARRY_COLUMN(isbn, quarry::length(20), quarry::unique)
#else
#define BOOKSHELF_BOOK_ISBN
#endif
QUARRY_MODEL(Book, "book",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(author_id, quarry::foreign_key(&Author::id, quarry::fk_action::cascade)),
             QUARRY_COLUMN(title, quarry::length(200), quarry::index),
             QUARRY_COLUMN(year, quarry::server_default("2000"), quarry::check("year > 0"))
             BOOKSHELF_BOOK_ISBN);

}  // namespace bookshelf
