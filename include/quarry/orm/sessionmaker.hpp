// sessionmaker and scoped_session: Sessions made with the same engine and options, and one per thread.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "quarry/engine/engine.hpp"
#include "quarry/orm/events.hpp"
#include "quarry/orm/session.hpp"

namespace quarry {

// SQLAlchemy's sessionmaker: a factory of Sessions with the same engine and options.
class sessionmaker {
 public:
  explicit sessionmaker(Engine engine, session_options options = {}) : engine_(std::move(engine)), options_(options) {}
  Session operator()() const { return Session(engine_, options_, listeners_); }

  // Sessions made from now on use this engine (SQLAlchemy's sessionmaker.configure(bind=...)).
  void configure(Engine engine) { engine_ = std::move(engine); }
  const Engine& get_bind() const noexcept { return engine_; }

  // Every session made from now on calls fn(session) at each `event`.
  listener_id listen(session_event event, std::function<void(Session&)> fn) {
    return listeners_.add(event, std::move(fn));
  }
  bool remove_listener(listener_id id) { return listeners_.remove(id); }

 private:
  Engine engine_;
  session_options options_;
  session_listeners listeners_;
};

// SQLAlchemy's scoped_session: one Session per thread, made by a sessionmaker
// on the thread's first call and closed by remove().
class scoped_session {
 public:
  explicit scoped_session(sessionmaker factory) : factory_(std::move(factory)) {}

  // Sessions made from now on use this engine; a thread's current session keeps
  // the engine it was made with until remove().
  void configure(Engine engine) {
    std::lock_guard lock(mutex_);
    factory_.configure(std::move(engine));
  }
  Engine get_bind() {
    std::lock_guard lock(mutex_);
    return factory_.get_bind();
  }

  // The calling thread's session.
  Session& operator()() {
    std::lock_guard lock(mutex_);
    auto& session = sessions_[std::this_thread::get_id()];
    if (!session) session = std::make_unique<Session>(factory_());
    return *session;
  }

  // Closes the calling thread's session; its next call gets a new one.
  void remove() {
    std::unique_ptr<Session> session;
    {
      std::lock_guard lock(mutex_);
      auto it = sessions_.find(std::this_thread::get_id());
      if (it == sessions_.end()) return;
      session = std::move(it->second);
      sessions_.erase(it);
    }
    session->close();
  }

 private:
  sessionmaker factory_;
  std::mutex mutex_;
  std::unordered_map<std::thread::id, std::unique_ptr<Session>> sessions_;
};

}  // namespace quarry
