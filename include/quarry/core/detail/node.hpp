// The untyped statement tree (node, its kinds and depth limit) that typed wrappers hold.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "quarry/core/compiled.hpp"
#include "quarry/core/schema.hpp"
#include "quarry/errors.hpp"
#include "quarry/types/sql_type.hpp"
#include "quarry/types/value.hpp"

// The untyped statement tree. Typed wrappers (expr<T>, select_statement<Row>,
// ...) only check types and build these nodes; the compiler walks them once,
// outside any template.
namespace quarry {
// How deeply expressions may nest, AND and OR chains aside (those may be of any
// length): a tree deeper than this is refused when it is built, before a walk
// of it could exhaust the stack. SQLite refuses deeper trees too (SQLITE_MAX_EXPR_DEPTH).
inline constexpr std::uint32_t max_expression_depth = 1000;
}  // namespace quarry

namespace quarry::detail {

struct node;
struct from_item;
struct statement_data;
using node_ptr = std::shared_ptr<const node>;

enum class node_kind : std::uint8_t {
  column,     // a column of `from`: text is its name
  literal,    // a bound value
  bind,       // a named bind parameter whose value comes at execution; text is the name
  binary,     // children[0] text children[1]
  prefix,     // text children[0]             (NOT, -, DISTINCT, EXISTS)
  postfix,    // children[0] text             (IS NULL, ASC, DESC, NULLS FIRST)
  function,   // text(children...)
  label,      // children[0] AS text
  case_,      // CASE WHEN c0 THEN c1 ... [ELSE last] END; `count` is the number of WHEN pairs
  cast,       // CAST(children[0] AS type)
  in_list,    // children[0] text (children[1], ...); an empty list never reaches the compiler
  subquery,   // (statement): scalar, IN and EXISTS operands
  between,    // children[0] text children[1] AND children[2]
  over,       // children[0] OVER (PARTITION BY the next `count` children ORDER BY the rest)
  grouping,   // (children...) as a row value
  star,       // *
  raw,        // text, verbatim: literal_column() and text() fragments only
  json_get,   // children[0] -> key; text is the key, `count` 1 when read as text
  empty_set,  // the result of IN () over no values: count 1 for NOT IN
};

// How tightly an operator binds; a child binding looser than its parent is parenthesized.
namespace precedence {
inline constexpr std::uint8_t lowest = 0, or_ = 1, and_ = 2, not_ = 3, comparison = 4, additive = 5,
                              multiplicative = 6, unary = 7, atom = 9;
}

// What the shape cache's walk worked out about a node, kept so that later
// walks of a node shared by many statements (a model's columns) stop there
// (quarry/core/detail/shape_cache.hpp). Nodes are shared between threads,
// hence the atomic; a copy is edited next, so it starts without one.
class shape_memo {
 public:
  shape_memo() = default;
  shape_memo(const shape_memo&) noexcept {}
  shape_memo& operator=(const shape_memo&) noexcept;
  std::size_t load() const noexcept { return value_.load(std::memory_order_relaxed); }
  void store(std::size_t v) const noexcept { value_.store(v, std::memory_order_relaxed); }

 private:
  mutable std::atomic<std::size_t> value_{0};
};

// A node's operands. Most nodes have at most two (a comparison, a column and
// its literal), kept inline: a statement built per call then allocates one
// block per node and none for its operand list.
class node_children {
 public:
  node_children() = default;
  node_children(const node_children& other) { assign(other.begin(), other.end()); }
  node_children& operator=(const node_children& other);
  node_children(node_children&& other) noexcept;
  node_children& operator=(node_children&& other) noexcept;
  ~node_children() = default;

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  node_ptr* begin() noexcept { return spilled() ? spill_.data() : inline_.data(); }
  node_ptr* end() noexcept { return begin() + size_; }
  const node_ptr* begin() const noexcept { return spilled() ? spill_.data() : inline_.data(); }
  const node_ptr* end() const noexcept { return begin() + size_; }
  node_ptr& operator[](std::size_t i) noexcept { return begin()[i]; }
  const node_ptr& operator[](std::size_t i) const noexcept { return begin()[i]; }
  const node_ptr& back() const noexcept { return begin()[size_ - 1]; }

  void push_back(node_ptr n);
  template <class It>
  void assign(It first, It last) {
    clear();
    for (; first != last; ++first) push_back(*first);
  }
  void clear() noexcept;

 private:
  static constexpr std::size_t inline_capacity = 2;
  bool spilled() const noexcept { return size_ > inline_capacity; }

  std::array<node_ptr, inline_capacity> inline_{};
  std::vector<node_ptr> spill_;  // all of them, once there are more than inline_ holds
  std::size_t size_ = 0;
};

struct node {
  node() = default;
  node(const node&) = default;
  node& operator=(const node&) = default;
  ~node();

  node_kind kind;
  std::uint8_t precedence = precedence::atom;
  std::uint32_t count = 0;
  std::uint32_t depth = 1;  // levels of nesting below and including this node, a chain counting as one
  std::string text;
  value literal;
  sql_type type;  // cast target
  std::shared_ptr<const void> type_storage;
  node_children children;
  std::shared_ptr<const from_item> from;         // column
  std::shared_ptr<const statement_data> select;  // subquery
  shape_memo shape;
};

// AND and OR: the operators a program chains in a loop over a user's filter
// list. Every walk of a tree takes a chain's operands in a loop (for_each_operand)
// rather than by recursion, so that a chain of any length costs no stack.
inline bool is_chain(const node& n) noexcept {
  return n.kind == node_kind::binary && (n.precedence == precedence::and_ || n.precedence == precedence::or_);
}

// Pointers to visit, without allocating for the few a statement usually has.
class node_stack {
 public:
  void push(const node* n);
  const node* pop() noexcept;
  bool empty() const noexcept { return size_ == 0; }

 private:
  std::array<const node*, 16> small_{};
  std::vector<const node*> large_;
  std::size_t size_ = 0;
};

// The operands of chain `n`, left to right, one per next() (null after the
// last), opening the nested nodes of the same operator: (a AND b) AND c and
// a AND (b AND c) both give a, b, c, as both compile to a AND b AND c.
class chain_operands {
 public:
  explicit chain_operands(const node& chain);
  const node* next();

 private:
  const node& chain_;
  node_stack pending_;
};

template <class Fn>
void for_each_operand(const node& chain, Fn&& fn) {
  chain_operands operands(chain);
  while (const node* c = operands.next()) fn(*c);
}

// Sets n.depth from its children's, refusing a tree nested deeper than max_expression_depth.
[[gnu::noinline]] inline void set_depth(node& n) {
  std::uint32_t depth = 1;
  bool chain = is_chain(n);
  for (auto& c : n.children) {
    if (!c) continue;
    bool same_chain = chain && c->kind == n.kind && c->precedence == n.precedence && c->text == n.text;
    std::uint32_t d = same_chain ? c->depth : c->depth + 1;
    depth = d > depth ? d : depth;
  }
  if (depth > max_expression_depth)
    throw ArgumentError("quarry: this expression nests more than " + std::to_string(max_expression_depth) +
                        " levels deep; chains of AND and OR may be of any length, and a long list of values "
                        "belongs in in_()");
  n.depth = depth;
}

// Statement building is not hot enough to be worth inlining into every
// expression of every query, which costs compile time: these stay calls.
// The children are moved from.
[[gnu::noinline]] inline node_ptr make_node_of(node_kind kind, std::uint8_t prec, std::string_view text,
                                               std::span<node_ptr> children) {
  auto n = std::make_shared<node>();
  n->kind = kind;
  n->precedence = prec;
  n->text.assign(text.data(), text.size());
  n->children.assign(std::make_move_iterator(children.begin()), std::make_move_iterator(children.end()));
  if (!n->children.empty()) set_depth(*n);
  return n;
}
inline node_ptr make_node(node_kind kind, std::uint8_t prec, std::string_view text) {
  return make_node_of(kind, prec, text, {});
}
template <class... Children>
node_ptr make_node(node_kind kind, std::uint8_t prec, std::string_view text, Children... children) {
  std::array<node_ptr, sizeof...(Children)> list{node_ptr(std::move(children))...};
  return make_node_of(kind, prec, text, list);
}

[[gnu::noinline]] inline node_ptr literal_node(value v) {
  auto n = std::make_shared<node>();
  n->kind = node_kind::literal;
  n->literal = std::move(v);
  return n;
}

// Something a FROM clause names: a table (or an alias of one), a derived table
// (subquery), or a common table expression.
struct from_item {
  enum class kind_t : std::uint8_t { table, subquery, cte };
  kind_t kind = kind_t::table;
  std::shared_ptr<const table_info> table;       // table
  std::string alias;                             // alias, subquery or CTE name
  std::shared_ptr<const statement_data> body;    // subquery, CTE
  std::vector<std::string> columns;              // output column names of a subquery or CTE
  bool recursive = false;

  const std::string& name() const noexcept { return kind == kind_t::table && alias.empty() ? table->name : alias; }
};
using from_ptr = std::shared_ptr<const from_item>;

enum class join_kind : std::uint8_t { inner, left, right, full };

struct join_clause {
  join_kind kind;
  from_ptr target;
  node_ptr on;
};

// A FROM entry and the joins hanging off it.
struct from_entry {
  from_ptr item;
  std::vector<join_clause> joins;
};

struct order_term {
  node_ptr expression;  // already carries ASC/DESC/NULLS as postfix nodes
};

struct assignment_node {
  assignment_node(std::string column_name, node_ptr value_node)
      : column(std::move(column_name)), value(std::move(value_node)) {}
  // The literal is made by make_literal() right in place: no value is moved.
  template <class MakeLiteral>
  assignment_node(const std::string& column_name, std::in_place_t, MakeLiteral&& make_literal)
      : column(column_name), literal(make_literal()) {}

  std::string column;
  node_ptr value;          // the expression; null when the value is `literal`
  quarry::value literal{};  // values(object) holds its values here: no node per column
};

// A statement's column list, shared by copies of the statement until one of
// them changes it: every select<M>() points at the model's one list, so
// building a statement does not copy it and the shape cache hashes and
// compares it by address.
class node_list {
 public:
  using items = std::vector<node_ptr>;
  node_list() = default;
  // A table's list of all its columns, never changed.
  explicit node_list(std::shared_ptr<const items> table_columns) noexcept
      : items_(std::move(table_columns)), table_columns_(true) {}

  const items& get() const noexcept { return items_ ? *items_ : none(); }
  const node_ptr* begin() const noexcept { return items_ ? items_->data() : nullptr; }
  const node_ptr* end() const noexcept { return items_ ? items_->data() + items_->size() : nullptr; }
  std::size_t size() const noexcept { return items_ ? items_->size() : 0; }
  bool empty() const noexcept { return size() == 0; }
  const node_ptr& operator[](std::size_t i) const noexcept { return (*items_)[i]; }
  const node_ptr& front() const noexcept { return items_->front(); }
  const node_ptr& back() const noexcept { return items_->back(); }
  bool shares(const node_list& other) const noexcept { return items_ == other.items_; }
  // The address of the table's list this is, or null.
  const void* table_columns() const noexcept { return table_columns_ ? items_.get() : nullptr; }

  // The list to change: this statement's own, copied first when shared.
  items& edit();
  void push_back(node_ptr n) { edit().push_back(std::move(n)); }
  void clear() noexcept {
    items_.reset();
    table_columns_ = false;
  }

 private:
  static const items& none() noexcept;
  std::shared_ptr<const items> items_;
  bool table_columns_ = false;
};

enum class statement_kind : std::uint8_t { select, compound, insert, update, delete_ };

// The shape of the statements most often built anew for each execution, known
// without walking the tree (quarry/core/detail/shape_cache.hpp):
// - object_insert: insert(table<M>).values(object) and nothing else; bit i of
//   `columns` says the object sends column i of the table;
// - keyed: a select of a table's own column list, an update setting columns to
//   values, or a delete, whose one clause is a WHERE `column op value`
//   (select<M>().where(t.id == id), update(t).where(t.id == id).values(t.x = x)).
// Not copied: a copy is edited next.
struct known_shape {
  enum class form_t : std::uint8_t { none, object_insert, keyed };
  known_shape() = default;
  known_shape(const known_shape&) noexcept {}
  known_shape& operator=(const known_shape&) noexcept {
    form = form_t::none;
    return *this;
  }
  form_t form = form_t::none;
  std::uint64_t columns = 0;
};

// One statement of any kind: select, compound select, insert, update, delete.
// Built by the typed statement classes, shared and never changed once compiled.
struct statement_data {
  statement_kind kind = statement_kind::select;

  // select
  node_list columns;
  std::vector<from_entry> froms;   // explicit (select_from) and joined FROM entries
  node_ptr where;
  std::vector<node_ptr> group_by;
  node_ptr having;
  std::vector<node_ptr> order_by;
  node_ptr limit;
  node_ptr offset;
  bool distinct = false;
  bool correlate = true;  // as a subquery, leave out FROM items the enclosing query has

  // compound: parts joined by operators ("UNION ALL", ...); order_by, limit, offset apply to the whole
  std::vector<std::shared_ptr<const statement_data>> parts;
  std::vector<std::string> operators;

  // insert / update / delete
  from_ptr target;
  std::vector<assignment_node> assignments;       // insert values, update SET
  std::vector<std::vector<node_ptr>> more_rows;   // insert: further VALUES rows, in the assignments' columns
  std::vector<std::string> insert_columns;        // insert from select
  std::shared_ptr<const statement_data> source;   // insert from select
  std::vector<node_ptr> returning;
  bool default_values = false;
  // upsert: ON CONFLICT (conflict_columns) DO NOTHING / DO UPDATE SET conflict_set [WHERE conflict_where]
  bool on_conflict = false;
  std::vector<std::string> conflict_columns;
  std::vector<assignment_node> conflict_set;
  node_ptr conflict_where;

  // ORM loader options (joinedload(), ...): the Session reads them, the compiler does not.
  std::vector<std::shared_ptr<const void>> orm_options;

  known_shape known;
  mutable compile_cache compiled;  // emptied whenever the statement is copied to be changed
};

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/core/detail/impl/node.ipp"
#endif
