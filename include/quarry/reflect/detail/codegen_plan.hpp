// The plan of generated models: names, C++ types and relationships, before any code is written.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/reflect/fwd.hpp"
#include "quarry/reflect/records.hpp"

namespace quarry::detail::codegen {

struct relationship_plan {
  std::string member;
  std::size_t target = 0;  // index of the target model
  bool many = false;
  std::string back_populates;
  std::string options;  // more options, each starting with ", "
};

struct model_plan {
  const reflected_table* table = nullptr;
  std::string type;
  std::vector<std::string> members;  // one per column
  std::vector<std::string> cpp_types;
  std::vector<std::string> column_options;  // db_type, length: what the C++ type does not say
  bool keyed = false;                        // a primary key: a model the Session can use
  bool view = false;
  std::vector<relationship_plan> relationships;
  std::set<std::string> taken;  // member names
};

struct plan {
  const codegen_options* options = nullptr;
  std::vector<model_plan> models;
  std::vector<std::string> notes;
  std::vector<const reflected_enum*> enums;  // emitted as QUARRY_ENUM
  std::string prefix;                        // "::ns::", for type names inside structs
  bool uses_chrono = false;
  bool uses_json = false;
};

// The model of a table, or the models' count when it has none.
QUARRY_DECL std::size_t find_model(const plan& p, const std::string& table);
// A member name not yet used in the model: base, base_2, ...
QUARRY_DECL std::string take_member(model_plan& m, const std::string& base);
QUARRY_DECL std::string lower(std::string_view text);
// A PostgreSQL enum that QUARRY_ENUM can declare: a lower-case name and labels that are identifiers.
QUARRY_DECL bool enum_expressible(const reflected_enum& e);
QUARRY_DECL const reflected_enum* enum_of(const plan& p, const reflected_column& c);
// Sets the member's C++ type and the options its column needs (db_type, length).
QUARRY_DECL void choose_type(plan& p, model_plan& m, const reflected_column& c, bool in_key);
QUARRY_DECL bool in(const std::vector<std::string>& names, const std::string& name);
QUARRY_DECL bool same_set(std::vector<std::string> a, std::vector<std::string> b);
// The columns are unique in their table (its key, a unique constraint or index): one-to-one.
QUARRY_DECL bool unique_columns(const reflected_table& t, const std::vector<std::string>& columns);
// "artist" for a key on artist_id or ArtistId; empty when the column says nothing more.
QUARRY_DECL std::string key_stem(const reflected_foreign_key& fk);
// "&T::a, &T::b" for columns of a model.
QUARRY_DECL std::string member_list(const model_plan& m, const std::vector<std::string>& columns);
// Exactly two foreign keys to models, and no column outside them: a many-to-many link.
QUARRY_DECL bool is_association(const plan& p, const model_plan& m);
// Relationships as sqlacodegen infers them, on both sides with back_populates.
QUARRY_DECL void infer_relationships(plan& p);
QUARRY_DECL std::string action(fk_action a);
// ", on_delete[, on_update]" for quarry::foreign_key(), empty when both are NO ACTION.
QUARRY_DECL std::string actions(const reflected_foreign_key& fk);

}  // namespace quarry::detail::codegen

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/reflect/detail/impl/codegen_plan.ipp"
#endif
