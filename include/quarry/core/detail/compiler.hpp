// The SQL compiler: one walk of the statement tree per dialect.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "quarry/core/compiled.hpp"
#include "quarry/core/detail/node.hpp"
#include "quarry/dbapi/interfaces.hpp"
#include "quarry/errors.hpp"

namespace quarry::detail {

// The name a select column has as a column of a subquery or CTE built from it:
// a column keeps its name, a label its label, anything else is anon_<position>.
// A name already taken gets _<position> appended, as SQLAlchemy dedupes.
QUARRY_DECL std::vector<std::string> output_names(const statement_data& s);

// The tables an expression's columns belong to, in order of appearance,
// without entering subqueries (which have FROM clauses of their own).
QUARRY_DECL void collect_froms(const node& n, std::vector<from_ptr>& found);

// Walks a statement tree once and writes its SQL for one dialect. Placeholders
// are numbered at the end, because a WITH clause is written before the
// statement that mentions it.
class compiler {
 public:
  explicit compiler(const dialect& d) : dialect_(d) {}

  // COPY ... FROM STDIN for an INSERT of one row of placeholders, without
  // RETURNING or ON CONFLICT: its columns in the INSERT's order (defaults last),
  // so that each parameter set of the INSERT is one row of the copy. Nothing
  // for any other statement.
  std::optional<compiled_statement> copy_from(const statement_data& s);

  compiled_statement compile(const statement_data& s);

 private:
  struct piece {
    std::string text;
    std::vector<std::pair<std::size_t, bind_slot>> binds;  // offset of each placeholder in text
  };

  static void append(piece& to, const piece& from);

  compiled_statement assemble(const std::vector<piece>& pieces) const;

  void write(std::string_view text) { out_->text += text; }
  void identifier(std::string_view name) { out_->text += dialect_.format_identifier(name); }
  void placeholder(bind_slot slot) { out_->binds.emplace_back(out_->text.size(), std::move(slot)); }

  // ---- statements

  void statement(const statement_data& s, bool nested);

  void compound(const statement_data& s, bool nested);

  void select(const statement_data& s, bool nested);

  // A column of a SELECT list or RETURNING clause; true when it was a label (`expr AS name`).
  bool result_column(const node& column);

  // ORDER BY, LIMIT and OFFSET of a select or a compound.
  void tail(const statement_data& s);

  void list(const std::vector<node_ptr>& nodes, bool labels_by_name);

  // The FROM entries of a select: those given (select_from, joins), then every
  // other table its columns and conditions mention, in order of appearance.
  // Inside another statement, tables of the enclosing query are left out
  // (correlation) unless nothing would remain.
  std::vector<from_entry> from_list(const statement_data& s, bool nested);

  bool enclosing(const from_item* item) const;

  void from_reference(const from_item& item);

  // A derived table or CTE body: compiled on its own, seeing no enclosing query.
  void nested_body(const statement_data& body);

  // Writes a CTE's definition into the WITH clause once; a CTE named while it is
  // being defined is the recursive reference to itself.
  void define_cte(const from_item& item);

  // One CTE, or one and the CTE that union_all() extended it into (whose body
  // starts with this one's): the recursive part names the CTE it extends.
  static bool related_ctes(const from_item& a, const from_item& b);

  // ---- DML

  void returning(const statement_data& s);

  void assignments(const std::vector<assignment_node>& set);
  void assigned_value(const assignment_node& a);

  // Columns an INSERT leaves out that take their default_() value, as SQLAlchemy's Python-side defaults do.
  static std::vector<const column_info*> left_to_defaults(const statement_data& s);

  void insert(const statement_data& s);

  void update(const statement_data& s);

  void delete_(const statement_data& s);

  void where_of_target(const statement_data& s);

  // ---- expressions

  void child(const node& n, std::uint8_t parent, bool right = false);

  void expression(const node& n, std::uint8_t);

  // LIKE's escape character: patterns built by startswith() and contains() escape with '/'.
  void like_escape(const node& escape) { write(" ESCAPE '" + escape.text + "'"); }

  const dialect& dialect_;
  piece* out_ = nullptr;
  std::vector<piece> ctes_;
  std::vector<std::string> cte_names_;
  std::vector<const from_item*> cte_items_;
  bool recursive_ = false;
  bool qualify_ = true;
  std::vector<const std::vector<const from_item*>*> scopes_;
};

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/core/detail/impl/compiler.ipp"
#include "quarry/core/detail/impl/compiler_dml.ipp"
#endif
