#include "usage_errors.h"

#include <cctype>
#include <string_view>
#include <vector>

#include "embedkit/core/error.h"
#include "human_format.h"
#include "suggestions.h"

namespace embedkit::cli {
namespace {

// The apps a parse went through: the root, then each selected subcommand. After a failed parse
// CLI11 keeps them, and each app's unrecognised arguments (remaining()).
std::vector<const CLI::App*> selected_chain(const CLI::App& root) {
  std::vector<const CLI::App*> chain = {&root};
  for (;;) {
    const std::vector<CLI::App*> selected = chain.back()->get_subcommands();
    if (selected.empty()) return chain;
    chain.push_back(selected.front());
  }
}

// "embedkit classify train".
std::string command_path(const std::vector<const CLI::App*>& chain, std::size_t depth) {
  std::string path = "embedkit";
  for (std::size_t i = 1; i <= depth; ++i) path += " " + chain[i]->get_name();
  return path;
}

// The names a person may type after `app`: "--threads", "-q", ... Options in no group are hidden
// (old spellings kept as aliases): they are accepted but never suggested.
std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_group().empty()) continue;
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
    for (const std::string& name : option->get_snames()) names.push_back("-" + name);
  }
  return names;
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* s) { return !s->get_name().empty(); })) {
    names.push_back(sub->get_name());
  }
  return names;
}

// "-1" and "-.5" are values (of an option that took too many, say), not options.
bool looks_like_option(std::string_view arg) {
  if (arg.size() < 2 || arg[0] != '-' || arg == "--") return false;
  const char next = arg[1] == '-' && arg.size() > 2 ? arg[2] : arg[1];
  return !(std::isdigit(static_cast<unsigned char>(next)) || next == '.');
}

std::string run_help_line(const std::vector<const CLI::App*>& chain, std::size_t depth) {
  const bool group = !command_names(*chain[depth]).empty();
  return "Run '" + command_path(chain, depth) + " --help' for its " + (group ? "commands" : "options and examples") +
         ".\n";
}

}  // namespace

std::string usage_error_message(const CLI::App& root, const CLI::Error& error) {
  const std::vector<const CLI::App*> chain = selected_chain(root);
  const std::size_t leaf = chain.size() - 1;
  const auto fail = [&](const std::string& what, std::size_t depth) {
    return "embedkit: error: " + what + "\n" + run_help_line(chain, depth);
  };
  // A word where a command was expected ("embedkit trian -i x": the options after it are its own).
  const std::vector<std::string> commands = command_names(*chain[leaf]);
  const std::vector<std::string> leftover = chain[leaf]->remaining();
  if (!commands.empty() && !leftover.empty() && !looks_like_option(leftover.front())) {
    // Named as typed, with the group before it: "classify trian"; did you mean 'classify train'?
    const std::string group = command_path(chain, leaf).substr(std::string_view("embedkit").size());
    const auto in_group = [&](const std::string& name) { return (group.empty() ? "" : group.substr(1) + " ") + name; };
    const std::string& typed = leftover.front();
    std::vector<std::string> closest = closest_names(typed, commands);
    for (std::string& name : closest) name = in_group(name);
    std::string all;
    for (const std::string& name : commands) all += (all.empty() ? "" : ", ") + name;
    return fail("unknown command '" + printable(in_group(typed)) + "'" +
                    (closest.empty() ? "; commands: " + all : "; did you mean " + join_choices(closest, "'") + "?"),
                leaf);
  }
  // Unknown options, deepest command first. CLI11 reports a missing required option or a bad
  // value before them, but the typo is often the cause of those too ("--inptu x": --input is
  // missing) and is what the person has to fix.
  for (std::size_t depth = chain.size(); depth-- > 0;) {
    for (const std::string& arg : chain[depth]->remaining()) {
      if (!looks_like_option(arg)) continue;
      const std::string name = arg.substr(0, arg.find('='));  // --treads=2
      return fail("unknown option " + printable(name) + did_you_mean(name, option_names(*chain[depth])), depth);
    }
  }
  if (!commands.empty() && error.get_name() == "RequiredError") {
    return fail("'" + command_path(chain, leaf) + "' needs a command: " + join_choices(commands), leaf);
  }
  return fail(printable(error.what()), leaf);
}

std::string run_error_message(const CLI::App& root, const std::exception& error) {
  std::string message = error.what();
  const auto* format = dynamic_cast<const FormatError*>(&error);
  // "valid UTF-8" is the condition sanitize_utf8 (text/utf8.h) records, the one check every reader
  // of words goes through under InvalidUtf8::error. Its advice names the library's option.
  if (format != nullptr && format->condition() == "valid UTF-8") {
    message = message.substr(0, message.find("; pass the 'replace' option"));
    const CLI::App& command = *selected_chain(root).back();
    if (command.get_option_no_throw("--invalid-utf8") != nullptr) {
      message += "; pass --invalid-utf8 replace to read them as U+FFFD";
    }
  }
  return printable(message);
}

}  // namespace embedkit::cli
