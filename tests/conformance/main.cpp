// Quarry - SQLAlchemy for C++20. MIT License.
// The quarry_conformance binary that compare.py runs:
//   quarry_conformance --list
//   quarry_conformance --scenario NAME --url URL
// creates the schema on the (empty) database, runs the scenario, reads every
// cf_ table back on a fresh engine, and prints one JSON document:
// {"steps": [...], "db": {...}} or {"error": "..."}.
#include <algorithm>
#include <cstddef>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <quarry/quarry.hpp>

#include "harness.hpp"
#include "models.hpp"

namespace {

using conformance::json;

// A column value as harness.py writes it: booleans as 0/1, blobs as hex.
json cell(quarry::value_ref v) {
  switch (v.kind()) {
    case quarry::value_kind::null: return nullptr;
    case quarry::value_kind::boolean: return v.as_bool() ? 1 : 0;
    case quarry::value_kind::integer: return v.as_int64();
    case quarry::value_kind::real: return v.as_double();
    case quarry::value_kind::text:
    case quarry::value_kind::decimal: return std::string(v.as_text());
    case quarry::value_kind::blob:
    case quarry::value_kind::uuid: {
      static constexpr char digits[] = "0123456789abcdef";
      std::string hex;
      for (auto b : v.as_blob()) {
        hex += digits[std::to_integer<unsigned>(b) >> 4];
        hex += digits[std::to_integer<unsigned>(b) & 15];
      }
      return hex;
    }
  }
  return nullptr;
}

// Every cf_ table, its columns in declared order, rows sorted.
json dump(const std::string& url) {
  auto engine = quarry::create_engine(url);
  auto conn = engine.connect();
  json out = json::object();
  for (auto& name : cf::table_names) {
    std::vector<json> rows;
    for (auto& row : conn.execute(quarry::text("SELECT * FROM " + name)).all()) {
      json r = json::array();
      for (std::size_t i = 0; i < row.size(); ++i) r.push_back(cell(row.raw(i)));
      rows.push_back(std::move(r));
    }
    std::sort(rows.begin(), rows.end(), [](const json& a, const json& b) { return a.dump() < b.dump(); });
    out[name] = rows;
  }
  return out;
}

json run(const std::string& name, const std::string& url) {
  auto scenario = conformance::registry().at(name);
  json steps;
  {
    auto engine = quarry::create_engine(url);
    cf::create_schema(engine);
    conformance::trace t(engine);
    scenario(t);
    t.recording = false;
    steps = t.steps();
  }
  return {{"steps", std::move(steps)}, {"db", dump(url)}};
}

}  // namespace

int main(int argc, char** argv) {
  std::string scenario, url;
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--list") list = true;
    else if (arg == "--scenario" && i + 1 < argc) scenario = argv[++i];
    else if (arg == "--url" && i + 1 < argc) url = argv[++i];
    else {
      std::cerr << "usage: quarry_conformance --list | --scenario NAME --url URL\n";
      return 2;
    }
  }
  if (list) {
    for (auto& [name, fn] : conformance::registry()) std::cout << name << '\n';
    return 0;
  }
  if (!conformance::registry().contains(scenario)) {
    std::cout << json{{"error", "no scenario named '" + scenario + "'"}}.dump() << '\n';
    return 2;
  }
  try {
    std::cout << run(scenario, url).dump() << '\n';
  } catch (const std::exception& e) {
    std::cout << json{{"error", std::string("uncaught exception: ") + e.what()}}.dump() << '\n';
    return 1;
  }
  return 0;
}
