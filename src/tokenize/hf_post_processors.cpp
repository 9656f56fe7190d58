#include "hf_post_processors.h"

#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>

#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"
#include "hf_json.h"
#include "normalized_text.h"
#include "unicode_classes.h"

namespace embedkit::tokenize {
namespace {

using nlohmann::json;

void append(Encoding& to, const Encoding& from, std::uint8_t type_id) {
  to.ids.insert(to.ids.end(), from.ids.begin(), from.ids.end());
  to.pieces.insert(to.pieces.end(), from.pieces.begin(), from.pieces.end());
  to.offsets.insert(to.offsets.end(), from.offsets.begin(), from.offsets.end());
  to.type_ids.insert(to.type_ids.end(), from.size(), type_id);
  to.special_mask.insert(to.special_mask.end(), from.special_mask.begin(), from.special_mask.end());
}

void append_special(Encoding& to, std::int32_t id, const std::string& token, std::uint8_t type_id) {
  to.ids.push_back(id);
  to.pieces.push_back(token);
  to.offsets.emplace_back(0, 0);
  to.type_ids.push_back(type_id);
  to.special_mask.push_back(1);
}

/// ByteLevel's trimming: a token's offsets lose its leading and trailing spaces (Ġ), except the
/// one space add_prefix_space put before the first word.
void trim_offsets(Encoding& e, bool add_prefix_space) {
  for (std::size_t i = 0; i < e.size(); ++i) {
    const std::u32string chars = decode_code_points(e.pieces[i]);
    auto space = [](char32_t c) { return c == 0x120 || is_whitespace_char(c); };
    std::size_t leading = 0, trailing = 0;
    while (leading < chars.size() && space(chars[leading])) ++leading;
    while (trailing < chars.size() && space(chars[chars.size() - 1 - trailing])) ++trailing;
    auto& [begin, end] = e.offsets[i];
    if (leading > 0) {
      if ((i == 0 || begin == 0) && add_prefix_space && leading == 1) leading = 0;
      begin = std::min(begin + leading, end);
    }
    if (trailing > 0 && end >= trailing) end = std::max(end - trailing, begin);
  }
}

struct SpecialTokenEntry {
  std::vector<std::int32_t> ids;
  std::vector<std::string> tokens;
};

class TemplateProcessor final : public HfPostProcessor {
 public:
  TemplateProcessor(const json& spec, const std::string& where) {
    single_ = read_template(json_array(spec, "single", where), where);
    pair_ = read_template(json_array(spec, "pair", where), where);
    const auto it = spec.find("special_tokens");
    if (it != spec.end() && it->is_object()) {
      for (const auto& [name, entry] : it->items()) {
        SpecialTokenEntry e;
        for (const json& id : json_array(entry, "ids", where)) {
          EMBEDKIT_CHECK(id.is_number_unsigned() && id.get<std::uint64_t>() < (1u << 28), FormatError,
                         fmt::format("{}: special token ids must be integers below 2^28", where));
          e.ids.push_back(static_cast<std::int32_t>(id.get<std::uint64_t>()));
        }
        for (const json& token : json_array(entry, "tokens", where)) {
          EMBEDKIT_CHECK(token.is_string(), FormatError, fmt::format("{}: special token strings must be strings", where));
          e.tokens.push_back(token.get<std::string>());
        }
        EMBEDKIT_CHECK(e.ids.size() == e.tokens.size(), FormatError,
                       fmt::format("{}: special token \"{}\" has {} ids and {} tokens", where, name, e.ids.size(), e.tokens.size()));
        specials_[name] = std::move(e);
      }
    }
    for (const auto* t : {&single_, &pair_}) {
      for (const Item& item : *t) {
        EMBEDKIT_CHECK(item.sequence >= 0 || specials_.contains(item.name), FormatError,
                       fmt::format("{}: the template uses special token \"{}\", which special_tokens lacks", where, item.name));
      }
    }
  }

  Encoding process(Encoding first, Encoding* second, bool add_special_tokens) const override {
    if (!add_special_tokens) return concatenate_pair(std::move(first), second);
    Encoding out;
    for (const Item& item : second ? pair_ : single_) {
      if (item.sequence == 0) {
        append(out, first, item.type_id);
      } else if (item.sequence == 1) {
        if (second) append(out, *second, item.type_id);
      } else {
        const SpecialTokenEntry& e = specials_.at(item.name);
        for (std::size_t k = 0; k < e.ids.size(); ++k) append_special(out, e.ids[k], e.tokens[k], item.type_id);
      }
    }
    return out;
  }

 private:
  struct Item {
    int sequence;  // 0 = A, 1 = B, -1 = a special token
    std::string name;
    std::uint8_t type_id;
  };

  static std::vector<Item> read_template(const json& items, const std::string& where) {
    std::vector<Item> out;
    for (const json& item : items) {
      EMBEDKIT_CHECK(item.is_object() && item.size() == 1, FormatError,
                     fmt::format("{}: a template item must be {{\"Sequence\": ...}} or {{\"SpecialToken\": ...}}", where));
      const std::string kind = item.begin().key();
      const json& body = item.begin().value();
      const std::string id = json_string(body, "id", where);
      const std::uint64_t type = json_unsigned(body, "type_id", 0, where);
      EMBEDKIT_CHECK(type <= 255, FormatError, fmt::format("{}: type_id {} is above 255", where, type));
      const auto type_id = static_cast<std::uint8_t>(type);
      if (kind == "Sequence") {
        EMBEDKIT_CHECK(id == "A" || id == "B", FormatError, fmt::format("{}: a template sequence is A or B, not \"{}\"", where, id));
        out.push_back({id == "A" ? 0 : 1, id, type_id});
      } else if (kind == "SpecialToken") {
        out.push_back({-1, id, type_id});
      } else {
        throw FormatError(fmt::format("{}: unknown template item \"{}\"", where, kind));
      }
    }
    return out;
  }

  std::vector<Item> single_, pair_;
  std::map<std::string, SpecialTokenEntry, std::less<>> specials_;

 public:
  std::vector<std::pair<std::string, std::int32_t>> special_tokens() const override {
    std::vector<std::pair<std::string, std::int32_t>> out;
    for (const auto& [name, e] : specials_) {
      for (std::size_t k = 0; k < e.ids.size(); ++k) out.emplace_back(e.tokens[k], e.ids[k]);
    }
    return out;
  }
};

std::pair<std::string, std::int32_t> read_token_pair(const json& spec, const char* key, const std::string& where) {
  const auto it = spec.find(key);
  EMBEDKIT_CHECK(it != spec.end() && it->is_array() && it->size() == 2 && (*it)[0].is_string() &&
                     (*it)[1].is_number_unsigned() && (*it)[1].get<std::uint64_t>() < (1u << 28),
                 FormatError, fmt::format("{}: \"{}\" must be [token, id] with an id below 2^28", where, key));
  return {(*it)[0].get<std::string>(), static_cast<std::int32_t>((*it)[1].get<std::uint64_t>())};
}

class BertProcessor final : public HfPostProcessor {
 public:
  BertProcessor(const json& spec, const std::string& where)
      : sep_(read_token_pair(spec, "sep", where)), cls_(read_token_pair(spec, "cls", where)) {}
  Encoding process(Encoding first, Encoding* second, bool add_special_tokens) const override {
    if (!add_special_tokens) return concatenate_pair(std::move(first), second);
    Encoding out;
    append_special(out, cls_.second, cls_.first, 0);
    append(out, first, 0);
    append_special(out, sep_.second, sep_.first, 0);
    if (second) {
      append(out, *second, 1);
      append_special(out, sep_.second, sep_.first, 1);
    }
    return out;
  }
  std::vector<std::pair<std::string, std::int32_t>> special_tokens() const override { return {sep_, cls_}; }

 private:
  std::pair<std::string, std::int32_t> sep_, cls_;
};

class RobertaProcessor final : public HfPostProcessor {
 public:
  RobertaProcessor(const json& spec, const std::string& where)
      : sep_(read_token_pair(spec, "sep", where)),
        cls_(read_token_pair(spec, "cls", where)),
        trim_offsets_(json_bool(spec, "trim_offsets", true, where)),
        add_prefix_space_(json_bool(spec, "add_prefix_space", true, where)) {}
  Encoding process(Encoding first, Encoding* second, bool add_special_tokens) const override {
    if (trim_offsets_) {
      trim_offsets(first, add_prefix_space_);
      if (second) trim_offsets(*second, add_prefix_space_);
    }
    if (!add_special_tokens) return concatenate_pair(std::move(first), second);
    Encoding out;
    append_special(out, cls_.second, cls_.first, 0);
    append(out, first, 0);
    append_special(out, sep_.second, sep_.first, 0);
    if (second) {
      append_special(out, sep_.second, sep_.first, 0);
      append(out, *second, 0);
      append_special(out, sep_.second, sep_.first, 0);
    }
    return out;
  }
  std::vector<std::pair<std::string, std::int32_t>> special_tokens() const override { return {sep_, cls_}; }

 private:
  std::pair<std::string, std::int32_t> sep_, cls_;
  bool trim_offsets_, add_prefix_space_;
};

class ByteLevelProcessor final : public HfPostProcessor {
 public:
  ByteLevelProcessor(bool trim, bool add_prefix_space) : trim_(trim), add_prefix_space_(add_prefix_space) {}
  Encoding process(Encoding first, Encoding* second, bool) const override {
    adjust_sequence(first);
    if (second) adjust_sequence(*second);
    return concatenate_pair(std::move(first), second);
  }
  bool adjust_sequence(Encoding& e) const override {
    if (trim_) trim_offsets(e, add_prefix_space_);
    return true;
  }
  std::vector<std::pair<std::string, std::int32_t>> special_tokens() const override { return {}; }

 private:
  bool trim_, add_prefix_space_;
};

class SequenceProcessor final : public HfPostProcessor {
 public:
  explicit SequenceProcessor(std::vector<std::unique_ptr<HfPostProcessor>> steps) : steps_(std::move(steps)) {}
  Encoding process(Encoding first, Encoding* second, bool add_special_tokens) const override {
    // As the library: the sequences stay apart through the steps that adjust each one
    // (ByteLevel), until a step that joins them (a template); later steps see one sequence.
    Encoding current = std::move(first);
    bool joined = false;
    for (const auto& step : steps_) {
      if (!joined && step->adjust_sequence(current)) {
        if (second) step->adjust_sequence(*second);
        continue;
      }
      current = step->process(std::move(current), joined ? nullptr : second, add_special_tokens);
      joined = true;
    }
    return joined ? current : concatenate_pair(std::move(current), second);
  }
  std::vector<std::pair<std::string, std::int32_t>> special_tokens() const override {
    std::vector<std::pair<std::string, std::int32_t>> out;
    for (const auto& step : steps_) {
      for (auto& t : step->special_tokens()) out.push_back(std::move(t));
    }
    return out;
  }

 private:
  std::vector<std::unique_ptr<HfPostProcessor>> steps_;
};

}  // namespace

Encoding concatenate_pair(Encoding first, Encoding* second) {
  if (second) append(first, *second, 1);
  return first;
}

std::unique_ptr<HfPostProcessor> make_hf_post_processor(const json& spec, const std::string& where) {
  if (spec.is_null()) return nullptr;
  const std::string type = json_string(spec, "type", where);
  if (type == "TemplateProcessing") return std::make_unique<TemplateProcessor>(spec, where);
  if (type == "BertProcessing") return std::make_unique<BertProcessor>(spec, where);
  if (type == "RobertaProcessing") return std::make_unique<RobertaProcessor>(spec, where);
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelProcessor>(json_bool(spec, "trim_offsets", true, where),
                                                json_bool(spec, "add_prefix_space", true, where));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<HfPostProcessor>> steps;
    for (const json& step : json_array(spec, "processors", where)) {
      if (auto p = make_hf_post_processor(step, where)) steps.push_back(std::move(p));
    }
    return std::make_unique<SequenceProcessor>(std::move(steps));
  }
  throw FormatError(fmt::format("{}: post-processor type \"{}\" is not supported (TemplateProcessing, BertProcessing, "
                                "RobertaProcessing, ByteLevel, Sequence)",
                                where, type));
}

}  // namespace embedkit::tokenize
