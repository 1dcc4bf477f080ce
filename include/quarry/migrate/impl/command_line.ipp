// The non-template implementation of quarry/migrate/command_line.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/migrate/command_line.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "quarry/engine/engine.hpp"
#include "quarry/migrate/detail/cpp_render.hpp"

namespace quarry::migrate {

namespace detail {

class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr const char* command_usage =
    "usage: migrate COMMAND [ARGUMENTS] [--url URL]\n"
    "  init                          make the versions directory and a migrate.cpp to start from\n"
    "  revision -m MSG [--autogenerate] [--head REV] [--rev-id ID] [--accept-renames]\n"
    "                                write a new revision file (autogenerate: from the models' differences)\n"
    "  merge -m MSG REV REV...       write a revision that merges branches ('heads': all of them)\n"
    "  upgrade [TARGET] [--force]    apply revisions up to TARGET (head, heads, an id or prefix, +N)\n"
    "  downgrade TARGET              undo revisions down to TARGET (base, an id or prefix, -N)\n"
    "  upgrade|downgrade ... --sql [--from REV]   print the SQL instead of running it\n"
    "  stamp TARGET                  mark TARGET applied without running anything\n"
    "  current | history | heads | branches\n"
    "  check                         exit 1 if the database is behind, changed, or differs from the models\n"
    "  lint [TARGET] [--from REV]    PostgreSQL: exit 1 if what an upgrade runs would lock or break a busy database\n"
    "every command takes --url URL (else $QUARRY_DATABASE_URL); revision, merge and init take --versions DIR\n";

struct command_line {
  std::string verb;
  std::vector<std::string> arguments;
  std::map<std::string, std::string> values;
  std::set<std::string> flags;

  std::string value(const std::string& name, std::string otherwise = {}) const {
    auto it = values.find(name);
    return it == values.end() ? otherwise : it->second;
  }
  bool flag(const std::string& name) const { return flags.count(name) > 0; }
};

QUARRY_DECL command_line parse_command_line(int argc, const char* const* argv) {
  static const std::set<std::string> with_value{"-m", "--message", "--url", "--head", "--rev-id", "--from", "--versions"};
  static const std::set<std::string> flags{"--autogenerate", "--sql", "--force", "--accept-renames", "--help", "-h"};
  command_line out;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (with_value.count(arg)) {
      if (i + 1 >= argc) throw usage_error(arg + " needs a value");
      out.values[arg == "--message" ? "-m" : arg] = argv[++i];
    } else if (flags.count(arg)) {
      out.flags.insert(arg == "-h" ? "--help" : arg);
    } else if (arg.size() > 1 && arg[0] == '-' && (arg.size() < 2 || arg[1] < '0' || arg[1] > '9')) {
      throw usage_error("unknown option " + arg);
    } else if (out.verb.empty()) {
      out.verb = arg;
    } else {
      out.arguments.push_back(arg);
    }
  }
  return out;
}

// Runs the verbs; the exit status of main().
class command_runner {
 public:
  command_runner(const command_line& line, const command_config& config)
      : line_(line), config_(config), out_(config.out ? *config.out : std::cout) {}

  int run() {
    const auto& verb = line_.verb;
    if (verb == "init") return init();
    if (verb == "revision") return write_revision();
    if (verb == "merge") return merge();
    if (verb == "upgrade") return upgrade();
    if (verb == "downgrade") return downgrade();
    if (verb == "stamp") return stamp();
    if (verb == "current") return current();
    if (verb == "history") return history();
    if (verb == "heads") return heads();
    if (verb == "branches") return branches();
    if (verb == "check") return check();
    if (verb == "lint") return lint();
    throw usage_error(verb.empty() ? "no command given" : "unknown command '" + verb + "'");
  }

 private:
  std::vector<revision> revisions() const {
    return config_.revisions.empty() ? registered_revisions() : config_.revisions;
  }
  std::string url() const {
    if (auto given = line_.value("--url"); !given.empty()) return given;
    if (const char* env = std::getenv(config_.url_variable.c_str()); env && *env) return env;
    if (!config_.url.empty()) return config_.url;
    throw usage_error("no database URL: pass --url URL or set " + config_.url_variable);
  }
  std::string versions_directory() const { return line_.value("--versions", config_.versions_directory); }
  Engine& engine() {
    if (!engine_) engine_ = create_engine(url());
    return *engine_;
  }
  migrator make_migrator() { return migrator(engine(), revisions(), config_.options); }
  revision_graph graph() const { return revision_graph(revisions()); }
  MetaData models() const { return config_.models ? config_.models() : quarry::metadata.get(); }
  // Autogenerate's options, never comparing the migrator's own version table.
  autogenerate_options autogenerate() const {
    auto options = config_.autogenerate;
    options.version_table = config_.options.version_table;
    return options;
  }
  std::string argument(std::size_t i, const char* what) const {
    if (i >= line_.arguments.size()) throw usage_error(line_.verb + " needs " + what);
    return line_.arguments[i];
  }
  std::string optional_argument(std::size_t i, std::string otherwise) const {
    return i < line_.arguments.size() ? line_.arguments[i] : otherwise;
  }
  static std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
  }
  std::string describe(const std::string& id) const {
    auto g = graph();
    auto& r = g.get(id);
    return (r.down_revisions.empty() ? std::string("<base>") : joined(r.down_revisions)) + " -> " + r.id +
           (r.message.empty() ? "" : ", " + r.message);
  }

  int init() {
    std::filesystem::path versions = std::filesystem::path(optional_argument(0, versions_directory())).lexically_normal();
    if (!versions.has_filename()) versions = versions.parent_path();  // "migrations/versions/"
    if (std::filesystem::exists(versions) && !std::filesystem::is_empty(versions))
      throw CommandError("quarry: " + versions.string() + " already exists and is not empty");
    std::filesystem::create_directories(versions);
    out_ << "made " << versions.string() << "\n";
    auto main_file = versions.parent_path() / "migrate.cpp";
    if (!std::filesystem::exists(main_file)) {
      std::ofstream(main_file) << "// The application's migration tool: build it with every file of " << versions.filename().string()
                               << "/ and the\n// header of the models (autogenerate compares them with the database).\n"
                                  "#include <quarry/migrate.hpp>\n\nint main(int argc, char** argv) {\n"
                                  "  return quarry::migrate::main(argc, argv, {.url = \"sqlite:///app.db\", "
                                  ".versions_directory = "
                               << cpp_literal_of(versions.string()) << "});\n}\n";
      out_ << "wrote " << main_file.string() << "\n";
    }
    return 0;
  }
  static std::string cpp_literal_of(const std::string& text) { return migrate::detail::cpp_literal(text); }

  int write_file(const revision_source& source, const std::vector<schema_change>& changes) {
    auto text = render_revision(changes, source);  // first: it refuses an id that cannot name a file
    std::filesystem::path directory = versions_directory();
    std::filesystem::create_directories(directory);
    auto path = directory / revision_file_name(source.id, source.message);
    if (std::filesystem::exists(path)) throw CommandError("quarry: " + path.string() + " already exists");
    std::ofstream file(path, std::ios::binary);
    file << text;
    if (!file) throw CommandError("quarry: could not write " + path.string());
    out_ << "wrote " << path.string() << " (revision " << source.id << "); build the tool again to include it\n";
    return 0;
  }

  int write_revision() {
    auto message = line_.value("-m");
    if (message.empty()) throw usage_error("revision needs -m MESSAGE");
    auto g = graph();
    std::vector<std::string> down = line_.value("--head").empty() ? g.heads() : g.resolve(line_.value("--head"));
    std::sort(down.begin(), down.end());
    if (down.size() > 1)
      throw CommandError("quarry: there are several heads (" + joined(down) +
                         "): choose one with --head, or merge them first (migrate merge -m MSG heads)");
    revision_source source{line_.value("--rev-id", new_revision_id()), down, message, line_.flag("--accept-renames")};
    std::vector<schema_change> changes;
    if (line_.flag("--autogenerate")) {
      auto m = make_migrator();
      auto at = m.current();
      std::sort(at.begin(), at.end());
      if (at != down)
        throw CommandError("quarry: the database is at " + (at.empty() ? std::string("<base>") : joined(at)) +
                           ", not at " + (down.empty() ? std::string("<base>") : joined(down)) +
                           ": upgrade it first, so that autogenerate compares the models with the schema the revisions make");
      changes = compare_metadata(models(), engine(), autogenerate());
      if (changes.empty()) out_ << "no differences between the models and the database\n";
      for (auto& c : changes) out_ << (c.suggestion ? "  guess: " : "  ") << c.description << "\n";
      if (!source.accept_renames && std::any_of(changes.begin(), changes.end(), [](auto& c) { return c.suggestion; }))
        out_ << "confirm the guessed renames in the file (it will not compile until you do), or pass --accept-renames\n";
    }
    return write_file(source, changes);
  }

  int merge() {
    auto message = line_.value("-m");
    if (message.empty()) throw usage_error("merge needs -m MESSAGE");
    auto g = graph();
    std::vector<std::string> down;
    for (auto& target : line_.arguments)
      for (auto& id : g.resolve(target))
        if (std::find(down.begin(), down.end(), id) == down.end()) down.push_back(id);
    if (down.size() < 2) throw usage_error("merge needs two or more revisions (or 'heads' when there are several)");
    return write_file({line_.value("--rev-id", new_revision_id()), down, message, false}, {});
  }

  int upgrade() {
    auto target = optional_argument(0, "head");
    if (line_.flag("--sql")) {
      out_ << make_migrator().upgrade_sql(target, line_.value("--from", "base"));
      return 0;
    }
    auto options = config_.options;
    options.force = options.force || line_.flag("--force");
    auto applied = migrator(engine(), revisions(), options).upgrade(target);
    for (auto& id : applied) out_ << "upgraded " << describe(id) << "\n";
    if (applied.empty()) out_ << "nothing to upgrade\n";
    return 0;
  }

  int downgrade() {
    auto target = argument(0, "a TARGET (base, -1, or a revision)");
    if (line_.flag("--sql")) {
      out_ << make_migrator().downgrade_sql(target, line_.value("--from", "heads"));
      return 0;
    }
    auto undone = make_migrator().downgrade(target);
    for (auto& id : undone) out_ << "downgraded " << describe(id) << "\n";
    if (undone.empty()) out_ << "nothing to downgrade\n";
    return 0;
  }

  int stamp() {
    auto target = argument(0, "a TARGET");
    make_migrator().stamp(target);
    out_ << "stamped " << target << "\n";
    return 0;
  }

  int current() {
    auto m = make_migrator();
    auto heads = m.heads();
    for (auto& id : m.current())
      out_ << id << (std::find(heads.begin(), heads.end(), id) != heads.end() ? " (head)" : "") << "\n";
    return 0;
  }

  int history() {
    for (auto& entry : make_migrator().history()) {
      out_ << (entry.down_revisions.empty() ? std::string("<base>") : joined(entry.down_revisions)) << " -> " << entry.id;
      if (entry.head) out_ << " (head)";
      if (entry.branch_point) out_ << " (branchpoint)";
      if (entry.down_revisions.size() > 1) out_ << " (mergepoint)";
      out_ << ", " << entry.message;
      if (entry.applied) out_ << (entry.changed ? " [applied, CHANGED since]" : " [applied]");
      out_ << "\n";
    }
    return 0;
  }

  int heads() {
    for (auto& id : graph().heads()) out_ << id << " (head)\n";
    return 0;
  }

  int branches() {
    auto g = graph();
    for (auto& id : g.branch_points()) {
      std::vector<std::string> children;
      for (auto& r : g.revisions())
        if (std::find(r.down_revisions.begin(), r.down_revisions.end(), id) != r.down_revisions.end()) children.push_back(r.id);
      out_ << id << " (branchpoint) -> " << joined(children) << "\n";
    }
    return 0;
  }

  int check() {
    auto m = make_migrator();
    int problems = 0;
    auto at = m.current();
    auto heads = m.heads();
    std::sort(at.begin(), at.end());
    std::sort(heads.begin(), heads.end());
    if (at != heads) {
      out_ << "the database is at " << (at.empty() ? std::string("<base>") : joined(at)) << ", not at the head ("
           << joined(heads) << ")\n";
      ++problems;
    }
    for (auto& id : m.changed()) {
      out_ << "revision " << id << " changed since it was applied\n";
      ++problems;
    }
    if (problems == 0) {
      auto changes = compare_metadata(models(), engine(), autogenerate());
      for (auto& c : changes) out_ << "differs: " << c.description << "\n";
      problems += static_cast<int>(changes.size());
    }
    if (problems == 0) out_ << "no differences: the database is at the head and matches the models\n";
    return problems == 0 ? 0 : 1;
  }

  int lint() {
    auto target = optional_argument(0, "head");
    auto m = make_migrator();
    auto from = line_.value("--from");
    auto warnings = from.empty() ? m.lint(target) : m.lint(target, from);
    for (auto& w : warnings)
      out_ << "revision " << w.revision << ": " << w.statement << "\n  " << w.problem << "\n  safer: " << w.safer << "\n";
    if (warnings.empty()) out_ << "nothing risky\n";
    return warnings.empty() ? 0 : 1;
  }

  const command_line& line_;
  const command_config& config_;
  std::ostream& out_;
  std::optional<Engine> engine_;
};

}  // namespace detail

QUARRY_DECL std::string revision_file_name(const std::string& id, const std::string& message) {
  std::string slug;
  for (char c : message) {
    if (slug.size() >= 40) break;
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z') slug += static_cast<char>(c - 'A' + 'a');
    else if (alnum) slug += c;
    else if (!slug.empty() && slug.back() != '_') slug += '_';
  }
  while (!slug.empty() && slug.back() == '_') slug.pop_back();
  return id + (slug.empty() ? "" : "_" + slug) + ".cpp";
}

QUARRY_DECL int main(int argc, const char* const* argv, const command_config& config) {
  std::ostream& err = config.err ? *config.err : std::cerr;
  try {
    auto line = detail::parse_command_line(argc, argv);
    if (line.flag("--help")) {
      (config.out ? *config.out : std::cout) << detail::command_usage;
      return 0;
    }
    return detail::command_runner(line, config).run();
  } catch (const detail::usage_error& e) {
    err << "migrate: " << e.what() << "\n" << detail::command_usage;
    return 2;
  } catch (const std::exception& e) {
    err << "migrate: FAILED: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace quarry::migrate
