// The exception hierarchy (SQLAlchemy's and PEP 249's names) with SQL, parameters and SQLSTATE.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace quarry {

// The hierarchy mirrors SQLAlchemy's exceptions and PEP 249's names, so code
// (and people) that know one know the other. Catch `quarry::Error` for all.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Bad arguments to a Quarry API: a malformed URL, an unknown option value.
class ArgumentError : public Error {
 public:
  using Error::Error;
};

// A name longer than the database keeps (PostgreSQL: 63 bytes), which it would
// truncate silently so that two names could become one (SQLAlchemy's IdentifierError).
class IdentifierError : public ArgumentError {
 public:
  using ArgumentError::ArgumentError;
};

// The API was used in a way the current state does not allow.
class InvalidRequestError : public Error {
 public:
  using Error::Error;
};

class NoResultFound : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

class MultipleResultsFound : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

// Reflection asked for a table (or view) the database does not have.
class NoSuchTableError : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

class ResourceClosedError : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

// A transaction failed (or its connection died) and must be rolled back before
// the connection or session can be used again.
class PendingRollbackError : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

// No pooled connection became available within `pool_timeout`.
// The ORM: an UPDATE or DELETE of an object matched no row (SQLAlchemy's StaleDataError).
class StaleDataError : public Error {
 public:
  using Error::Error;
};

// The ORM: an object's row was deleted (SQLAlchemy's ObjectDeletedError).
class ObjectDeletedError : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

// The ORM: a relationship cannot load because its object is not in a Session
// (SQLAlchemy's DetachedInstanceError).
class DetachedInstanceError : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

class TimeoutError : public Error {
 public:
  using Error::Error;
};

// What an error left of the transaction it happened in. Set by the Connection
// when an error ends (or may have ended) the transaction, so that a caller knows
// whether to retry the work, roll back, or find out what the database kept.
enum class transaction_outcome : unsigned char {
  none,         // the transaction (if any) is still open, or the error was outside one
  rolled_back,  // the database rolled the transaction back: nothing of it was committed
  unknown,      // the connection was lost while a COMMIT was under way: it may have committed
};

// What went wrong in the driver, with the statement that caused it.
struct error_context {
  std::string sql;         // the statement as sent to the driver
  std::string params;      // the parameters, rendered safely (truncated, blobs summarized)
  int code = 0;            // the driver's numeric code (SQLite extended result code)
  std::string sqlstate;    // PostgreSQL's SQLSTATE, empty for SQLite
  bool connection_invalidated = false;  // the connection is dead and was discarded
};

// PEP 249's exception family: every error the driver reports lands in one of these.
class DBAPIError : public Error {
 public:
  DBAPIError(const std::string& message, error_context context)
      : Error(message), message_(message), context_(std::move(context)), text_(describe(message_, context_, outcome_)) {}

  const char* what() const noexcept override { return text_.c_str(); }

  // The driver's message alone, without the SQL and parameters appended.
  const std::string& driver_message() const noexcept { return message_; }
  const std::string& sql() const noexcept { return context_.sql; }
  const std::string& params() const noexcept { return context_.params; }
  int code() const noexcept { return context_.code; }
  const std::string& sqlstate() const noexcept { return context_.sqlstate; }
  bool connection_invalidated() const noexcept { return context_.connection_invalidated; }
  quarry::transaction_outcome transaction_outcome() const noexcept { return outcome_; }

  // Called by the Connection, which knows the transaction, before the error reaches the caller.
  void set_transaction_outcome(quarry::transaction_outcome outcome);

 private:
  static std::string describe(const std::string& message, const error_context& context, quarry::transaction_outcome outcome);

  std::string message_;
  error_context context_;
  quarry::transaction_outcome outcome_ = quarry::transaction_outcome::none;
  std::string text_;
};

#define QUARRY_DBAPI_ERROR(Name, Base)              \
  class Name : public Base {                        \
   public:                                          \
    using Base::Base;                               \
  }

QUARRY_DBAPI_ERROR(InterfaceError, DBAPIError);
QUARRY_DBAPI_ERROR(DatabaseError, DBAPIError);
QUARRY_DBAPI_ERROR(DataError, DatabaseError);
QUARRY_DBAPI_ERROR(OperationalError, DatabaseError);
QUARRY_DBAPI_ERROR(IntegrityError, DatabaseError);
QUARRY_DBAPI_ERROR(InternalError, DatabaseError);
QUARRY_DBAPI_ERROR(ProgrammingError, DatabaseError);
QUARRY_DBAPI_ERROR(NotSupportedError, DatabaseError);

#undef QUARRY_DBAPI_ERROR

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/impl/errors.ipp"
#endif
