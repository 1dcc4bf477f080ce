// Quarry - SQLAlchemy for C++20. MIT License.
// A libFuzzer target (clang: -fsanitize=fuzzer) that also builds as a plain
// program replaying files (gcc, the sanitizer builds). The first byte picks what
// the rest drives:
//   0  statements: two expression trees of one shape built from the bytes, the
//      first sharing sub-expressions where the bytes say so; each must bind,
//      through the shape cache, exactly the SQL and values a fresh compile gives
//   1  URLs: make_url() accepts or throws ArgumentError, and what it renders parses back the same
//   2  text(): parameters parse or throw ArgumentError; the SQL keeps the text between them
//   3  rows: a value sent to SQLite and read back is the value sent
// Any other exception, a crash or a sanitizer report is a finding.
#include <quarry/quarry.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace fuzz {
struct Item {
  std::int64_t id{};
  std::int64_t qty{};
  std::string name;
};
QUARRY_MODEL(Item, "fuzz_item", QUARRY_COLUMN(id, quarry::primary_key), QUARRY_COLUMN(qty), QUARRY_COLUMN(name));
}  // namespace fuzz

namespace {

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "quarry fuzz finding: %s\n", what.c_str());
  std::abort();
}

class bytes {
 public:
  bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ >= size_; }
  std::uint8_t next() { return at_ < size_ ? data_[at_++] : 0; }
  std::int64_t number() { return static_cast<std::int8_t>(next()) * 37 + next(); }
  std::string text() {
    std::string out;
    for (std::size_t n = next() % 12; n > 0 && !empty(); --n) out += static_cast<char>(next());
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

using int_expr = quarry::expr<std::int64_t>;
using bool_expr = quarry::expr<bool>;

// Builds a WHERE clause from the bytes. `variant` changes every literal value
// but no structure; `share` lets the bytes reuse an earlier expression object.
std::optional<bool_expr> build(bytes in, int variant, bool share) {
  const auto& t = quarry::table<fuzz::Item>;
  std::vector<int_expr> ints{int_expr(t.id.node()), int_expr(t.qty.node())};
  std::vector<bool_expr> bools{t.id == 0};
  auto literal = [&](std::int64_t v) { return v + variant * 1000; };
  for (int steps = 0; steps < 4000 && !in.empty(); ++steps) {
    std::uint8_t op = in.next();
    std::uint8_t a = in.next(), b = in.next();
    const int_expr& x = ints[a % ints.size()];
    const int_expr& y = ints[b % ints.size()];
    const bool_expr& p = bools[a % bools.size()];
    const bool_expr& q = bools[b % bools.size()];
    switch (op % 12) {
      case 0: ints.push_back(quarry::literal(literal(in.number()))); break;
      case 1: ints.push_back(x + y); break;
      case 2: ints.push_back(x * quarry::literal(literal(in.number()))); break;
      case 3: bools.push_back(x == y); break;
      case 4: bools.push_back(x < quarry::literal(literal(in.number()))); break;
      case 5: bools.push_back(p && q); break;
      case 6: bools.push_back(p || q); break;
      case 7: bools.push_back(!p); break;
      case 8: bools.push_back(x.in_({literal(in.number()), literal(in.number())})); break;
      case 9: bools.push_back(t.name.like(in.text() + std::to_string(variant))); break;
      case 10: bools.push_back(bools.back() || (x == literal(in.number()))); break;  // chains
      case 11: {
        // One comparison object used twice, or two of the same shape with their own values.
        std::int64_t v = literal(in.number());
        if (share) {
          auto c = x == v;
          bools.push_back(c || c);
        } else {
          bools.push_back(x == v || x == v + 1);
        }
        break;
      }
    }
    if (ints.size() > 64) ints.erase(ints.begin() + 2);
    if (bools.size() > 64) bools.erase(bools.begin() + 1);
  }
  return bools.back();
}

template <class Statement>
void check_binds(const Statement& statement, const quarry::dialect& d, const char* which) {
  quarry::detail::execution_plan plan;
  statement.plan(d, plan);
  auto fresh = quarry::compile(statement, d);
  if (plan.compiled->sql != fresh.sql) finding(std::string(which) + ": cached SQL differs:\n" + plan.compiled->sql + "\n" + fresh.sql);
  if (plan.compiled->binds.size() != fresh.params.size()) finding(std::string(which) + ": placeholder count differs");
  for (std::size_t i = 0; i < fresh.params.size(); ++i) {
    const quarry::value* sent = plan.literal(i);
    if (!sent || !(*sent == fresh.params[i]))
      finding(std::string(which) + ": placeholder " + std::to_string(i + 1) + " binds another value than compile() gives\n" + fresh.sql);
  }
}

void statements(bytes in) {
  static const quarry::sqlite::dialect sqlite_dialect;
  const auto& t = quarry::table<fuzz::Item>;
  try {
    auto first = build(in, 0, true);
    auto second = build(in, 1, false);
    auto third = build(in, 2, true);
    for (auto* where : {&first, &second, &third}) {
      auto statement = quarry::select(t.id, t.name).where(**where).order_by(t.id).limit(5);
      check_binds(statement, sqlite_dialect, "select");
      check_binds(quarry::update(t).where(**where).values(t.qty = 7), sqlite_dialect, "update");
    }
  } catch (const quarry::ArgumentError&) {
    // Nested deeper than max_expression_depth: refused, as documented.
  }
}

void urls(bytes in) {
  std::string text;
  while (!in.empty()) text += static_cast<char>(in.next());
  try {
    auto url = quarry::make_url(text);
    auto again = quarry::make_url(url.render(false));
    if (again.render(false) != url.render(false)) finding("URL does not render back the same: " + url.render(false));
  } catch (const quarry::ArgumentError&) {
  }
}

void texts(bytes in) {
  std::string sql;
  while (!in.empty()) sql += static_cast<char>(in.next());
  try {
    quarry::text_clause clause(sql);
    for (auto& name : clause.parameter_names())
      if (name.empty()) finding("an empty parameter name from: " + sql);
    (void)clause.sql(quarry::paramstyle::qmark);
    (void)clause.sql(quarry::paramstyle::numeric_dollar);
  } catch (const quarry::ArgumentError&) {
  }
}

void rows(bytes in) {
  static quarry::Engine engine = quarry::create_engine("sqlite://");
  static quarry::Connection conn = engine.connect();
  std::string payload;
  while (!in.empty()) payload += static_cast<char>(in.next());
  auto text_back = conn.execute(quarry::text("SELECT :v"), {{"v", payload}}).scalar<std::string>();
  if (text_back != payload) finding("text did not come back as sent");
  quarry::blob data;
  for (char c : payload) data.push_back(static_cast<std::byte>(c));
  auto blob_back = conn.execute(quarry::text("SELECT :v"), {{"v", data}}).scalar<quarry::blob>();
  if (blob_back != data) finding("a blob did not come back as sent");
  conn.rollback();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  bytes in(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: statements(in); break;
    case 1: urls(in); break;
    case 2: texts(in); break;
    case 3: rows(in); break;
  }
  return 0;
}

#if !defined(QUARRY_LIBFUZZER)
// Without libFuzzer: replays the files named on the command line (the corpus).
int main(int argc, char** argv) {
  int replayed = 0;
  for (int i = 1; i < argc; ++i) {
    std::ifstream file(argv[i], std::ios::binary);
    std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(data.data(), data.size());
    ++replayed;
  }
  std::printf("quarry fuzz: %d inputs replayed, no finding\n", replayed);
  return replayed > 0 ? 0 : 1;
}
#endif
