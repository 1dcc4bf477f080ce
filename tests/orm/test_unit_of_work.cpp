// Quarry - SQLAlchemy for C++20. MIT License.
// The unit of work's batches and version counter, the legacy Query,
// ORM-enabled UPDATE and DELETE, mapper events, and session transactions,
// against the real databases, with the statements counted.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "orm_fixture.hpp"

namespace {
// An author with `n` books, committed.
std::vector<std::shared_ptr<Book>> author_with_books(Session& session, int n, std::string name = "Le Guin") {
  auto author = session.add(Author{0, std::move(name), std::nullopt});
  session.flush();
  std::vector<std::shared_ptr<Book>> out;
  for (int i = 0; i < n; ++i) out.push_back(session.add(Book{0, author->id, "Book " + std::to_string(i), 100 + i}));
  session.commit();
  return out;
}
}  // namespace

TEST_CASE("the flush batches rows of a table: one executemany per statement shape", "[orm][batch]") {
  fixture f;
  Session session(f.engine);
  auto added = author_with_books(session, 25);
  CHECK(f.count_sql("INSERT INTO orm_book") == 1);  // one executemany for 25 rows
  CHECK(f.rows(books) == 25);
  for (std::size_t i = 0; i < added.size(); ++i) CHECK(added[i]->id == static_cast<std::int64_t>(i + 1));
  for (auto& b : added) b->pages += 1;
  added[0]->title = "Renamed";  // another column set: a second UPDATE statement
  session.commit();
  CHECK(f.count_sql("UPDATE orm_book") == 2);
  CHECK(f.engine.connect().execute(select(func::sum(books.pages))).scalar() == 25 * 101 + 300);
  for (auto& b : added) session.delete_(b);
  session.commit();
  CHECK(f.count_sql("DELETE FROM orm_book") == 1);
  CHECK(f.rows(books) == 0);
}

TEST_CASE("the flush sends new rows as Core's executemany() does: COPY for many on PostgreSQL", "[orm][batch]") {
  fixture f;
  Session session(f.engine);
  auto book = author_with_books(session, 1).front();
  f.statements.clear();
  std::vector<std::shared_ptr<Edition>> editions;
  for (std::int32_t n = 1; n <= 40; ++n) editions.push_back(session.add(Edition{book->id, n, 1960 + n}));
  session.commit();
  // Natural keys: nothing comes back, so the rows go the way executemany() sends them.
  if (quarry_test::is_postgresql()) {
    CHECK(f.count_sql("COPY orm_edition (book_id, number, year) FROM STDIN") == 1);
    CHECK(f.count_sql("INSERT INTO orm_edition") == 0);
  } else {
    CHECK(f.count_sql("INSERT INTO orm_edition") == 1);
  }
  const auto& e = table<Edition>;
  auto conn = f.engine.connect();
  CHECK(conn.execute(select(func::count(e.number))).scalar() == 40);
  CHECK(conn.execute(select(func::sum(e.year))).scalar() == 40 * 1960 + 40 * 41 / 2);
  // The objects are persistent: get() finds them in the identity map, without SQL.
  f.statements.clear();
  CHECK(session.get<Edition>(book->id, std::int32_t{7}) == editions[6]);
  CHECK(session.get<Edition>(book->id, std::int32_t{7})->year == 1967);
  CHECK(f.count_sql("SELECT") == 1);  // expired at commit: read once, then from the map
  // A duplicate among many loses the whole flush, on both paths.
  for (std::int32_t n = 41; n <= 80; ++n) session.add(Edition{book->id, n == 80 ? 1 : n, 2000});
  CHECK_THROWS_AS(session.commit(), IntegrityError);
  session.rollback();
  CHECK(conn.execute(select(func::count(e.number))).scalar() == 40);
}

namespace uow_models {
// A key the database numbers and refuses to be given (GENERATED ALWAYS on
// PostgreSQL): its new rows cannot go as COPY with keys taken ahead.
struct Ticket {
  std::int64_t id{};
  std::string label;
};
QUARRY_MODEL(Ticket, "orm_ticket", QUARRY_COLUMN(id, quarry::primary_key), QUARRY_COLUMN(label));
}  // namespace uow_models

TEST_CASE("many new objects numbered by the database: keys taken ahead, then one COPY on PostgreSQL", "[orm][batch]") {
  fixture f;
  Session session(f.engine);
  auto first = author_with_books(session, 1).front();
  auto author_id = first->author_id;
  f.statements.clear();
  std::vector<std::shared_ptr<Book>> added;
  for (int i = 0; i < 40; ++i) added.push_back(session.add(Book{0, author_id, "Volume " + std::to_string(i), i}));
  session.commit();
  if (quarry_test::is_postgresql()) {
    CHECK(f.count_sql("SELECT nextval(") == 1);
    CHECK(f.count_sql("COPY orm_book (id, author_id, title, pages) FROM STDIN") == 1);
    CHECK(f.count_sql("INSERT INTO orm_book") == 0);
  } else {
    CHECK(f.count_sql("INSERT INTO orm_book") == 1);
  }
  // Numbered in the order they were added, as RETURNING would have given them.
  for (std::size_t i = 0; i < added.size(); ++i) CHECK(added[i]->id == first->id + 1 + static_cast<std::int64_t>(i));
  auto conn = f.engine.connect();
  CHECK(conn.execute(select(books.title).where(books.id == added[7]->id)).scalar() == "Volume 7");
  CHECK(f.rows(books) == 41);
  // The identity map knows them by their keys: no SQL.
  f.statements.clear();
  CHECK(session.get<Book>(added[12]->id) == added[12]);
  CHECK(f.count_sql("SELECT") == 1);  // expired at commit: read once

  // One bad row loses the whole flush, and no object keeps a key the database did not keep.
  std::vector<std::shared_ptr<Book>> failing;
  for (int i = 0; i < 40; ++i) failing.push_back(session.add(Book{0, i == 39 ? 999 : author_id, "Bad " + std::to_string(i), i}));
  CHECK_THROWS_AS(session.commit(), IntegrityError);
  if (quarry_test::is_postgresql())
    for (auto& b : failing) CHECK(b->id == 0);
  session.rollback();
  CHECK(f.rows(books) == 41);
}

// Creates orm_ticket with `ddl`, runs `check`, and drops it.
template <class Check>
void with_ticket_table(fixture& f, const char* ddl, Check check) {
  {
    auto conn = f.engine.connect();
    conn.exec_driver_sql("DROP TABLE IF EXISTS orm_ticket");
    conn.exec_driver_sql(ddl);
    conn.commit();
  }
  check();
  auto conn = f.engine.connect();
  conn.exec_driver_sql("DROP TABLE orm_ticket");
  if (quarry_test::is_postgresql()) conn.exec_driver_sql("DROP FUNCTION IF EXISTS orm_ticket_renumber()");
  conn.commit();
}

TEST_CASE("keys an INSERT must number itself are read back through RETURNING, never taken ahead", "[orm][batch]") {
  fixture f;
  using uow_models::Ticket;
  auto add_and_commit = [&](std::int64_t first_key) {
    f.statements.clear();
    Session session(f.engine);
    std::vector<std::shared_ptr<Ticket>> added;
    for (int i = 0; i < 35; ++i) added.push_back(session.add(Ticket{0, "ticket " + std::to_string(i)}));
    session.commit();
    CHECK(f.count_sql("COPY") == 0);
    CHECK(f.count_sql("INSERT INTO orm_ticket") == 1);
    for (std::size_t i = 0; i < added.size(); ++i) CHECK(added[i]->id == first_key + static_cast<std::int64_t>(i));
    CHECK(f.rows(table<Ticket>) == 35);
    auto conn = f.engine.connect();
    CHECK(conn.execute(select(table<Ticket>.label).where(table<Ticket>.id == first_key + 3)).scalar() == "ticket 3");
  };
  if (!quarry_test::is_postgresql()) {
    with_ticket_table(f, "CREATE TABLE orm_ticket (id INTEGER PRIMARY KEY, label TEXT NOT NULL)", [&] { add_and_commit(1); });
    return;
  }
  // GENERATED ALWAYS refuses a given key.
  with_ticket_table(f, "CREATE TABLE orm_ticket (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, label TEXT NOT NULL)",
                    [&] { add_and_commit(1); });
  // A trigger may set the key itself: the objects get what the row holds.
  with_ticket_table(f, "CREATE TABLE orm_ticket (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, label TEXT NOT NULL)", [&] {
    auto conn = f.engine.connect();
    conn.exec_driver_sql("CREATE FUNCTION orm_ticket_renumber() RETURNS trigger LANGUAGE plpgsql AS "
                         "$$ BEGIN NEW.id := NEW.id + 1000; RETURN NEW; END $$");
    conn.exec_driver_sql("CREATE TRIGGER renumber BEFORE INSERT ON orm_ticket FOR EACH ROW EXECUTE FUNCTION orm_ticket_renumber()");
    conn.commit();
    add_and_commit(1001);
  });
}

TEST_CASE("self-referential rows: parents inserted first, children deleted first", "[orm][batch]") {
  fixture f;
  Session session(f.engine);
  auto leaf = session.add(Node{3, 2, "leaf"});
  auto branch = session.add(Node{2, 1, "branch"});
  auto root = session.add(Node{1, std::nullopt, "root"});
  session.commit();
  CHECK(f.rows(table<Node>) == 3);
  session.delete_(root);
  session.delete_(branch);
  session.delete_(leaf);
  session.commit();
  CHECK(f.rows(table<Node>) == 0);
}

TEST_CASE("server defaults and version counters are read back and checked", "[orm][version]") {
  fixture f;
  Session session(f.engine);
  auto account = session.add(Account{0, "sandy", 100, 0, std::nullopt});
  session.flush();
  CHECK(account->id == 1);
  CHECK(account->status == "open");  // the server default, through RETURNING
  CHECK(account->version == 1);
  account->balance = 150;
  session.commit();
  CHECK(account->version == 2);
  CHECK(f.engine.connect().execute(select(accounts.version, accounts.balance)).one() ==
        std::tuple<std::int32_t, std::int64_t>{2, 150});

  // Someone else changes the row: the session's UPDATE finds the version moved on.
  auto stale = session.get<Account>(1);
  session.commit();  // the read transaction ends, so the other connection may write
  {
    auto other = f.engine.connect();
    other.execute(update(accounts).values(accounts.version = 3, accounts.balance = 0));
    other.commit();
  }
  stale->balance = 175;
  CHECK_THROWS_AS(session.flush(), StaleDataError);
  CHECK_THROWS_AS(session.get<Account>(1), PendingRollbackError);
  session.rollback();
  CHECK(session.get<Account>(1)->balance == 0);  // read again after the rollback
}

TEST_CASE("the legacy Query API", "[orm][query]") {
  fixture f;
  Session session(f.engine);
  auto le_guin = session.add(Author{0, "Le Guin", std::string("Earthsea")});
  auto herbert = session.add(Author{0, "Herbert", std::nullopt});
  session.flush();
  session.add(Book{0, le_guin->id, "A Wizard of Earthsea", 183});
  session.add(Book{0, le_guin->id, "The Dispossessed", 387});
  session.add(Book{0, herbert->id, "Dune", 412});
  session.commit();

  auto by_name = session.query<Author>().order_by(authors.name).all();
  REQUIRE(by_name.size() == 2);
  CHECK(by_name[0] == herbert);  // the session's objects
  CHECK(session.query<Author>().filter_by(&Author::name, "Le Guin").one() == le_guin);
  CHECK(session.query<Author>().filter(authors.name == "Nobody").first() == nullptr);
  CHECK_THROWS_AS(session.query<Author>().filter(authors.name == "Nobody").one(), NoResultFound);
  CHECK_THROWS_AS(session.query<Author>().one_or_none(), MultipleResultsFound);
  CHECK(session.query<Book>().count() == 3);
  CHECK(session.query<Book>().filter(books.pages > 400).count() == 1);
  CHECK(session.query<Book>().filter(books.pages > 1000).exists() == false);
  CHECK(session.query<Author>().get(herbert->id) == herbert);
  auto long_books = session.query<Book>().join(authors).filter(authors.name == "Le Guin" && books.pages > 200).all();
  REQUIRE(long_books.size() == 1);
  CHECK(long_books[0]->title == "The Dispossessed");
  CHECK(session.query<Book>().order_by(books.id).offset(1).limit(1).one()->title == "The Dispossessed");

  auto per_author = session.query(authors.name, func::count(books.id))
                        .join(books)
                        .group_by(authors.name)
                        .having(func::count(books.id) > 1)
                        .all();
  CHECK(per_author == std::vector<std::tuple<std::string, std::int64_t>>{{"Le Guin", 2}});
  CHECK(session.query(books.author_id).distinct().order_by(books.author_id).all().size() == 2);

  auto pages = session.query<Book>().subquery("b");
  CHECK(session.scalar(select(func::max(pages.column<std::int32_t>("pages")))) == 412);

  CHECK(session.query<Book>().filter(books.author_id == le_guin->id).update(books.pages = 1) == 2);
  CHECK(session.query<Book>().filter(books.pages == 1).count() == 2);
  CHECK(session.query<Book>().filter(books.title == "Dune").delete_() == 1);
  CHECK(session.query<Book>().count() == 2);
}

TEST_CASE("ORM-enabled UPDATE and DELETE keep the session's objects in line", "[orm][dml]") {
  fixture f;
  Session session(f.engine);
  auto added = author_with_books(session, 3);
  auto loaded = session.query<Book>().order_by(books.id).all();  // after the commit: read again
  REQUIRE(loaded.size() == 3);

  // evaluate: the WHERE and the values evaluated on the objects, no extra SQL.
  f.statements.clear();
  CHECK(session.execute(update(books).where(books.pages >= 101).values(books.title = "Long"),
                        synchronize_session::evaluate) == 2);
  CHECK(f.statements.size() == 1);
  CHECK(loaded[0]->title == "Book 0");
  CHECK(loaded[1]->title == "Long");
  CHECK(loaded[2]->title == "Long");
  CHECK_FALSE(session.is_modified(loaded[1]));

  // An expression of a column cannot be evaluated in C++: evaluate says so, auto fetches.
  CHECK_THROWS_AS(session.execute(update(books).values(books.pages = books.pages + 1), synchronize_session::evaluate),
                  InvalidRequestError);
  CHECK(session.execute(update(books).values(books.pages = books.pages + 10)) == 3);
  CHECK(loaded[0]->pages == 110);
  CHECK(loaded[2]->pages == 112);

  // none: the objects keep what they had until they are read again.
  session.execute(update(books).values(books.pages = 1), synchronize_session::none);
  CHECK(loaded[0]->pages == 110);
  session.refresh(loaded[0]);
  CHECK(loaded[0]->pages == 1);

  // DELETE: the matched objects leave the session; a rollback brings them back.
  CHECK(session.execute(delete_(books).where(books.title == "Long"), synchronize_session::fetch) == 2);
  CHECK_FALSE(session.contains(loaded[1].get()));
  CHECK(session.contains(loaded[0].get()));
  session.rollback();
  CHECK(session.contains(loaded[1].get()));
  CHECK(f.rows(books) == 3);
}

TEST_CASE("mapper events run for every session; listeners can be removed", "[orm][events]") {
  fixture f;
  std::vector<std::string> seen;
  auto before_insert = listen<Book>(mapper_event::before_insert, [&](const instance_event<Book>& e) {
    e.target.title += " (2nd ed.)";  // changes made here are written
    seen.push_back("before_insert");
  });
  auto after_insert = listen<Book>(mapper_event::after_insert, [&](const instance_event<Book>& e) {
    seen.push_back("after_insert " + std::to_string(e.target.id));
  });
  auto before_update = listen<Book>(mapper_event::before_update, [&](const instance_event<Book>& e) {
    e.target.pages = e.target.pages < 0 ? 0 : e.target.pages;
    seen.push_back("before_update");
  });
  auto after_delete = listen<Book>(mapper_event::after_delete, [&](const instance_event<Book>&) { seen.push_back("after_delete"); });
  auto load = listen<Book>(mapper_event::load, [&](const instance_event<Book>&) { seen.push_back("load"); });

  {
    Session session(f.engine);
    auto books_added = author_with_books(session, 1);
    CHECK(seen == std::vector<std::string>{"before_insert", "after_insert 1"});
    books_added[0]->pages = -5;
    session.commit();
    CHECK(f.engine.connect().execute(select(books.title, books.pages)).one() ==
          std::tuple<std::string, std::int32_t>{"Book 0 (2nd ed.)", 0});
  }
  {
    Session session(f.engine);
    auto book = session.get<Book>(1);
    CHECK(seen.back() == "load");
    session.delete_(book);
    session.commit();
    CHECK(seen.back() == "after_delete");
  }
  for (auto id : {before_insert, after_insert, before_update, after_delete, load}) CHECK(remove_listener<Book>(id));
  CHECK_FALSE(remove_listener<Book>(load));
  seen.clear();
  Session session(f.engine);
  author_with_books(session, 1, "Herbert");
  CHECK(seen.empty());

  // A listener that throws aborts the flush like any other error.
  auto failing = listen<Author>(mapper_event::before_insert, [](const instance_event<Author>&) {
    throw std::runtime_error("refused");
  });
  session.add(Author{0, "Refused", std::nullopt});
  CHECK_THROWS_WITH(session.commit(), "refused");
  CHECK_THROWS_AS(session.flush(), PendingRollbackError);
  session.rollback();
  remove_listener<Author>(failing);
  CHECK(f.rows(authors) == 2);
}

TEST_CASE("session transactions: after_begin, begin() as RAII and as a function, autobegin off", "[orm][transactions]") {
  fixture f;
  sessionmaker make_session(f.engine);
  std::vector<std::string> seen;
  make_session.listen(session_event::after_begin, [&](Session&) { seen.push_back("after_begin"); });
  make_session.listen(session_event::after_rollback, [&](Session&) { seen.push_back("after_rollback"); });
  auto soft = make_session.listen(session_event::after_soft_rollback, [&](Session&) { seen.push_back("soft"); });
  auto session = make_session();
  session.add(Author{0, "A", std::nullopt});
  session.flush();
  session.flush();  // one transaction: one after_begin
  session.rollback();
  CHECK(seen == std::vector<std::string>{"after_begin", "after_rollback", "soft"});
  CHECK(f.rows(authors) == 0);

  {
    auto t = session.begin();
    session.add(Author{0, "B", std::nullopt});
    CHECK_THROWS_AS(session.begin(), InvalidRequestError);
  }  // not committed: rolled back
  CHECK(f.rows(authors) == 0);
  session.begin([](Session& s) { s.add(Author{0, "C", std::nullopt}); });
  CHECK(f.rows(authors) == 1);
  CHECK_THROWS_WITH(session.begin([](Session& s) {
    s.add(Author{0, "D", std::nullopt});
    s.flush();
    throw std::runtime_error("abandon");
  }),
                    "abandon");
  CHECK(f.rows(authors) == 1);
  CHECK(make_session.remove_listener(soft));

  Session manual(f.engine, {.autobegin = false});
  CHECK_THROWS_AS(manual.execute(select(func::count()).select_from(authors)), InvalidRequestError);
  auto t = manual.begin();
  CHECK(manual.scalar(select(func::count()).select_from(authors)) == 1);
  t.commit();
}

TEST_CASE("statement counts: identity-map hits, autoflush", "[orm][statements]") {
  fixture f;
  Session session(f.engine);
  auto author = session.add(Author{0, "Counted", std::nullopt});
  session.commit();
  auto found = session.get<Author>(author->id);  // expired by the commit: one SELECT
  f.statements.clear();
  for (int i = 0; i < 10; ++i) CHECK(session.get<Author>(author->id) == found);
  CHECK(f.statements.empty());
  session.add(Author{0, "Pending", std::nullopt});
  auto all = session.query<Author>().all();  // autoflush: the INSERT runs first
  REQUIRE(f.statements.size() == 2);
  CHECK(f.statements[0].starts_with("INSERT INTO orm_author"));
  CHECK(f.statements[1].starts_with("SELECT"));
  CHECK(all.size() == 2);
}

TEST_CASE("an in-memory SQLite database serves rows, Row objects, RETURNING into objects and the ORM",
          "[orm][sqlite][memory]") {
  if (!quarry_test::is_sqlite()) {
    SUCCEED("SQLite only");
    return;
  }
  // The one connection every checkout shares takes the driver's serial lock:
  // a Row reads its column names inside the row's hold of it, and a flush's
  // INSERT ... RETURNING reads its rows while the statement runs.
  auto engine = quarry::create_engine("sqlite://");
  quarry::MetaData metadata;
  metadata.add<Edition, Book, Author, Account, Node>();
  metadata.create_all(engine);
  {
    Session session(engine);
    std::vector<std::shared_ptr<Account>> added;
    for (int i = 0; i < 3; ++i) added.push_back(session.add(Account{0, "owner " + std::to_string(i), 10 * i, 0, std::nullopt}));
    session.commit();
    for (auto& account : added) CHECK(account->status == "open");  // read back through RETURNING
    auto loaded = session.scalars(select<Account>().order_by(accounts.id)).all();
    REQUIRE(loaded.size() == 3);
    CHECK(loaded[2]->owner == "owner 2");
    CHECK(session.get<Account>(loaded[1]->id)->balance == 10);
  }
  auto conn = engine.connect();
  auto first = conn.execute(text("SELECT id, owner FROM orm_account ORDER BY id")).first();
  REQUIRE(first);
  CHECK(first->get<std::string>("owner") == "owner 0");
  CHECK(conn.execute(text("SELECT count(*) AS n FROM orm_account")).one().get<int>("n") == 3);
  auto rows = conn.execute(text("SELECT owner, balance FROM orm_account ORDER BY id")).all();
  REQUIRE(rows.size() == 3);
  CHECK(rows[1].get<std::int64_t>("balance") == 10);
  std::vector<std::string> owners;
  for (auto [owner] : conn.execute(select(accounts.owner).order_by(accounts.id))) owners.push_back(owner);
  CHECK(owners == std::vector<std::string>{"owner 0", "owner 1", "owner 2"});
  auto inserted = conn.execute(insert(authors).values(std::vector<Author>{{0, "ann", std::nullopt}, {0, "bob", "b"}}).returning(authors.id)).scalars();
  CHECK(inserted.size() == 2);
}
