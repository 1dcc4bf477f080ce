// Quarry - SQLAlchemy for C++20. MIT License.
// For the code generator's tests: the schemas they generate from (the Chinook
// sample database, loaded on each backend, and a small fixed schema with every
// kind of relationship and odd names), and the comparison with stored files.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <quarry/reflect.hpp>
#include <quarry/reflect/detail/sqlite_ddl.hpp>

#include "backend.hpp"
#include "reflect_support.hpp"
#include "stored_files.hpp"

namespace reflect_test {

using quarry_test::check_against_stored;
using quarry_test::read_file;
using quarry_test::without_first_line;

// An engine whose connections see `schema` first (PostgreSQL), or a copy of a SQLite file.
inline quarry::Engine engine_in_schema(const std::string& schema) {
  std::string url = quarry_test::postgresql_url();
  url += (url.find('?') == std::string::npos ? "?" : "&") + std::string("options=-csearch_path%3D") + schema;
  return quarry::create_engine(url);
}

// The Chinook sample database: a copy of its SQLite file, or its PostgreSQL
// script run into a schema of its own (without the script's CREATE DATABASE).
inline std::string chinook_url() {
  if (quarry_test::is_sqlite()) {
    std::filesystem::copy_file(std::filesystem::path(QUARRY_TEST_DATA_DIR) / "chinook" / "Chinook_Sqlite.sqlite",
                               "chinook.sqlite", std::filesystem::copy_options::overwrite_existing);
    std::filesystem::permissions("chinook.sqlite", std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
    return "sqlite:///chinook.sqlite";
  }
  auto admin = quarry::create_engine(quarry_test::postgresql_url());
  auto conn = admin.connect();
  scratch_schema schema(conn, "chinook_codegen");
  conn.exec_driver_sql("SET search_path TO chinook_codegen");
  std::string script = read_file(std::filesystem::path(QUARRY_TEST_DATA_DIR) / "chinook" / "Chinook_PostgreSql.sql");
  script = script.substr(script.find("\\c chinook;") + std::string("\\c chinook;").size());
  auto tokens = quarry::detail::tokenize_sql(script);
  std::size_t start = 0;
  for (auto& t : tokens)
    if (t.is(';')) {
      conn.exec_driver_sql(script.substr(start, t.begin - start));
      start = t.end;
    }
  conn.commit();
  schema.keep();
  auto url = quarry_test::postgresql_url();
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3Dchinook_codegen";
}

// A small schema with every kind of relationship the generator infers, a
// view, a table without a key, odd names and a type Quarry has no name for.
inline void create_fixed_schema(quarry::Connection& conn) {
  bool pg = quarry_test::is_postgresql();
  std::string serial = pg ? "SERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY";
  if (pg) conn.exec_driver_sql("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
  conn.exec_driver_sql("CREATE TABLE person (id " + serial +
                       ", \"full name\" VARCHAR(80) NOT NULL, \"class\" TEXT, \"caf\xC3\xA9\" TEXT DEFAULT 'noir', "
                       "nick TEXT UNIQUE, " + (pg ? "feeling mood, span interval, " : "span INTERVAL, ") +
                       "CHECK (length(\"full name\") > 0))");
  conn.exec_driver_sql("CREATE TABLE passport (id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL UNIQUE REFERENCES "
                       "person (id) ON DELETE CASCADE, number TEXT NOT NULL)");
  conn.exec_driver_sql("CREATE TABLE follow (follower_id INTEGER NOT NULL REFERENCES person (id), followed_id INTEGER "
                       "NOT NULL REFERENCES person (id), PRIMARY KEY (follower_id, followed_id))");
  conn.exec_driver_sql("CREATE TABLE transfer (id INTEGER PRIMARY KEY, sender_id INTEGER NOT NULL REFERENCES person (id), "
                       "receiver_id INTEGER NOT NULL REFERENCES person (id), amount NUMERIC(12, 2) NOT NULL, note TEXT)");
  conn.exec_driver_sql("CREATE TABLE club (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL)");
  conn.exec_driver_sql("CREATE UNIQUE INDEX ix_club_name ON club (name)");
  conn.exec_driver_sql("CREATE TABLE membership (person_id INTEGER NOT NULL REFERENCES person (id), club_id INTEGER "
                       "NOT NULL REFERENCES club (id), PRIMARY KEY (person_id, club_id))");
  conn.exec_driver_sql("CREATE TABLE category (id " + serial +
                       ", parent_id INTEGER REFERENCES category (id), name TEXT NOT NULL)");
  conn.exec_driver_sql("CREATE TABLE shipment_line (order_no INTEGER NOT NULL, line_no INTEGER NOT NULL, qty INTEGER "
                       "NOT NULL DEFAULT 1, PRIMARY KEY (order_no, line_no))");
  conn.exec_driver_sql("CREATE TABLE shipment_note (id INTEGER PRIMARY KEY, order_no INTEGER NOT NULL, line_no INTEGER "
                       "NOT NULL, body TEXT, FOREIGN KEY (order_no, line_no) REFERENCES shipment_line (order_no, line_no) "
                       "ON DELETE CASCADE)");
  conn.exec_driver_sql("CREATE INDEX ix_note_body ON shipment_note (body) WHERE body IS NOT NULL");
  conn.exec_driver_sql("CREATE INDEX ix_note_lower ON shipment_note (lower(body))");
  conn.exec_driver_sql("CREATE TABLE audit_log (at TEXT NOT NULL, message TEXT)");
  conn.exec_driver_sql("CREATE VIEW club_size AS SELECT club_id, count(*) AS members FROM membership GROUP BY club_id");
}

}  // namespace reflect_test
