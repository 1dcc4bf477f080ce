// The Session's bookkeeping of one object, and the batches its flush sends.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "quarry/core/detail/compiler.hpp"
#include "quarry/orm/detail/mapper.hpp"

// The Session's bookkeeping of one object, and the batches its flush sends.
namespace quarry::detail {

enum class object_state : std::uint8_t { pending, persistent, deleted };

struct session_entry {
  const mapper* m = nullptr;
  void* object = nullptr;
  void* snapshot = nullptr;         // the object's values as last read or written (an M)
  identity_key key;                 // the snapshot's identity, once persistent
  // Keeps the entry (and an object the session read, which shares its
  // allocation) alive while the session holds it; reset when it lets go.
  std::shared_ptr<void> self;
  std::shared_ptr<void> handle;  // an object the user made
  object_state state = object_state::pending;
  bool expired = false;  // read again before the session hands it out
  bool discard = false;  // expired by expire() or a rollback: changes made in memory are dropped
  bool from_add = false;  // came in through add(), not read from a row
  std::uint64_t unloaded = 0;  // deferred columns not read into the object yet (a bit per column)
  // Serial numbers (Session::serial_) of when it was added or read, INSERTed and last UPDATEd.
  std::uint64_t added = 0, inserted = 0, touched = 0;
};

template <class M>
struct model_entry : session_entry {
  M snapshot_value{};
};

// An object the session allocated (read, or added by value): the object, its
// entry and its snapshot in one allocation.
template <class M>
struct owned_object {
  M object{};
  model_entry<M> entry;
};

inline std::size_t mix_hash(std::size_t h) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

// An open-addressing index of entries by a key each entry carries (its
// identity, or its object's address): no allocation per entry, and a probe
// compares stored hashes before it touches an entry. `Traits` gives
// key_of(entry) and hash(key).
template <class Traits>
class entry_index {
 public:
  using key_type = std::remove_cvref_t<decltype(Traits::key_of(std::declval<const session_entry&>()))>;

  session_entry* find(const key_type& key) const noexcept {
    if (slots_.empty()) return nullptr;
    std::size_t h = Traits::hash(key);
    for (std::size_t i = h & mask(); slots_[i].entry; i = (i + 1) & mask())
      if (slots_[i].hash == h && slots_[i].entry != tombstone() && Traits::key_of(*slots_[i].entry) == key)
        return slots_[i].entry;
    return nullptr;
  }
  bool contains(const key_type& key) const noexcept { return find(key) != nullptr; }

  // Adds an entry whose key is not in the index.
  void insert(session_entry* e) {
    if ((used_ + 1) * 4 > slots_.size() * 3) rehash(size_ + 1);
    place(e, Traits::hash(Traits::key_of(*e)));
  }
  // Removes the entry with this key; false when there is none.
  bool erase(const key_type& key) noexcept {
    if (slots_.empty()) return false;
    std::size_t h = Traits::hash(key);
    for (std::size_t i = h & mask(); slots_[i].entry; i = (i + 1) & mask())
      if (slots_[i].hash == h && slots_[i].entry != tombstone() && Traits::key_of(*slots_[i].entry) == key) {
        slots_[i].entry = tombstone();
        --size_;
        return true;
      }
    return false;
  }
  // Room for `n` more entries without rehashing.
  void reserve(std::size_t n) {
    if ((used_ + n) * 4 > slots_.size() * 3) rehash(size_ + n);
  }
  void clear() noexcept {
    slots_.clear();
    size_ = used_ = 0;
  }
  std::size_t size() const noexcept { return size_; }

  // Calls fn(entry) for every entry; fn must not change the index.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (auto& slot : slots_)
      if (slot.entry && slot.entry != tombstone()) fn(*slot.entry);
  }
  // Whether pred(entry) holds for some entry; stops at the first.
  template <class Pred>
  bool any_of(Pred&& pred) const {
    for (auto& slot : slots_)
      if (slot.entry && slot.entry != tombstone() && pred(*slot.entry)) return true;
    return false;
  }

 private:
  struct slot {
    std::size_t hash;
    session_entry* entry;
  };
  static session_entry* tombstone() noexcept {
    static session_entry removed;
    return &removed;
  }
  std::size_t mask() const noexcept { return slots_.size() - 1; }
  void place(session_entry* e, std::size_t h) {
    std::size_t i = h & mask();
    while (slots_[i].entry && slots_[i].entry != tombstone()) i = (i + 1) & mask();
    if (!slots_[i].entry) ++used_;
    slots_[i] = {h, e};
    ++size_;
  }
  // A table at most half full with `entries` entries, without tombstones.
  void rehash(std::size_t entries) {
    std::size_t capacity = 16;
    while (capacity < entries * 2) capacity *= 2;
    std::vector<slot> old = std::move(slots_);
    slots_.assign(capacity, slot{0, nullptr});
    size_ = used_ = 0;
    for (auto& s : old)
      if (s.entry && s.entry != tombstone()) place(s.entry, s.hash);
  }

  std::vector<slot> slots_;
  std::size_t size_ = 0;  // entries
  std::size_t used_ = 0;  // entries and tombstones
};

struct by_identity {
  static const identity_key& key_of(const session_entry& e) noexcept { return e.key; }
  static std::size_t hash(const identity_key& k) noexcept { return mix_hash(identity_key_hash{}(k)); }
};
struct by_object {
  static const void* key_of(const session_entry& e) noexcept { return e.object; }
  static std::size_t hash(const void* p) noexcept { return mix_hash(reinterpret_cast<std::uintptr_t>(p)); }
};

// Where a placeholder's value comes from: a column of the object, or of its
// snapshot (the key and version the row had).
struct entry_slot {
  std::size_t column;
  bool from_snapshot;
};

// The parameter sets of a batch of entries: each set is `per_set` consecutive
// entries, each giving the values of `slots`.
class entry_batch final : public parameter_batch {
 public:
  entry_batch(std::span<session_entry* const> entries, std::vector<entry_slot> slots, std::size_t per_set)
      : entries_(entries), slots_(std::move(slots)), per_set_(per_set) {
    owned_.resize(per_set_ * slots_.size());
    refs_.resize(per_set_ * slots_.size());
  }
  std::size_t size() const override { return entries_.size() / per_set_; }
  std::span<const value_ref> parameters(std::size_t index) override {
    std::size_t at = 0;
    for (std::size_t r = 0; r < per_set_; ++r) {
      const session_entry& e = *entries_[index * per_set_ + r];
      for (auto& slot : slots_) {
        refs_[at] = e.m->bind(slot.from_snapshot ? e.snapshot : e.object, slot.column, owned_[at]);
        ++at;
      }
    }
    return refs_;
  }

 private:
  std::span<session_entry* const> entries_;
  std::vector<entry_slot> slots_;
  std::size_t per_set_;
  std::vector<value> owned_;
  std::vector<value_ref> refs_;
};

// Parameter sets held as values (rows of an association table).
class value_batch final : public parameter_batch {
 public:
  explicit value_batch(std::vector<std::vector<value>> rows) : rows_(std::move(rows)) {}
  std::size_t size() const override { return rows_.size(); }
  std::span<const value_ref> parameters(std::size_t index) override {
    refs_.clear();
    for (auto& v : rows_[index]) refs_.push_back(v.ref());
    return refs_;
  }

 private:
  std::vector<std::vector<value>> rows_;
  std::vector<value_ref> refs_;
};

// Writes the columns an INSERT ... RETURNING gives back into the objects. A
// multi-row INSERT's rows are matched to its objects in the order of the
// autoincrement key, which the database numbers in the order of the VALUES.
class returning_sink final : public row_sink {
 public:
  returning_sink(std::span<session_entry* const> entries, std::vector<std::size_t> columns, std::size_t per_set,
                 std::optional<std::size_t> order_by)
      : entries_(entries), columns_(std::move(columns)), per_set_(per_set), order_by_(order_by) {}

  // The INSERT has no RETURNING: the one generated column is the rowid key.
  void inserted(std::size_t set, std::int64_t lastrowid) override {
    if (!by_rowid_) return;
    entry_at(set).m->assign_column(entry_at(set).object, columns_[0], value_ref::integer(lastrowid));
    ++written_;
  }
  void use_rowid() { by_rowid_ = true; }

  void row(std::size_t set, dbapi_statement& cursor) override {
    if (per_set_ == 1) {
      write(entry_at(set), [&](std::size_t k) { return cursor.column(k); });
      ++written_;
      return;
    }
    if (set != set_) {
      finish();
      set_ = set;
    }
    std::vector<value> values;
    for (std::size_t k = 0; k < columns_.size(); ++k) values.emplace_back(cursor.column(k));
    rows_.push_back(std::move(values));
  }

  // Call after the statement ran: checks every object got its row.
  void finish() {
    if (!rows_.empty()) {
      if (order_by_)
        std::sort(rows_.begin(), rows_.end(),
                  [&](const auto& a, const auto& b) { return a[*order_by_].ref().as_int64() < b[*order_by_].ref().as_int64(); });
      for (std::size_t r = 0; r < rows_.size(); ++r)
        write(entry_at(set_ * per_set_ + r), [&](std::size_t k) { return rows_[r][k].ref(); });
      written_ += rows_.size();
      rows_.clear();
    }
  }
  std::size_t written() const noexcept { return written_; }

 private:
  session_entry& entry_at(std::size_t i) const {
    if (i >= entries_.size()) throw InvalidRequestError("quarry: an INSERT returned more rows than it was given");
    return *entries_[i];
  }
  template <class Read>
  void write(session_entry& e, Read&& read) {
    for (std::size_t k = 0; k < columns_.size(); ++k) e.m->assign_column(e.object, columns_[k], read(k));
  }

  std::span<session_entry* const> entries_;
  std::vector<std::size_t> columns_;
  std::size_t per_set_;
  std::optional<std::size_t> order_by_;  // position among columns_ of the autoincrement key
  std::size_t set_ = 0;
  std::vector<std::vector<value>> rows_;
  std::size_t written_ = 0;
  bool by_rowid_ = false;
};

// The statements a flush sends, compiled once per session for each model,
// statement kind, row count and column set.
class flush_statements {
 public:
  enum class kind : std::uint8_t { insert, insert_without_returning, update, delete_, select_by_key };

  const compiled_statement& get(const dialect& d, const mapper& m, kind k, const std::vector<bool>& columns,
                                std::size_t rows = 1) {
    auto key = std::make_tuple(&m, k, rows, columns);
    auto it = cache_.find(key);
    if (it == cache_.end()) it = cache_.emplace(std::move(key), build(d, m, k, columns, rows)).first;
    return it->second;
  }

 private:
  static node_ptr bind(std::string name) { return make_node(node_kind::bind, precedence::atom, std::move(name)); }

  // WHERE key = ? [AND version = ?]: the row as the session last knew it.
  static node_ptr where_row(const mapper& m, bool with_version) {
    std::vector<std::size_t> columns = m.key_columns;
    if (with_version && m.version_column) columns.push_back(*m.version_column);
    node_ptr condition;
    for (auto c : columns) {
      auto equal = make_node(node_kind::binary, precedence::comparison, " = ", m.column(c), bind("k" + std::to_string(c)));
      condition = condition ? make_node(node_kind::binary, precedence::and_, " AND ", condition, equal) : equal;
    }
    return condition;
  }

  static compiled_statement build(const dialect& d, const mapper& m, kind k, const std::vector<bool>& columns,
                                  std::size_t rows) {
    statement_data data;
    const auto& table_columns = m.table->columns;
    switch (k) {
      case kind::insert:
      case kind::insert_without_returning:
        // `columns` marks what the INSERT sends; the rest come back through RETURNING.
        data.kind = statement_kind::insert;
        data.target = m.from();
        for (std::size_t r = 0; r < rows; ++r) {
          std::vector<node_ptr> row;
          for (std::size_t i = 0; i < columns.size(); ++i)
            if (columns[i]) {
              auto value = bind(std::to_string(r) + ":" + std::to_string(i));
              if (r == 0) data.assignments.push_back({table_columns[i].name, value});
              else row.push_back(value);
            }
          if (r > 0) data.more_rows.push_back(std::move(row));
        }
        for (std::size_t i = 0; k == kind::insert && i < columns.size(); ++i)
          if (!columns[i]) data.returning.push_back(m.column(i));
        break;
      case kind::update:
        data.kind = statement_kind::update;
        data.target = m.from();
        for (std::size_t i = 0; i < columns.size(); ++i)
          if (columns[i]) data.assignments.push_back({table_columns[i].name, bind(std::to_string(i))});
        data.where = where_row(m, true);
        break;
      case kind::delete_:
        data.kind = statement_kind::delete_;
        data.target = m.from();
        data.where = where_row(m, true);
        break;
      case kind::select_by_key:
        for (std::size_t i = 0; i < table_columns.size(); ++i) data.columns.push_back(m.column(i));
        data.where = where_row(m, false);
        break;
    }
    return compiler(d).compile(data);
  }

  std::map<std::tuple<const mapper*, kind, std::size_t, std::vector<bool>>, compiled_statement> cache_;
};

}  // namespace quarry::detail
