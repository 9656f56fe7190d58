// Options whose value is one of a few names (--split whitespace|words, --method add|mul, ...),
// checked at parse time by CLI11's CheckedTransformer, with a message that lists the choices:
//
//   choices<Split>(cmd->add_option("--split", options.split, "How to cut text into tokens"),
//                  {{"whitespace", Split::whitespace}, {"words", Split::words}})
//       ->default_str("whitespace");
//   // embedkit tokenize --split wrds
//   //   -> "--split: must be one of: whitespace, words (got wrds; did you mean words?)" (exit status 2)
//
// Use this rather than a bare CLI::IsMember / CLI::CheckedTransformer, whose message prints the
// map ("Check wrds value in {whitespace->0,words->1} OR {0,1} FAILED").
#pragma once

#include <CLI/CLI.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "human_format.h"
#include "suggestions.h"

namespace embedkit::cli {

/// Restricts `option` to the names in `named` (letter case ignored), storing the value a name maps
/// to. A name whose value an earlier name already has is an alias: accepted, but not listed in
/// --help or in messages. --help shows the listed names as the option's type ("whitespace|words").
/// Returns `option`. Name T explicitly (choices<Split>(...)): it cannot be deduced from braces.
template <typename T>
CLI::Option* choices(CLI::Option* option, const std::vector<std::pair<std::string, T>>& named) {
  std::vector<std::string> listed;
  std::vector<T> seen;
  for (const auto& [name, value] : named) {
    if (std::find(seen.begin(), seen.end(), value) != seen.end()) continue;
    seen.push_back(value);
    listed.push_back(name);
  }
  const CLI::Validator transform = CLI::CheckedTransformer(named, CLI::ignore_case);
  std::string type;
  for (const std::string& name : listed) type += (type.empty() ? "" : "|") + name;
  option->transform(CLI::Validator(
      [transform, listed](std::string& value) {
        const std::string typed = value;
        if (transform(value).empty()) return std::string();
        std::string list;
        for (const std::string& name : listed) list += (list.empty() ? "" : ", ") + name;
        return "must be one of: " + list + " (got " + printable(typed) + did_you_mean(typed, listed) + ")";
      },
      ""));
  return option->type_name(type);
}

/// choices() for a string option whose value is the name itself.
inline CLI::Option* choices(CLI::Option* option, const std::vector<std::string>& names) {
  std::vector<std::pair<std::string, std::string>> named;
  for (const std::string& name : names) named.emplace_back(name, name);
  return choices(option, named);
}

}  // namespace embedkit::cli
