// libFuzzer target: a request to the HTTP API, as the server hands it over (method, path, query
// parameters, body). The first line is "METHOD PATH[?a=1&b=2]", the rest the body. handle()
// must answer every request with a known status and a JSON body: never throw, never a 500.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "embedkit/io/word_vectors.h"
#include "embedkit/serve/vector_service.h"
#include "embedkit/table/embedding_table.h"

namespace {

const embedkit::VectorService& service() {
  static const embedkit::VectorService* s = [] {
    auto* made = new embedkit::VectorService({.max_k = 50, .max_query_words = 20, .max_body_bytes = 4096,
                                              .max_map_words = 40});
    for (const char* name : {"a", "b"}) {
      std::vector<embedkit::VocabularyEntry> entries;
      for (int i = 0; i < 60; ++i) entries.push_back({"w" + std::to_string(i), static_cast<std::uint64_t>(100 - i)});
      embedkit::EmbeddingTable table(entries.size(), 8);
      table.fill_normal(0, 1, name[0]);
      for (float& v : table.row(3)) v = 0;  // a zero row among them
      made->add_vectors(name, embedkit::WordVectors(embedkit::Vocabulary::from_entries(entries), std::move(table)));
    }
    return made;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t line_end = std::min(input.find('\n'), input.size());
  const std::string_view line = input.substr(0, line_end);
  embedkit::ServiceRequest request;
  const std::size_t space = line.find(' ');
  request.method = std::string(line.substr(0, space));
  std::string_view target = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  const std::size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
      const std::size_t amp = std::min(query.find('&'), query.size());
      const std::string_view pair = query.substr(0, amp);
      const std::size_t eq = pair.find('=');
      request.query.emplace(std::string(pair.substr(0, eq)),
                            eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1)));
      query.remove_prefix(std::min(amp + 1, query.size()));
    }
  }
  if (line_end < input.size()) request.body = std::string(input.substr(line_end + 1));

  const embedkit::ServiceResponse response = service().handle(request);
  const int s = response.status;
  if (s != 200 && s != 400 && s != 404 && s != 405 && s != 413) std::abort();
  if (response.content_type == "application/json" &&
      nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false).is_discarded()) {
    std::abort();
  }
  return 0;
}
