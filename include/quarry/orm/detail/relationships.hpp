// Each model's relationships resolved against the schema into relationship_info.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "quarry/core/expression.hpp"
#include "quarry/core/model.hpp"
#include "quarry/errors.hpp"
#include "quarry/orm/detail/load_statements.hpp"
#include "quarry/orm/detail/mapper.hpp"
#include "quarry/orm/detail/relationship_info.hpp"
#include "quarry/orm/detail/session_entry.hpp"
#include "quarry/orm/relationship.hpp"

// Each model's relationships as relationship_info, resolved against the
// schema once, and the typed operations on its members behind them.
namespace quarry::detail {

template <class Member>
struct relationship_member {
  static_assert(sizeof(Member) == 0, "quarry: a QUARRY_RELATIONSHIP member is a quarry::many<T> or a quarry::one<T>");
};
template <class T>
struct relationship_member<many<T>> {
  using target = T;
  static constexpr bool uselist = true;
};
template <class T>
struct relationship_member<one<T>> {
  using target = T;
  static constexpr bool uselist = false;
};

// The session's handle of an entry's object: the user's own pointer, or one
// that shares the allocation the session made.
template <class T>
std::shared_ptr<T> handle_of(const session_entry& e) {
  return std::shared_ptr<T>(e.handle ? e.handle : e.self, static_cast<T*>(e.object));
}

// Session::merge() of a target (defined in session.hpp).
template <class T>
session_entry* merge_into_session(Session& session, const void* object);

// The typed operations behind relationship I of model M.
template <class M, std::size_t I>
struct relationship_ops {
  using entry_type = std::remove_cvref_t<decltype(std::get<I>(model_of<M>::relationships()))>;
  using member_type = std::remove_cvref_t<decltype(std::declval<M&>().*std::declval<entry_type>().member)>;
  using target = typename relationship_member<member_type>::target;

  static member_type& member(relationship_state& s) { return static_cast<member_type&>(s); }

  static relationship_state& state(void* owner) {
    static const auto pointer = std::get<I>(model_of<M>::relationships()).member;
    return static_cast<M*>(owner)->*pointer;
  }

  static void assign(relationship_state& s, const relationship_info& r, std::span<session_entry* const> targets) {
    auto& m = member(s);
    m.committed_.clear();
    for (auto* e : targets) m.committed_.push_back(e->object);
    if constexpr (relationship_member<member_type>::uselist) {
      m.items_.clear();
      m.items_.reserve(targets.size());
      for (auto* e : targets) m.items_.push_back(handle_of<target>(*e));
    } else {
      m.strong_.reset();
      m.weak_.reset();
      if (!targets.empty()) {
        if (r.weak()) m.weak_ = handle_of<target>(*targets.front());
        else m.strong_ = handle_of<target>(*targets.front());
      }
    }
    m.loaded_ = true;
  }

  static void append(relationship_state& s, const relationship_info& r, const session_entry& e) {
    auto& m = member(s);
    if constexpr (relationship_member<member_type>::uselist) {
      for (auto& item : m.items_)
        if (item.get() == e.object) return;
      m.items_.push_back(handle_of<target>(e));
    } else {
      m.strong_.reset();
      m.weak_.reset();
      if (r.weak()) m.weak_ = handle_of<target>(e);
      else m.strong_ = handle_of<target>(e);
      m.loaded_ = true;
    }
  }

  static void remove(relationship_state& s, const void* object) {
    auto& m = member(s);
    if constexpr (relationship_member<member_type>::uselist) {
      std::erase_if(m.items_, [&](const auto& item) { return item.get() == object; });
    } else {
      if (m.strong_.get() == object) m.strong_.reset();
      if (auto held = m.weak_.lock(); held && held.get() == object) m.weak_.reset();
    }
  }

  static void for_each(relationship_state& s, void* context,
                       void (*fn)(void* context, void* object, const std::shared_ptr<void>& handle)) {
    auto& m = member(s);
    if constexpr (relationship_member<member_type>::uselist) {
      for (std::size_t i = 0; i < m.items_.size(); ++i) {
        std::shared_ptr<void> h = m.items_[i];
        fn(context, h.get(), h);
      }
    } else {
      std::shared_ptr<void> h = m.strong_ ? std::shared_ptr<target>(m.strong_) : m.weak_.lock();
      if (h) fn(context, h.get(), h);
    }
  }

  static void weaken(relationship_state& s) {
    if constexpr (!relationship_member<member_type>::uselist) {
      auto& m = member(s);
      if (m.strong_) {
        m.weak_ = m.strong_;
        m.strong_.reset();
      }
    }
  }
};

QUARRY_DECL cascade_flags parse_cascade(std::string_view spec, const std::string& relationship);

// The columns a foreign_keys() option names, as (table, column).
using named_column = std::pair<std::string, std::string>;

template <class Association, class O, class T>
const mapper& association_mapper(const secondary_option<Association, O, T>&) {
  static_assert(mapped_model<Association>, "quarry: secondary<T>() names an association table declared with QUARRY_MODEL");
  return mapper_of<Association>();
}

// The owner's and target's columns of a primaryjoin() condition: equalities
// between the two sides match them; the other terms (the target's columns
// only) become the relationship's criteria. `target` is an alias of the
// target's table, so that a self-referential condition can tell the sides apart.
QUARRY_DECL void resolve_primaryjoin(relationship_info& r, const node_ptr& condition, const from_ptr& owner, const from_ptr& target);

template <class M, class T, class Option>
void apply_relationship_option(relationship_info& r, std::vector<named_column>& named, node_ptr& join,
                               from_ptr& join_target, const Option& option) {
  if constexpr (is_specialization<Option, primaryjoin_option>) {
    auto target = aliased<T>(std::string(model_of<T>::name));
    auto condition = option.condition(table<M>, target);
    static_assert(is_boolean<value_type_of_t<decltype(condition)>>, "quarry: a primaryjoin is a boolean condition");
    join = operand<bool>(condition);
    join_target = target.quarry_from();
  } else if constexpr (is_specialization<Option, secondary_option>) {
    r.secondary = [] () -> const mapper& { return association_mapper(Option{}); };
    if constexpr (requires { option.owner_column; }) {
      named.emplace_back(target_table_name_of(option.owner_column), target_column_name(option.owner_column));
      named.emplace_back(target_table_name_of(option.target_column), target_column_name(option.target_column));
    }
  } else if constexpr (std::is_same_v<Option, back_populates>) {
    r.back_populates = std::string(option.member);
  } else if constexpr (std::is_same_v<Option, lazy>) {
    if (option.strategy == loading::contains_eager)
      throw ArgumentError("quarry: " + r.qualified_name + ": contains_eager is a query option, not a lazy= strategy");
    r.lazy = option.strategy;
  } else if constexpr (std::is_same_v<Option, cascade>) {
    r.cascade = parse_cascade(option.spec, r.qualified_name);
  } else if constexpr (std::is_same_v<Option, passive_deletes_option>) {
    r.passive_deletes = true;
  } else if constexpr (is_specialization<Option, foreign_keys_option>) {
    std::apply([&](const auto&... m) { (named.emplace_back(target_table_name_of(m), target_column_name(m)), ...); },
               option.members);
  } else if constexpr (requires { option.member; option.descending; }) {
    r.order_by.emplace_back(0, option.descending);
    r.order_by.back().first = r.target().table->column_index(target_column_name(option.member));
  } else {
    static_assert(sizeof(Option) == 0, "quarry: this is not a relationship option (see quarry/orm/relationship.hpp)");
  }
}

// A many-to-many: the association table's foreign key to the owner and the
// one to the target (named by secondary(&A::owner_column, &A::target_column)
// when both point at the same table).
QUARRY_DECL void resolve_secondary(relationship_info& r, const std::vector<named_column>& named);

// Finds the one foreign key between the two tables this relationship goes
// through and records its columns on each side.
QUARRY_DECL void resolve_foreign_key(relationship_info& r, const std::vector<named_column>& named);

template <class M>
const std::vector<relationship_info>& relationships_of();

template <class M, std::size_t I>
relationship_info build_relationship() {
  using ops = relationship_ops<M, I>;
  using target = typename ops::target;
  static_assert(mapped_model<target>, "quarry: a relationship's target is a model declared with QUARRY_MODEL");
  const auto entry = std::get<I>(model_of<M>::relationships());
  relationship_info r;
  r.name = std::string(entry.name);
  r.qualified_name = std::string(model_of<M>::type_name) + "." + r.name;
  r.owner = &mapper_of<M>;
  r.target = &mapper_of<target>;
  r.target_relationships = &relationships_of<target>;
  r.uselist = relationship_member<typename ops::member_type>::uselist;
  r.state = &ops::state;
  r.assign = &ops::assign;
  r.append = &ops::append;
  r.remove = &ops::remove;
  r.for_each = &ops::for_each;
  r.weaken = &ops::weaken;
  r.merge = &merge_into_session<target>;
  std::vector<named_column> named;
  node_ptr join;
  from_ptr join_target;
  std::apply([&](const auto&... option) { (apply_relationship_option<M, target>(r, named, join, join_target, option), ...); },
             entry.options);
  if (join) resolve_primaryjoin(r, join, model_from<model_of<M>>(), join_target);
  else resolve_foreign_key(r, named);
  return r;
}

template <class M>
constexpr std::size_t relationship_count() {
  return std::tuple_size_v<decltype(model_of<M>::relationships())> - 1;
}

// The model's relationships, in declaration order; built on first use.
template <class M>
const std::vector<relationship_info>& relationships_of() {
  static const std::vector<relationship_info> infos = [] {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::vector<relationship_info>{build_relationship<M, I>()...};
    }(std::make_index_sequence<relationship_count<M>()>{});
  }();
  return infos;
}

// The position of a member among the model's columns.
template <class M, class F>
std::size_t column_of_member_index(F M::*member) {
  std::size_t found = column_position<model_of<M>>(member);
  if (found == model_column_count<M>())
    throw ArgumentError("quarry: this member of '" + std::string(model_of<M>::type_name) + "' is not one of its columns");
  return found;
}

// The relationship of `member` (&User::addresses).
template <class M, class Member>
const relationship_info& relationship_of(Member M::*member) {
  std::size_t index = relationship_count<M>();
  std::size_t at = 0;
  std::apply(
      [&](const auto&... entry) {
        (
            [&] {
              if constexpr (requires { entry.member; })
                if constexpr (std::is_same_v<decltype(entry.member), Member M::*>)
                  if (entry.member == member) index = at;
              ++at;
            }(),
            ...);
      },
      model_of<M>::relationships());
  if (index == relationship_count<M>())
    throw ArgumentError("quarry: this member of '" + std::string(model_of<M>::type_name) +
                        "' is not named by QUARRY_RELATIONSHIP");
  return relationships_of<M>()[index];
}

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/orm/detail/impl/relationships.ipp"
#endif
