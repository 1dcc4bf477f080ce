// Quarry - SQLAlchemy for C++20. MIT License.
// The code generator on a small fixed schema with every kind of relationship
// it infers: the header compared with a stored file, and that stored header,
// compiled into this test, used through the ORM on the backend it came from.
#include <catch2/catch.hpp>

#include <memory>
#include <tuple>
#include <type_traits>
#include <vector>
#include <string>

#include <quarry/reflect.hpp>

#include "backend.hpp"
#include "codegen_support.hpp"
#include "expected/fixed_postgresql.hpp"
#include "expected/fixed_sqlite.hpp"

TEST_CASE("the generated header for a fixed schema is the stored one", "[codegen]") {
  auto admin = quarry_test::make_engine({}, "codegen_fixed");
  auto conn = admin.connect();
  reflect_test::scratch_schema schema(conn, "codegen_fixed");
  if (quarry_test::is_postgresql()) conn.exec_driver_sql("SET search_path TO codegen_fixed");
  reflect_test::create_fixed_schema(conn);
  conn.commit();
  quarry::codegen_options options;
  options.namespace_name = "fixed_" + quarry_test::backend();
  auto generated = quarry::generate_models(quarry::inspect(conn), options);
  reflect_test::check_against_stored(generated.header, "fixed_" + quarry_test::backend() + ".hpp");
  auto noted = [&](const std::string& text) {
    for (auto& note : generated.notes)
      if (note.find(text) != std::string::npos) return true;
    return false;
  };
  CHECK(noted("audit_log has no primary key"));
  CHECK(noted("ix_note_lower is on expressions"));
  if (quarry_test::is_postgresql()) CHECK(noted("Quarry has no type for 'interval'"));
  if (quarry_test::is_postgresql()) conn.exec_driver_sql("SET search_path TO public");
}

namespace {

// A count from a view: typeless on SQLite (quarry::value), BIGINT on PostgreSQL.
template <class T>
bool holds_two(const T& count) {
  if constexpr (std::is_same_v<T, quarry::value>) return count == quarry::value(2);
  else return count == 2;
}

// Every kind of inferred relationship, written and read back through the ORM.
template <class N>
void use_fixed_models(quarry::Engine& engine) {
  using Person = typename N::Person;
  {
    quarry::Session session(engine);
    auto ada = std::make_shared<Person>();
    ada->id = 1;
    ada->full_name = "Ada";
    ada->class_ = "first";
    auto bob = std::make_shared<Person>();
    bob->id = 2;
    bob->full_name = "Bob";
    ada->persons.push_back(bob);  // ada follows bob: many-to-many of a table with itself
    auto passport = std::make_shared<typename N::Passport>();
    passport->id = 10;
    passport->number = "P-1";
    ada->passport = passport;  // one-to-one
    auto transfer = std::make_shared<typename N::Transfer>();
    transfer->id = 20;
    transfer->amount = 12.5;
    transfer->sender = ada;  // two foreign keys to the same table
    transfer->receiver = bob;
    auto club = std::make_shared<typename N::Club>();
    club->id = 30;
    club->name = "chess";
    club->persons.push_back(ada);  // many-to-many
    club->persons.push_back(bob);
    auto root = std::make_shared<typename N::Category>();
    root->id = 40;
    root->name = "root";
    auto leaf = std::make_shared<typename N::Category>();
    leaf->id = 41;
    leaf->name = "leaf";
    root->child_categories.push_back(leaf);  // self-referential
    auto line = std::make_shared<typename N::ShipmentLine>();
    line->order_no = 7;
    line->line_no = 1;
    line->qty = 3;
    auto note = std::make_shared<typename N::ShipmentNote>();
    note->id = 50;
    note->body = "fragile";
    line->shipment_notes.push_back(note);  // a composite foreign key
    session.add(ada);
    session.add(transfer);
    session.add(club);
    session.add(root);
    session.add(line);
    session.commit();
  }
  quarry::Session session(engine);
  auto ada = session.template get<Person>(1);
  REQUIRE(ada);
  CHECK(ada->caf == "noir");  // the server default
  REQUIRE(ada->persons.size() == 1);
  CHECK(ada->persons[0]->full_name == "Bob");
  CHECK(ada->persons[0]->persons_reverse.size() == 1);
  CHECK(ada->passport->number == "P-1");
  CHECK(ada->transfers_by_sender.size() == 1);
  CHECK(ada->transfers_by_receiver.empty());
  CHECK(ada->transfers_by_sender[0]->receiver->full_name == "Bob");
  CHECK(ada->clubs.size() == 1);
  CHECK(ada->clubs[0]->persons.size() == 2);
  auto leaf = session.template get<typename N::Category>(41);
  CHECK(leaf->parent->name == "root");
  auto line = session.template get<typename N::ShipmentLine>(7, 1);
  REQUIRE(line);
  CHECK(line->shipment_notes.size() == 1);

  // The view reads through its model; the table without a key through its runtime Table.
  auto conn = engine.connect();
  auto sizes = conn.execute(quarry::select<typename N::ClubSize>()).all();
  REQUIRE(sizes.size() == 1);
  CHECK(holds_two(sizes[0].members));
  auto log = N::audit_log_table();
  conn.execute(quarry::insert(log).values(log["at"] = "today", log["message"] = "hello"));
  CHECK(conn.execute(quarry::select(log["message"])).scalars() == std::vector<quarry::value>{quarry::value("hello")});
  conn.commit();
}

struct fixed_sqlite_models {
  using Person = fixed_sqlite::Person;
  using Passport = fixed_sqlite::Passport;
  using Transfer = fixed_sqlite::Transfer;
  using Club = fixed_sqlite::Club;
  using Category = fixed_sqlite::Category;
  using ShipmentLine = fixed_sqlite::ShipmentLine;
  using ShipmentNote = fixed_sqlite::ShipmentNote;
  using ClubSize = fixed_sqlite::ClubSize;
  static quarry::Table audit_log_table() { return fixed_sqlite::audit_log_table(); }
};
struct fixed_postgresql_models {
  using Person = fixed_postgresql::Person;
  using Passport = fixed_postgresql::Passport;
  using Transfer = fixed_postgresql::Transfer;
  using Club = fixed_postgresql::Club;
  using Category = fixed_postgresql::Category;
  using ShipmentLine = fixed_postgresql::ShipmentLine;
  using ShipmentNote = fixed_postgresql::ShipmentNote;
  using ClubSize = fixed_postgresql::ClubSize;
  static quarry::Table audit_log_table() { return fixed_postgresql::audit_log_table(); }
};

}  // namespace

TEST_CASE("the stored fixed models, compiled, work through the ORM: every inferred relationship", "[codegen]") {
  auto admin = quarry_test::make_engine({}, "codegen_fixed_use");
  auto conn = admin.connect();
  reflect_test::scratch_schema schema(conn, "codegen_fixed_use");
  if (quarry_test::is_postgresql()) conn.exec_driver_sql("SET search_path TO codegen_fixed_use");
  reflect_test::create_fixed_schema(conn);
  conn.commit();
  if (quarry_test::is_postgresql()) {
    conn.exec_driver_sql("SET search_path TO public");
    auto engine = reflect_test::engine_in_schema("codegen_fixed_use");
    use_fixed_models<fixed_postgresql_models>(engine);
  } else {
    use_fixed_models<fixed_sqlite_models>(admin);
  }
  // What the ORM wrote through the generated models is in the tables.
  std::string follow = quarry_test::is_postgresql() ? "codegen_fixed_use.follow" : "follow";
  CHECK(conn.exec_driver_sql("SELECT follower_id * 10 + followed_id FROM " + follow).scalars<std::int64_t>() ==
        std::vector<std::int64_t>{12});
}

TEST_CASE("codegen options: tables left out or chosen, C++ types by column or by database type, snake_case", "[codegen]") {
  auto admin = quarry_test::make_engine({}, "codegen_options");
  auto conn = admin.connect();
  reflect_test::scratch_schema schema(conn, "codegen_options");
  if (quarry_test::is_postgresql()) conn.exec_driver_sql("SET search_path TO codegen_options");
  reflect_test::create_fixed_schema(conn);
  conn.commit();
  auto inspector = quarry::inspect(conn);

  quarry::codegen_options options;
  options.exclude_tables = {"audit_log", "club_size"};
  options.type_overrides = {{"transfer.amount", "std::string"}, {"text", "std::u8string"}};
  auto header = quarry::generate_models(inspector, options).header;
  CHECK(header.find("audit_log") == std::string::npos);
  CHECK(header.find("ClubSize") == std::string::npos);
  CHECK(header.find("  std::string amount;") != std::string::npos);  // by table.column
  CHECK(header.find(std::string("QUARRY_COLUMN(amount, quarry::db_type(\"") +
                    (quarry_test::is_postgresql() ? "numeric(12,2)" : "NUMERIC(12, 2)") + "\"))") != std::string::npos);
  CHECK(header.find("  std::u8string number;") != std::string::npos);  // by the database's type name
  CHECK(header.find("namespace models {") != std::string::npos);

  options = {};
  options.include_tables = {"person", "passport"};
  options.namespace_name = "";
  options.relationships = false;
  options.snake_case = true;
  header = quarry::generate_models(inspector, options).header;
  CHECK(header.find("struct Passport {") != std::string::npos);
  CHECK(header.find("struct Club") == std::string::npos);
  CHECK(header.find("quarry::one<") == std::string::npos);
  CHECK(header.find("namespace") == std::string::npos);
  CHECK(header.find("QUARRY_COLUMN(full_name, quarry::name(\"full name\")") != std::string::npos);
  if (quarry_test::is_postgresql()) conn.exec_driver_sql("SET search_path TO public");
}
