// Quarry - SQLAlchemy for C++20. MIT License.
// The code generator: names made valid C++, the header for a fixed schema and
// for the Chinook sample database compared with stored files, and those stored
// headers, compiled into this test, queried and written through on both backends.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <quarry/reflect.hpp>
#include <quarry/reflect/detail/cpp_names.hpp>

#include "backend.hpp"
#include "codegen_support.hpp"
#include "expected/chinook_postgresql.hpp"
#include "expected/chinook_sqlite.hpp"

TEST_CASE("generated names are valid C++ that says where they came from", "[codegen]") {
  using namespace quarry::detail;
  CHECK(snake_case("AlbumId") == "album_id");
  CHECK(snake_case("HTTPCode") == "http_code");
  CHECK(snake_case("unit price") == "unit_price");
  CHECK(snake_case("class") == "class_");
  CHECK(pascal_case("invoice_line") == "InvoiceLine");
  CHECK(pascal_case("Album") == "Album");
  CHECK(pascal_case("2fa codes") == "T2faCodes");
  CHECK(cpp_identifier("we\"ird na\xC3\xA9me") == "we_ird_na_me");
  CHECK(cpp_identifier("9lives") == "c_9lives");
  CHECK(cpp_identifier("__x__") == "x");
  CHECK(cpp_identifier("") == "unnamed");
  CHECK(cpp_identifier("delete") == "delete_");
  CHECK(plural("category") == "categories");
  CHECK(plural("address") == "addresses");
  CHECK(plural("day") == "days");
  CHECK(cpp_string_literal("it's \"q\"\\\n\x01") == "\"it's \\\"q\\\"\\\\\\n\\001\"");
}

namespace {

// The same query code runs over the models generated from either backend: the
// structs and members come out the same, only the table and column names differ.
template <class N>
void query_chinook(quarry::Engine& engine) {
  using Album = typename N::Album;
  using Artist = typename N::Artist;
  auto conn = engine.connect();
  const auto& album = quarry::table<Album>;
  const auto& artist = quarry::table<Artist>;
  CHECK(conn.execute(quarry::select(quarry::func::count()).select_from(album)).scalar() == 347);
  CHECK(conn.execute(quarry::select(quarry::func::count()).select_from(quarry::table<typename N::Track>)).scalar() == 3503);
  auto top = conn.execute(quarry::select(artist.name, quarry::func::count(album.album_id))
                              .select_from(artist)
                              .join(album)
                              .group_by(artist.name)
                              .order_by(quarry::func::count(album.album_id).desc(), artist.name)
                              .limit(2))
                 .all();
  REQUIRE(top.size() == 2);
  CHECK(std::get<0>(top[0]) == "Iron Maiden");
  CHECK(std::get<1>(top[0]) == 21);
  CHECK(std::get<0>(top[1]) == "Led Zeppelin");

  quarry::Session session(engine);
  auto invoice = session.get<typename N::Invoice>(1);
  REQUIRE(invoice);
  CHECK(invoice->total == Approx(1.98));
  CHECK(invoice->invoice_lines.size() == 2);
  CHECK(invoice->customer->first_name == "Leonie");
  auto playlist = session.get<typename N::Playlist>(1);
  CHECK(playlist->name == "Music");
  CHECK(playlist->tracks.size() == 3290);  // many-to-many through playlist_track
  auto nancy = session.get<typename N::Employee>(2);
  CHECK(nancy->first_name == "Nancy");
  CHECK(nancy->parent_employee->first_name == "Andrew");  // self-referential
  CHECK(nancy->child_employees.size() == 3);
  CHECK(invoice->customer->support_rep->last_name.size() > 0);

  // A write through the generated models, then its removal.
  auto band = std::make_shared<Artist>();
  band->artist_id = 9001;
  band->name = "Quarry Quartet";
  auto record = std::make_shared<Album>();
  record->album_id = 9001;
  record->title = "Live at the Catalog";
  band->albums.push_back(record);
  session.add(band);
  session.commit();
  CHECK(conn.execute(quarry::select(album.title).where(album.artist_id == 9001)).scalars() ==
        std::vector<std::string>{"Live at the Catalog"});
  session.delete_(record);
  session.delete_(band);
  session.commit();
  CHECK(conn.execute(quarry::select(quarry::func::count()).select_from(album)).scalar() == 347);
}

struct chinook_sqlite_models {
  using Album = chinook_sqlite::Album;
  using Artist = chinook_sqlite::Artist;
  using Track = chinook_sqlite::Track;
  using Invoice = chinook_sqlite::Invoice;
  using Playlist = chinook_sqlite::Playlist;
  using Employee = chinook_sqlite::Employee;
};
struct chinook_postgresql_models {
  using Album = chinook_postgresql::Album;
  using Artist = chinook_postgresql::Artist;
  using Track = chinook_postgresql::Track;
  using Invoice = chinook_postgresql::Invoice;
  using Playlist = chinook_postgresql::Playlist;
  using Employee = chinook_postgresql::Employee;
};

}  // namespace

TEST_CASE("quarry-codegen writes Chinook's models; compiled, they query and write the database", "[codegen]") {
  auto url = reflect_test::chinook_url();
  std::string name = "chinook_" + quarry_test::backend();
  std::string command = std::string("'") + QUARRY_CODEGEN_PATH + "' '" + url + "' --snake-case --namespace " + name +
                        " --output generated.hpp 2> notes.txt";
  REQUIRE(std::system(command.c_str()) == 0);
  auto generated = reflect_test::read_file("generated.hpp");
  reflect_test::check_against_stored(generated, name + ".hpp");
  auto notes = reflect_test::read_file("notes.txt");
  CHECK(notes.find("playlist") == std::string::npos);  // every table has a key; nothing left out

  // The library gives what the program gives.
  auto engine = quarry::create_engine(url);
  quarry::codegen_options options;
  options.snake_case = true;
  options.namespace_name = name;
  CHECK(reflect_test::without_first_line(quarry::generate_models(quarry::inspect(engine), options).header) ==
        reflect_test::without_first_line(generated));

  if (quarry_test::is_sqlite()) query_chinook<chinook_sqlite_models>(engine);
  else query_chinook<chinook_postgresql_models>(engine);
}

TEST_CASE("quarry-codegen refuses bad arguments and unreachable databases with a message", "[codegen]") {
  auto run = [](const std::string& args) {
    return std::system((std::string("'") + QUARRY_CODEGEN_PATH + "' " + args + " > out.txt 2> err.txt").c_str());
  };
  CHECK(run("") != 0);
  CHECK(reflect_test::read_file("err.txt").find("usage: quarry-codegen URL") != std::string::npos);
  CHECK(run("sqlite:///x.db --type nonsense") != 0);
  CHECK(reflect_test::read_file("err.txt").find("KEY=TYPE") != std::string::npos);
  CHECK(run("sqlite:///x.db --frobnicate") != 0);
  CHECK(run(quarry_test::is_postgresql() ? "'postgresql://nobody:secret@127.0.0.1:1/none'" : "'sqlite:///no/such/dir/x.db'") == 256);
  auto error = reflect_test::read_file("err.txt");
  CHECK(error.find("quarry-codegen: ") == 0);
  CHECK(error.find("secret") == std::string::npos);  // no password in a message
  CHECK(run("--help") == 0);
}
