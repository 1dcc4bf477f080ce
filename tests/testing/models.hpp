// Quarry - SQLAlchemy for C++20. MIT License.
// Models of the testing helpers' tests: authors and their books.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <quarry/quarry.hpp>

namespace testing_models {

struct Book;

struct Author {
  std::int64_t id{};
  std::string name;
  std::string email;
  bool active = true;
  std::optional<std::string> bio;
  quarry::many<Book> books;
};

struct Book {
  std::int64_t id{};
  std::int64_t author_id{};
  std::string title;
  quarry::one<Author> author;
};

QUARRY_MODEL(Author, "testing_author",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name),
             QUARRY_COLUMN(email, quarry::unique),
             QUARRY_COLUMN(active),
             QUARRY_COLUMN(bio),
             QUARRY_RELATIONSHIP(books, quarry::back_populates("author"), quarry::order_by_column(&Book::id)));
QUARRY_MODEL(Book, "testing_book",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(author_id, quarry::foreign_key(&Author::id)),
             QUARRY_COLUMN(title),
             QUARRY_RELATIONSHIP(author, quarry::back_populates("books")));

}  // namespace testing_models
