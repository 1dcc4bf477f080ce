// Quarry - SQLAlchemy for C++20. MIT License.
// Generated text compared with a file stored in the test's QUARRY_EXPECTED_DIR.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace quarry_test {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// The text without its first line, which may name where it came from.
inline std::string without_first_line(const std::string& text) {
  auto newline = text.find('\n');
  return newline == std::string::npos ? std::string() : text.substr(newline + 1);
}

// Compares generated text with the stored file QUARRY_EXPECTED_DIR/NAME;
// QUARRY_UPDATE_EXPECTED=1 stores the new text instead, for a deliberate change.
inline void check_against_stored(const std::string& generated, const std::string& name) {
  std::filesystem::path stored = std::filesystem::path(QUARRY_EXPECTED_DIR) / name;
  if (std::getenv("QUARRY_UPDATE_EXPECTED")) {
    std::ofstream(stored, std::ios::binary) << generated;
    WARN("stored " << stored.string());
  }
  INFO("generated text differs from " << stored.string()
                                      << "; if the change is meant, run the test with QUARRY_UPDATE_EXPECTED=1 and review the diff");
  CHECK(without_first_line(generated) == without_first_line(read_file(stored)));
}

}  // namespace quarry_test
