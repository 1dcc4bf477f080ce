// Quarry - SQLAlchemy for C++20. MIT License.
// The bookshelf's own migration tool: this file, every revision file of
// versions/, and the models' header, compiled into one program.
//
//   migrate upgrade head --url sqlite:///bookshelf.db
//   migrate revision --autogenerate -m "add an isbn"
//   migrate check
#include <quarry/migrate.hpp>

#include "models.hpp"

int main(int argc, char** argv) {
  return quarry::migrate::main(argc, argv, {.url = "sqlite:///bookshelf.db", .versions_directory = "versions"});
}
