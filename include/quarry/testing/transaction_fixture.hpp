// transaction_fixture: each test inside a transaction that is rolled back, code under test free to commit (join_transaction_mode="create_savepoint").
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <memory>
#include <utility>
#include <vector>

#include "quarry/engine/connection.hpp"
#include "quarry/engine/engine.hpp"
#include "quarry/orm/session.hpp"
#include "quarry/orm/sessionmaker.hpp"

namespace quarry::testing {

namespace detail {
struct joined_transaction;
}

// SQLAlchemy's recipe "joining a Session into an external transaction": the
// fixture checks a connection out of `engine` and begins a transaction on it;
// engine() is an Engine whose every connection is that one, in that
// transaction, where BEGIN becomes a SAVEPOINT, COMMIT releases it and
// ROLLBACK rolls back to it. Code under test commits and rolls back as it
// would (Sessions, sessionmakers, scoped_sessions, Core connections), and at
// the end of the fixture everything it wrote is rolled back.
//
// Declared at the top of a Catch2 TEST_CASE it covers each SECTION (Catch2
// runs the test case from the top once per section). Code that uses a
// sessionmaker or scoped_session it did not create is pointed at engine() by
// bind() until the fixture ends. Each connection of engine() has a
// transaction of its own, a savepoint of the one database transaction beneath
// them all (as in SQLAlchemy's recipe, where every session shares the
// connection): one begun while another is open nests in it, so rolling back the
// outer one undoes what the inner one committed, and a rollback under another
// connection's open transaction is refused. Threads take turns statement by
// statement. Close what came from engine() before the fixture ends.
class transaction_fixture {
 public:
  QUARRY_DECL explicit transaction_fixture(const Engine& engine);
  transaction_fixture(const transaction_fixture&) = delete;
  transaction_fixture& operator=(const transaction_fixture&) = delete;
  ~transaction_fixture() { rollback(); }

  // Connections of this engine join the test's transaction.
  const Engine& engine() const noexcept { return joined_engine_; }
  // A Session on engine().
  Session session(session_options options = {}) const { return Session(joined_engine_, options); }

  // Until the fixture ends, sessions the factory makes use engine().
  QUARRY_DECL void bind(sessionmaker& factory);
  // The same for a scoped_session; the calling thread's current session is closed first, and again at the end.
  QUARRY_DECL void bind(scoped_session& registry);

  // Rolls back everything written since the fixture began and puts bound factories back; the destructor calls it.
  QUARRY_DECL void rollback() noexcept;

 private:
  std::shared_ptr<detail::joined_transaction> joined_;
  Engine joined_engine_;
  std::vector<std::pair<sessionmaker*, Engine>> bound_factories_;
  std::vector<std::pair<scoped_session*, Engine>> bound_registries_;
};

}  // namespace quarry::testing

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/testing/impl/transaction_fixture.ipp"
#endif
