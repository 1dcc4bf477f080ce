// Quarry - SQLAlchemy for C++20. MIT License.
// The Quarry side of the conformance suite: the trace a scenario writes (steps,
// the statements each step sent, its outputs), the registry that
// CONFORMANCE_SCENARIO(name) adds to, and the short names of errors that
// scenarios output. harness.py is the SQLAlchemy side; both print the same JSON.
#pragma once

#include <exception>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include <quarry/quarry.hpp>

namespace conformance {

using json = nlohmann::json;

// A value as JSON; an empty std::optional is null (this nlohmann has no optional support).
template <class T>
json to_json(const T& v) {
  return json(v);
}
template <class T>
json to_json(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

// The short name of an error, as harness.py names SQLAlchemy's; subclasses
// are checked before their bases. Anything else is not an expected error.
inline std::string error_name(const quarry::Error& e) {
  if (dynamic_cast<const quarry::StaleDataError*>(&e)) return "StaleDataError";
  if (dynamic_cast<const quarry::ObjectDeletedError*>(&e)) return "ObjectDeletedError";
  if (dynamic_cast<const quarry::DetachedInstanceError*>(&e)) return "DetachedInstanceError";
  if (dynamic_cast<const quarry::IntegrityError*>(&e)) return "IntegrityError";
  if (dynamic_cast<const quarry::DataError*>(&e)) return "DataError";
  if (dynamic_cast<const quarry::OperationalError*>(&e)) return "OperationalError";
  if (dynamic_cast<const quarry::ProgrammingError*>(&e)) return "ProgrammingError";
  if (dynamic_cast<const quarry::DBAPIError*>(&e)) return "DBAPIError";
  if (dynamic_cast<const quarry::NoResultFound*>(&e)) return "NoResultFound";
  if (dynamic_cast<const quarry::MultipleResultsFound*>(&e)) return "MultipleResultsFound";
  if (dynamic_cast<const quarry::PendingRollbackError*>(&e)) return "PendingRollbackError";
  if (dynamic_cast<const quarry::ResourceClosedError*>(&e)) return "ResourceClosedError";
  if (dynamic_cast<const quarry::InvalidRequestError*>(&e)) return "InvalidRequestError";
  if (dynamic_cast<const quarry::ArgumentError*>(&e)) return "ArgumentError";
  return "Error";
}

// What a scenario did. The engine's before_execute listener files each
// statement under the current step until recording stops (before the dump).
class trace {
 public:
  explicit trace(quarry::Engine e) : engine(std::move(e)) {
    step("setup");
    listener_ = engine.listen(quarry::events::before_execute, [this](const quarry::execute_event& event) {
      if (recording) steps_.back()["statements"].push_back({{"sql", std::string(event.sql)}, {"batch", event.batch_size}});
    });
  }
  trace(const trace&) = delete;
  trace& operator=(const trace&) = delete;
  ~trace() { engine.remove_listener(listener_); }  // the engine may outlive the trace its listener writes to

  // Starts a step; `unordered` compares its statements as a multiset (their order is unspecified).
  void step(std::string name, bool unordered = false) {
    steps_.push_back({{"name", std::move(name)}, {"unordered", unordered}, {"statements", json::array()}, {"out", json::array()}});
  }
  template <class T>
  void out(const T& value) {
    steps_.back()["out"].push_back(to_json(value));
  }

  // Runs fn and outputs the short name of the quarry::Error it threw, or "no error".
  template <class Fn>
  void expect_error(Fn&& fn) {
    try {
      fn();
    } catch (const quarry::Error& e) {
      out(error_name(e));
      return;
    }
    out("no error");
  }

  const json& steps() const noexcept { return steps_; }

  quarry::Engine engine;
  bool recording = true;

 private:
  json steps_ = json::array();
  quarry::listener_id listener_ = 0;
};

// A JSON array of fn(element) for each element of a range: t.out(each(users, [](auto& u) { return u->name; })).
template <class Range, class Fn>
json each(const Range& range, Fn fn) {
  json out = json::array();
  for (const auto& element : range) out.push_back(to_json(fn(element)));
  return out;
}

using scenario_function = void (*)(trace&);

inline std::map<std::string, scenario_function>& registry() {
  static std::map<std::string, scenario_function> scenarios;
  return scenarios;
}

struct registrar {
  registrar(const char* name, scenario_function fn) {
    if (!registry().emplace(name, fn).second) std::terminate();  // two scenarios of one name: a bug of the suite
  }
};

}  // namespace conformance

// CONFORMANCE_SCENARIO(name) { ... t.step("..."); t.out(...); ... }
// `name` is the scenario's name in the Python files too.
#define CONFORMANCE_SCENARIO(name)                                                                   \
  static void conformance_scenario_##name(::conformance::trace& t);                                  \
  static const ::conformance::registrar conformance_registrar_##name{#name, &conformance_scenario_##name}; \
  static void conformance_scenario_##name(::conformance::trace& t)
