// The non-template implementation of quarry/engine/explain.hpp: reading plans, their text and flags.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/engine/explain.hpp"

#include <charconv>
#include <cstdlib>
#include <map>
#include <utility>

#include "quarry/errors.hpp"

namespace quarry {

namespace detail {

// Just enough JSON for PostgreSQL's EXPLAIN output: objects, arrays, strings, numbers, literals.
struct plan_json {
  enum class kind : std::uint8_t { null, boolean, number, string, array, object };
  kind type = kind::null;
  double number = 0;
  bool boolean = false;
  std::string text;
  std::vector<plan_json> items;
  std::vector<std::string> keys;  // an object's member names, beside their values in `items`

  const plan_json* find(std::string_view key) const {
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == key) return &items[i];
    return nullptr;
  }
};

class plan_json_reader {
 public:
  explicit plan_json_reader(std::string_view text) : text_(text) {}

  plan_json document() {
    plan_json out = value(0);
    skip_space();
    if (at_ < text_.size()) fail("text after the document");
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InternalError("quarry: the database's EXPLAIN output is not the JSON expected (" + what + " at offset " +
                            std::to_string(at_) + ")",
                        error_context{});
  }
  void skip_space() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\t' || text_[at_] == '\r')) ++at_;
  }
  bool take(char c) {
    skip_space();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!take(c)) fail(std::string("'") + c + "' expected");
  }

  plan_json value(int depth) {
    if (depth > 200) fail("nesting too deep");
    skip_space();
    if (at_ >= text_.size()) fail("a value expected");
    plan_json out;
    char c = text_[at_];
    if (c == '{') {
      ++at_;
      out.type = plan_json::kind::object;
      if (take('}')) return out;
      do {
        skip_space();
        std::string key = string();
        expect(':');
        out.keys.push_back(std::move(key));
        out.items.push_back(value(depth + 1));
      } while (take(','));
      expect('}');
    } else if (c == '[') {
      ++at_;
      out.type = plan_json::kind::array;
      if (take(']')) return out;
      do out.items.push_back(value(depth + 1));
      while (take(','));
      expect(']');
    } else if (c == '"') {
      out.type = plan_json::kind::string;
      out.text = string();
    } else if (text_.substr(at_, 4) == "true" || text_.substr(at_, 5) == "false") {
      out.type = plan_json::kind::boolean;
      out.boolean = c == 't';
      at_ += out.boolean ? 4 : 5;
    } else if (text_.substr(at_, 4) == "null") {
      at_ += 4;
    } else {
      out.type = plan_json::kind::number;
      std::size_t end = at_;
      while (end < text_.size() && std::string_view("+-0123456789.eE").find(text_[end]) != std::string_view::npos) ++end;
      auto [ptr, ec] = std::from_chars(text_.data() + at_, text_.data() + end, out.number);
      if (ec != std::errc() || ptr == text_.data() + at_) fail("a number expected");
      at_ = end;
    }
    return out;
  }

  std::string string() {
    if (at_ >= text_.size() || text_[at_] != '"') fail("a string expected");
    ++at_;
    std::string out;
    while (at_ < text_.size() && text_[at_] != '"') {
      char c = text_[at_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_ >= text_.size()) fail("an escape cut short");
      char e = text_[at_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          if (at_ + 4 > text_.size()) fail("a \\u escape cut short");
          unsigned code = 0;
          auto [end, ec] = std::from_chars(text_.data() + at_, text_.data() + at_ + 4, code, 16);
          if (ec != std::errc() || end != text_.data() + at_ + 4) fail("a \\u escape without four hex digits");
          at_ += 4;
          if (code >= 0xD800 && code <= 0xDFFF) code = 0xFFFD;  // half a surrogate pair: the replacement character
          // Plans hold identifiers and expressions: code points past ASCII are written as UTF-8.
          if (code < 0x80) {
            out += static_cast<char>(code);
          } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
          }
          break;
        }
        default: out += e;
      }
    }
    if (at_ >= text_.size()) fail("a string without its closing quote");
    ++at_;
    return out;
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

QUARRY_DECL plan_node postgresql_node(const plan_json& json) {
  plan_node node;
  auto text = [&](std::string_view key) -> std::string {
    auto* v = json.find(key);
    return v && v->type == plan_json::kind::string ? v->text : std::string();
  };
  auto number = [&](std::string_view key) -> std::optional<double> {
    auto* v = json.find(key);
    if (!v || v->type != plan_json::kind::number) return std::nullopt;
    return v->number;
  };
  auto integer = [&](std::string_view key) -> std::optional<std::int64_t> {
    auto n = number(key);
    if (!n) return std::nullopt;
    return static_cast<std::int64_t>(*n);
  };
  node.operation = text("Node Type");
  if (auto op = text("Operation"); !op.empty() && node.operation == "ModifyTable") node.operation = op;
  node.relation = text("Relation Name");
  node.index = text("Index Name");
  std::string detail;
  for (std::string_view key : {"Index Cond", "Recheck Cond", "Filter", "Hash Cond", "Merge Cond", "Join Filter", "Group Key", "Sort Key"}) {
    auto* v = json.find(key);
    if (!v) continue;
    std::string value = v->text;
    if (v->type == plan_json::kind::array) {
      for (auto& item : v->items) value += (value.empty() ? "" : ", ") + item.text;
    }
    detail += (detail.empty() ? "" : "; ") + std::string(key) + ": " + value;
  }
  node.detail = std::move(detail);
  node.startup_cost = number("Startup Cost");
  node.total_cost = number("Total Cost");
  node.estimated_rows = number("Plan Rows");
  node.actual_rows = number("Actual Rows");
  node.actual_ms = number("Actual Total Time");
  node.loops = integer("Actual Loops");
  node.shared_hit_blocks = integer("Shared Hit Blocks");
  node.shared_read_blocks = integer("Shared Read Blocks");
  if (auto* plans = json.find("Plans"))
    for (auto& child : plans->items) node.children.push_back(postgresql_node(child));
  return node;
}

QUARRY_DECL void read_postgresql_plan(std::string_view json, query_plan& out) {
  plan_json document = plan_json_reader(json).document();
  const plan_json* top = document.type == plan_json::kind::array && !document.items.empty() ? &document.items.front() : &document;
  const plan_json* plan = top->find("Plan");
  if (!plan) throw InternalError("quarry: the database's EXPLAIN output has no \"Plan\"", error_context{});
  out.nodes.push_back(postgresql_node(*plan));
  if (auto* t = top->find("Planning Time")) out.planning_ms = t->number;
  if (auto* t = top->find("Execution Time")) out.execution_ms = t->number;
  if (out.nodes.front().actual_rows) out.rows = static_cast<std::int64_t>(*out.nodes.front().actual_rows);
}

QUARRY_DECL std::vector<plan_node> sqlite_plan_tree(const std::vector<sqlite_plan_row>& rows) {
  // Rows come parents first; children attach by parent id.
  std::vector<plan_node> roots;
  std::map<std::int64_t, std::vector<std::size_t>> path_of;  // id -> indexes from the roots down
  for (auto& row : rows) {
    plan_node node;
    node.detail = row.detail;
    std::string_view d = row.detail;
    for (std::string_view op : {"SCAN", "SEARCH", "USE TEMP B-TREE", "SCALAR SUBQUERY", "CORRELATED SCALAR SUBQUERY",
                                "CO-ROUTINE", "MATERIALIZE", "COMPOUND QUERY", "MULTI-INDEX OR", "LIST SUBQUERY", "BLOOM FILTER"}) {
      if (d.starts_with(op)) {
        node.operation = std::string(op);
        break;
      }
    }
    if (node.operation.empty()) node.operation = std::string(d.substr(0, d.find(' ')));
    if ((node.operation == "SCAN" || node.operation == "SEARCH") && d.size() > node.operation.size() + 1) {
      // "SCAN t", "SCAN TABLE t" (before SQLite 3.36), "SEARCH t AS a USING INDEX ix (x=?)";
      // "SCAN CONSTANT ROW" and "SCAN (subquery-1)" read no table.
      auto rest = d.substr(node.operation.size() + 1);
      if (rest.starts_with("TABLE ")) rest.remove_prefix(6);
      if (!rest.starts_with("CONSTANT ROW") && !rest.starts_with("(")) node.relation = std::string(rest.substr(0, rest.find(' ')));
      if (auto at = rest.find("INDEX "); at != std::string_view::npos) {
        auto name = rest.substr(at + 6);
        node.index = std::string(name.substr(0, name.find(' ')));
      } else if (rest.find("PRIMARY KEY") != std::string_view::npos) {
        node.index = "PRIMARY KEY";
      }
    }
    auto parent = path_of.find(row.parent);
    std::vector<std::size_t> path;
    std::vector<plan_node>* siblings = &roots;
    if (parent != path_of.end()) {
      path = parent->second;
      plan_node* at = &roots[path[0]];
      for (std::size_t i = 1; i < path.size(); ++i) at = &at->children[path[i]];
      siblings = &at->children;
    }
    path.push_back(siblings->size());
    siblings->push_back(std::move(node));
    path_of[row.id] = std::move(path);
  }
  return roots;
}

QUARRY_DECL std::string explain_statement(std::string_view dialect, std::string_view sql, const explain_options& options) {
  if (dialect == "sqlite") {
    if (options.buffers) throw ArgumentError("quarry: explain_options::buffers is PostgreSQL's; SQLite has no buffer counts");
    return "EXPLAIN QUERY PLAN " + std::string(sql);
  }
  if (dialect == "postgresql") {
    if (options.buffers && !options.analyze)
      throw ArgumentError("quarry: explain_options::buffers needs analyze (buffers are counted while the statement runs)");
    std::string head = "EXPLAIN (FORMAT JSON";
    if (options.analyze) head += ", ANALYZE";
    if (options.buffers) head += ", BUFFERS";
    return head + ") " + std::string(sql);
  }
  throw ArgumentError("quarry: explain() knows SQLite's and PostgreSQL's plans, not " + std::string(dialect) + "'s");
}

QUARRY_DECL std::vector<plan_flag> plan_flag_candidates(const query_plan& plan) {
  std::vector<plan_flag> out;
  plan.for_each([&](const plan_node& node, std::size_t) {
    if (node.operation == "SCAN" && node.index.empty() && !node.relation.empty())
      out.push_back({plan_flag_kind::full_scan, node.relation, node.detail});
    else if (node.operation == "Seq Scan" && !node.relation.empty())
      out.push_back({plan_flag_kind::full_scan, node.relation, "Seq Scan on " + node.relation});
    else if (node.operation == "USE TEMP B-TREE")
      out.push_back({plan_flag_kind::sort_without_index, {}, node.detail});
    else if (node.operation == "Sort" || node.operation == "Incremental Sort")
      out.push_back({plan_flag_kind::sort_without_index, {}, node.detail});
  });
  return out;
}

QUARRY_DECL void render_plan_node(const plan_node& node, std::size_t depth, std::string& out) {
  std::string indent(depth * 2, ' ');
  out += indent + (depth ? "-> " : "");
  auto fixed = [](double v) {
    char buffer[32];
    auto end = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::fixed, 2).ptr;
    return std::string(buffer, end);
  };
  if (!node.total_cost) {
    out += (node.detail.empty() ? node.operation : node.detail) + "\n";  // SQLite's line says it all
  } else {
    out += node.operation;
    if (!node.relation.empty()) out += " on " + node.relation;
    if (!node.index.empty()) out += " using " + node.index;
    out += "  (cost " + fixed(node.startup_cost.value_or(0)) + ".." + fixed(*node.total_cost) + ", rows " +
           std::to_string(static_cast<std::int64_t>(node.estimated_rows.value_or(0))) + ")";
    if (node.actual_rows)
      out += "  [actual rows " + std::to_string(static_cast<std::int64_t>(*node.actual_rows)) + ", " +
             fixed(node.actual_ms.value_or(0)) + " ms, loops " + std::to_string(node.loops.value_or(1)) + "]";
    if (node.shared_hit_blocks || node.shared_read_blocks)
      out += "  [buffers hit " + std::to_string(node.shared_hit_blocks.value_or(0)) + ", read " +
             std::to_string(node.shared_read_blocks.value_or(0)) + "]";
    out += "\n";
    if (!node.detail.empty()) out += indent + (depth ? "     " : "  ") + node.detail + "\n";
  }
  for (auto& child : node.children) render_plan_node(child, depth + 1, out);
}

QUARRY_DECL void visit_plan_node(const plan_node& node, std::size_t depth, const std::function<void(const plan_node&, std::size_t)>& fn) {
  fn(node, depth);
  for (auto& child : node.children) visit_plan_node(child, depth + 1, fn);
}

}  // namespace detail

QUARRY_DECL std::string plan_flag::describe() const {
  if (kind == plan_flag_kind::full_scan) return "full scan of " + table + " (" + detail + "): add an index for the condition";
  return "sort without an index (" + detail + "): an index in this order would spare it";
}

QUARRY_DECL std::string query_plan::text() const {
  std::string out;
  for (auto& node : nodes) detail::render_plan_node(node, 0, out);
  auto fixed = [](double v) {
    char buffer[32];
    auto end = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::fixed, 3).ptr;
    return std::string(buffer, end);
  };
  if (planning_ms) out += "planning: " + fixed(*planning_ms) + " ms\n";
  if (execution_ms) out += "execution: " + fixed(*execution_ms) + " ms" + (rows ? ", " + std::to_string(*rows) + " rows" : "") + "\n";
  for (auto& flag : flags) out += "flag: " + flag.describe() + "\n";
  return out;
}

QUARRY_DECL bool query_plan::has_flag(plan_flag_kind kind) const {
  for (auto& f : flags)
    if (f.kind == kind) return true;
  return false;
}

QUARRY_DECL void query_plan::for_each(const std::function<void(const plan_node&, std::size_t)>& fn) const {
  for (auto& node : nodes) detail::visit_plan_node(node, 0, fn);
}

}  // namespace quarry
