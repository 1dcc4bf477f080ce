// Quarry - SQLAlchemy for C++20. MIT License.
// Reflection: a database made by someone else (here, plain DDL), read back with
// the Inspector, turned into runtime Tables by MetaData::reflect and queried
// without a single struct, then handed to the code generator for models.
//   reflection [url]      (default: sqlite:///reflection.db)
#include <quarry/quarry.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/example.hpp"

int main(int argc, char* argv[]) {
  auto engine = quarry::create_engine(example::database_url(argc, argv, "sqlite:///reflection.db"));
  {
    auto conn = engine.connect();
    bool pg = conn.dialect().name() == "postgresql";
    for (auto table : {"rx_track", "rx_album", "rx_artist"})
      conn.exec_driver_sql(std::string("DROP TABLE IF EXISTS ") + table + (pg ? " CASCADE" : ""));
    conn.exec_driver_sql("CREATE TABLE rx_artist (id INTEGER PRIMARY KEY, name VARCHAR(120) NOT NULL UNIQUE)");
    conn.exec_driver_sql("CREATE TABLE rx_album (id INTEGER PRIMARY KEY, title VARCHAR(160) NOT NULL, "
                         "artist_id INTEGER NOT NULL REFERENCES rx_artist (id) ON DELETE CASCADE)");
    conn.exec_driver_sql("CREATE TABLE rx_track (id INTEGER PRIMARY KEY, album_id INTEGER REFERENCES rx_album (id), "
                         "name TEXT NOT NULL, seconds INTEGER NOT NULL CHECK (seconds > 0))");
    conn.exec_driver_sql("CREATE INDEX ix_rx_track_album ON rx_track (album_id)");
    conn.exec_driver_sql("INSERT INTO rx_artist VALUES (1, 'AC/DC'), (2, 'Accept')");
    conn.exec_driver_sql("INSERT INTO rx_album VALUES (1, 'For Those About To Rock', 1), (2, 'Balls to the Wall', 2), "
                         "(3, 'Let There Be Rock', 1)");
    conn.exec_driver_sql("INSERT INTO rx_track VALUES (1, 1, 'For Those About To Rock', 343), (2, 2, 'Balls to the Wall', "
                         "342), (3, 3, 'Go Down', 331), (4, 3, 'Dog Eat Dog', 215)");
    conn.commit();
  }

  // The Inspector: what the catalog says, as typed records.
  auto inspector = quarry::inspect(engine);
  quarry::reflect_options only_ours;
  only_ours.only = {"rx_artist", "rx_album", "rx_track"};
  for (auto& table : inspector.tables(only_ours)) {
    fmt::print("{} (primary key: {})\n", table.name, fmt::join(table.primary_key.columns, ", "));
    for (auto& column : table.columns)
      fmt::print("  {:<10} {:<24} {}{}\n", column.name, column.type.spelling, column.nullable ? "NULL" : "NOT NULL",
                 column.autoincrement ? ", numbered by the database" : "");
    for (auto& fk : table.foreign_keys)
      fmt::print("  foreign key ({}) -> {} ({})\n", fmt::join(fk.columns, ", "), fk.referred_table,
                 fmt::join(fk.referred_columns, ", "));
    for (auto& index : table.indexes) fmt::print("  index {} ({})\n", index.name, fmt::join(index.column_names(), ", "));
    for (auto& check : table.check_constraints) fmt::print("  check {}\n", check.sql);
  }
  auto album_fks = inspector.foreign_keys("rx_album");
  example::expect(album_fks.size() == 1 && album_fks[0].on_delete == quarry::fk_action::cascade, "the album's foreign key");
  example::expect(inspector.has_index("rx_track", "ix_rx_track_album"), "the track index");

  // MetaData::reflect: runtime Tables that Core queries use, with dynamic rows.
  quarry::MetaData metadata;
  metadata.reflect(engine, only_ours);
  auto artist = metadata.table("rx_artist");
  auto album = metadata.table("rx_album");
  auto track = metadata.table("rx_track");
  std::vector<std::string> order;
  for (auto& t : metadata.sorted_tables()) order.push_back(t->name);
  fmt::print("creation order: {}\n", fmt::join(order, ", "));
  example::expect(order == std::vector<std::string>{"rx_artist", "rx_album", "rx_track"}, "foreign-key order");

  auto conn = engine.connect();
  conn.execute(quarry::insert(track).values(track["id"] = 5, track["album_id"] = 2, track["name"] = "Fast as a Shark",
                                            track["seconds"] = 230));
  // No ON clauses: the joins follow the reflected foreign keys.
  auto per_artist = conn.execute(quarry::select(artist["name"], quarry::func::count(track["id"]), quarry::func::sum(track["seconds"]))
                                     .select_from(artist)
                                     .join(album)
                                     .join(track)
                                     .group_by(artist["name"])
                                     .order_by(artist["name"]))
                        .all();
  for (auto& [name, tracks, seconds] : per_artist)
    fmt::print("{:<8} {} tracks, {} s\n", std::get<std::string>(name.data()), tracks,
               std::get<std::int64_t>(seconds.value().data()));
  example::expect(per_artist.size() == 2 && std::get<1>(per_artist[0]) == 3 &&
                      std::get<2>(per_artist[1]) == quarry::value(572),
                  "tracks and seconds per artist");
  auto long_ones = conn.execute(quarry::select(track).where(track["seconds"] > 300).order_by(track["id"])).all();
  example::expect(long_ones.size() == 3 && long_ones[2].get<std::string>("name") == "Go Down", "rows by column name");
  // The CHECK the database holds still guards the reflected table.
  bool refused = false;
  try {
    conn.execute(quarry::insert(track).values(track["id"] = 6, track["name"] = "Silence", track["seconds"] = 0));
  } catch (const quarry::IntegrityError&) {
    refused = true;
  }
  example::expect(refused, "the reflected CHECK constraint");
  conn.rollback();

  // The same schema as C++ models (what quarry-codegen prints).
  quarry::codegen_options options;
  options.include_tables = only_ours.only;
  options.namespace_name = "music";
  auto generated = quarry::generate_models(inspector, options);
  auto start = generated.header.find("QUARRY_MODEL(RxAlbum");
  example::expect(start != std::string::npos, "a model for rx_album");
  fmt::print("{}", generated.header.substr(start, generated.header.find(";\n", start) + 2 - start));
  example::expect(generated.header.find("quarry::many<::music::RxAlbum> rx_albums;") != std::string::npos,
                  "the one-to-many side of the album's foreign key");
}
