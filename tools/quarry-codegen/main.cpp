// Quarry - SQLAlchemy for C++20. MIT License.
// quarry-codegen: reads a live database's schema and writes a header of plain
// structs with QUARRY_MODEL declarations (what sqlacodegen does for SQLAlchemy).
//   quarry-codegen URL [options] > models.hpp
#include <quarry/quarry.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view usage = R"(usage: quarry-codegen URL [options]
Reads the schema of the database at URL (sqlite:///file.db, postgresql://user:pw@host/db)
and writes a C++ header of models: structs with QUARRY_MODEL, relationships inferred
from the foreign keys, views as read-only models, tables without a primary key as
runtime quarry::Table functions. What cannot be expressed is reported on stderr.

options:
  --output FILE          write the header to FILE (default: standard output)
  --schema NAME          the schema to read (default: the connection's own)
  --namespace NAME       the C++ namespace of the models (default: models; "" for none)
  --tables A,B,...       only these tables (and views)
  --exclude A,B,...      leave these out
  --type KEY=TYPE        a member's C++ type, by table.column or by the database's
                         type name in lower case (numeric, numeric(10,2), interval);
                         may be repeated
  --snake-case           members in snake_case (AlbumId -> album_id)
  --no-views             leave views out
  --no-relationships     declare no relationships
  --help                 this text
)";

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::string item;
  for (char c : text) {
    if (c == ',') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << usage;
    return 2;
  }
  quarry::codegen_options options;
  std::string url;
  std::string output;
  std::string schema;
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto arg = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw std::invalid_argument(std::string(arg) + " needs a value");
      return std::string(args[++i]);
    };
    try {
      if (arg == "--help" || arg == "-h") {
        std::cout << usage;
        return 0;
      } else if (arg == "--output" || arg == "-o") {
        output = value();
      } else if (arg == "--schema") {
        schema = value();
      } else if (arg == "--namespace") {
        options.namespace_name = value();
      } else if (arg == "--tables") {
        options.include_tables = split_list(value());
      } else if (arg == "--exclude") {
        options.exclude_tables = split_list(value());
      } else if (arg == "--type") {
        auto mapping = value();
        auto equals = mapping.find('=');
        if (equals == std::string::npos || equals == 0 || equals + 1 == mapping.size())
          throw std::invalid_argument("--type takes KEY=TYPE, not '" + mapping + "'");
        options.type_overrides[mapping.substr(0, equals)] = mapping.substr(equals + 1);
      } else if (arg == "--snake-case") {
        options.snake_case = true;
      } else if (arg == "--no-views") {
        options.views = false;
      } else if (arg == "--no-relationships") {
        options.relationships = false;
      } else if (!arg.empty() && arg[0] == '-') {
        throw std::invalid_argument("unknown option " + std::string(arg));
      } else if (url.empty()) {
        url = arg;
      } else {
        throw std::invalid_argument("one URL only; '" + std::string(arg) + "' is a second one");
      }
    } catch (const std::invalid_argument& e) {
      std::cerr << "quarry-codegen: " << e.what() << "\n\n" << usage;
      return 2;
    }
  }
  if (url.empty()) {
    std::cerr << "quarry-codegen: no database URL\n\n" << usage;
    return 2;
  }
  try {
    auto engine = quarry::create_engine(url);
    options.source = engine.url().render();
    auto generated = quarry::generate_models(quarry::inspect(engine), options, schema);
    for (auto& note : generated.notes) std::cerr << "quarry-codegen: note: " << note << "\n";
    if (output.empty()) {
      std::cout << generated.header;
    } else {
      std::ofstream file(output, std::ios::binary);
      file << generated.header;
      if (!file.flush()) {
        std::cerr << "quarry-codegen: cannot write " << output << "\n";
        return 1;
      }
    }
  } catch (const quarry::Error& e) {
    std::cerr << "quarry-codegen: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
