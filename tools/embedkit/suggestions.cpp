#include "suggestions.h"

#include <algorithm>
#include <cctype>
#include <numeric>

namespace embedkit::cli {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows of the dynamic programme: before last, last, current.
  std::vector<std::size_t> before(b.size() + 1), last(b.size() + 1), now(b.size() + 1);
  std::iota(last.begin(), last.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    now[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      now[j] = std::min({last[j] + 1, now[j - 1] + 1, last[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) now[j] = std::min(now[j], before[j - 2] + 1);
    }
    std::swap(before, last);
    std::swap(last, now);
  }
  return last[b.size()];
}

namespace {

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::vector<std::string> closest_names(std::string_view typed, std::span<const std::string> candidates) {
  const std::string key = ascii_lower(typed);
  // Leading dashes are part of every option name: they do not make "--x" closer to "--y".
  const std::size_t letters = key.size() - std::min(key.find_first_not_of('-'), key.size());
  const std::size_t limit = std::max<std::size_t>(1, letters / 3);
  std::size_t best = limit + 1;
  std::vector<std::string> closest;
  for (const std::string& name : candidates) {
    const std::size_t d = edit_distance(key, ascii_lower(name));
    if (d < best) {
      best = d;
      closest.clear();
    }
    if (d == best && std::find(closest.begin(), closest.end(), name) == closest.end()) closest.push_back(name);
  }
  // Many names equally close ("-x" is one letter from every short option) suggest nothing.
  if (closest.size() > 3) closest.clear();
  if (!closest.empty() || letters == 0) return closest;
  for (const std::string& name : candidates) {
    if (ascii_lower(name).starts_with(key)) closest.push_back(name);
  }
  if (closest.size() > 1) closest.clear();
  return closest;
}

std::string join_choices(std::span<const std::string> names, std::string_view quote) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out.append(quote).append(names[i]).append(quote);
  }
  return out;
}

std::string did_you_mean(std::string_view typed, std::span<const std::string> candidates, std::string_view quote) {
  const std::vector<std::string> closest = closest_names(typed, candidates);
  if (closest.empty()) return {};
  return "; did you mean " + join_choices(closest, quote) + "?";
}

}  // namespace embedkit::cli
