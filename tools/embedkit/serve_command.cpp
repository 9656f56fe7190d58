// embedkit serve: vector files behind a local HTTP API (the answers are VectorService's).
#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <malloc.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "commands.h"
#include "embedkit/classify/text_classifier.h"
#include "embedkit/core/error.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/serve/vector_service.h"
#include "option_ranges.h"
#include "vector_flags.h"

namespace embedkit::cli {
namespace {

struct ServeFlags {
  std::vector<std::string> models;
  std::string host = "127.0.0.1";
  std::size_t port = 8080;
  std::size_t connections = 64;
  std::size_t max_k = 1000;
  bool log = false;
  VectorFlags vectors;
};

// "name=path", or a path whose file name without extension is the name.
std::pair<std::string, std::string> name_and_path(const std::string& arg) {
  const std::size_t eq = arg.find('=');
  if (eq != std::string::npos && eq > 0 && arg.find('/') > eq) return {arg.substr(0, eq), arg.substr(eq + 1)};
  return {std::filesystem::path(arg).stem().string(), arg};
}

// Whether a request's Host header names this server. A web page the user visits could otherwise
// point a name of its own at 127.0.0.1 (DNS rebinding) and read the answers as same-origin. A
// server bound to every address (0.0.0.0, ::) is meant to be reached by other names: any goes.
bool host_is_this_server(std::string_view header, const std::string& bound) {
  if (header.empty() || bound == "0.0.0.0" || bound == "::") return true;
  std::string_view name = header;
  if (name.starts_with('[')) {
    name = name.substr(1, name.find(']') - 1);  // [::1]:8080
  } else if (const std::size_t colon = name.rfind(':'); colon != std::string_view::npos) {
    name = name.substr(0, colon);
  }
  return name == "localhost" || name == "127.0.0.1" || name == "::1" || name == bound;
}

// SIGINT and SIGTERM end the server cleanly. Whichever thread the signal lands on (OpenBLAS
// starts threads of its own, with no say in their signal mask), the handler only writes a byte
// to this pipe; a watcher thread reads it and stops the server.
int g_stop_pipe[2] = {-1, -1};

extern "C" void request_stop(int /*signal_number*/) {
  const char byte = 1;
  [[maybe_unused]] const auto written = ::write(g_stop_pipe[1], &byte, 1);
}

// Opens each file given and serves it under its name: a classifier model as a classifier,
// anything else as vectors. Returns the names, for the start-up line.
std::vector<std::string> add_files(VectorService& service, const ServeFlags& flags) {
  std::vector<std::string> names;
  for (const std::string& arg : flags.models) {
    const auto [name, path] = name_and_path(arg);
    WordVectors file = load_vectors(path, flags.vectors.options());
    if (TextClassifier::holds_classifier(file)) {
      service.add_classifier(name, TextClassifier::from_vectors(std::move(file), path));
      names.push_back(name + " (classifier)");
    } else {
      service.add_vectors(name, std::move(file));
      names.push_back(name);
    }
  }
  return names;
}

// How connections are held and sent. `listening_socket` receives the socket bound later, so that
// its backlog can be raised after binding.
void configure_connections(httplib::Server& server, std::size_t connections, int& listening_socket) {
  // A thread per open connection (a kept-alive connection holds its thread); the searches
  // themselves run on the library's threads, and concurrent ones are batched.
  server.new_task_queue = [connections] { return new httplib::ThreadPool(connections); };
  server.set_payload_max_length(ServiceLimits{}.max_body_bytes);
  // Answers go out at once: with Nagle's algorithm a response written in two pieces waits for
  // the client's delayed ACK (40 ms on Linux).
  server.set_tcp_nodelay(true);
  // Clients keep their connections for 1,000 requests (cpp-httplib closes one after 5 by default;
  // each open connection holds one of the --connections threads until it closes or idles 5 s), and
  // connections that arrive together are all queued: Debian's cpp-httplib listens with a backlog
  // of 5, so a burst of reconnecting clients would lose SYNs and wait a second to retry. listen()
  // again on the bound socket raises the backlog (Linux allows it).
  server.set_keep_alive_max_count(1000);
  server.set_socket_options([&listening_socket](int sock) {
    httplib::default_socket_options(sock);
    listening_socket = sock;
  });
}

void run(const ServeFlags& flags) {
  // glibc gives every thread that allocates its own heap (arena), up to 8 per core, and keeps
  // what each has held at its peak: with a thread per connection, a long-running server grew to
  // 1.4 GB on a 40 MB table in a soak test. One arena per core bounds that at little cost (the
  // answers' time goes to searching, not to malloc).
  mallopt(M_ARENA_MAX, static_cast<int>(std::max(1U, std::thread::hardware_concurrency())));
  VectorService service({.max_k = flags.max_k});
  const std::vector<std::string> names = add_files(service, flags);
  httplib::Server server;
  int listening_socket = -1;
  configure_connections(server, flags.connections, listening_socket);
  auto answer = [&service, &flags](const httplib::Request& req, httplib::Response& res) {
    if (!host_is_this_server(req.get_header_value("Host"), flags.host)) {
      res.status = 403;
      res.set_content(nlohmann::json{{"error", fmt::format("Host '{}' is not this server's name; use 127.0.0.1 or "
                                                           "localhost (or serve with --host 0.0.0.0)",
                                                           req.get_header_value("Host"))}}
                          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                      "application/json");
      return;
    }
    // HEAD is answered as GET (cpp-httplib sends the headers only).
    ServiceRequest request{.method = req.method == "HEAD" ? "GET" : req.method, .path = req.path, .query = {},
                           .body = req.body};
    for (const auto& [key, value] : req.params) request.query.emplace(key, value);  // the first of repeated keys
    const ServiceResponse response = service.handle(request);
    res.status = response.status;
    res.set_content(response.body, response.content_type);
  };
  server.Get(".*", answer);
  server.Post(".*", answer);
  server.Put(".*", answer);
  server.Delete(".*", answer);
  server.Patch(".*", answer);
  // The server's own refusals (too large a body, a malformed request) as JSON too.
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      res.set_content(fmt::format(R"({{"error":"HTTP {}"}})", res.status), "application/json");
    }
  });
  if (flags.log) {
    server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      fmt::print(stderr, "{} {} -> {} ({} bytes)\n", req.method, req.target, res.status, res.body.size());
    });
  }
  const int wanted = static_cast<int>(flags.port);
  const int port =
      wanted == 0 ? server.bind_to_any_port(flags.host) : (server.bind_to_port(flags.host, wanted) ? wanted : -1);
  EMBEDKIT_CHECK(port > 0, IoError,
                 fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)", flags.host,
                             flags.port));
  if (listening_socket >= 0) (void)::listen(listening_socket, SOMAXCONN);
  EMBEDKIT_CHECK(::pipe(g_stop_pipe) == 0, IoError, "cannot create the server's stop pipe");
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  for (const int signal_number : {SIGINT, SIGTERM}) ::sigaction(signal_number, &action, nullptr);
  std::atomic<bool> stopping{false};
  std::atomic<bool> finished{false};
  std::thread watcher([&] {
    char byte = 0;
    while (::read(g_stop_pipe[0], &byte, 1) < 0 && errno == EINTR) {
    }
    if (!finished.load()) {
      stopping.store(true);
      server.stop();
    }
  });
  fmt::print("embedkit serve: {} on http://{}:{}/ (the explorer page; the API under /api), up to {} "
             "connections at once; Ctrl-C stops\n",
             fmt::join(names, ", "), flags.host, port, flags.connections);
  std::fflush(stdout);
  const bool listened = server.listen_after_bind();
  finished.store(true);
  request_stop(0);  // wakes the watcher if no signal did
  watcher.join();
  EMBEDKIT_CHECK(listened || stopping.load(), IoError, fmt::format("the server on port {} failed", port));
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve vector files over a local HTTP API (JSON)");
  cmd->add_option("models", flags->models,
                  "Vector files and classifier models, each as NAME=PATH or PATH (named by its file name)")
      ->required();
  cmd->add_option("--host", flags->host, "Address to listen on (127.0.0.1: this machine only)")->capture_default_str();
  cmd->add_option("--port", flags->port, "Port (0 = any free one, printed at start)")
      ->check(whole_number(0, 65535))
      ->capture_default_str();
  cmd->add_option("--connections", flags->connections, "Connections served at once (a thread each)")
      ->check(whole_number(1, 4096))
      ->capture_default_str();
  cmd->add_option("--max-k", flags->max_k, "Most neighbours or answers one request may ask for")
      ->check(whole_number(1, 1000000))
      ->capture_default_str();
  cmd->add_flag("--log", flags->log, "One line per request on stderr");
  add_vector_flags(*cmd, flags->vectors);
  cmd->footer(std::string("Examples:\n"
                          "  embedkit serve build/demo/vectors.ekv --port 8080\n"
                          "  curl 'http://127.0.0.1:8080/api/models/vectors/neighbors?word=music&k=5'\n"
                          "  curl -X POST http://127.0.0.1:8080/api/models/vectors/neighbors \\\n"
                          "       -d '{\"positive\": [\"paris\", \"germany\"], \"negative\": [\"france\"], \"k\": 3}'\n"
                          "  embedkit serve before=v1.ekv after=v2.ekv --port 0     # two models; any free port\n"
                          "  embedkit serve vectors.ekv sentiment=model.ekv          # vectors and a classifier\n"
                          "\n"
                          "Open http://127.0.0.1:8080/ in a browser for the explorer: neighbours, a 2-D/3-D map,\n"
                          "analogies, two models side by side, predictions (nothing is loaded from the internet).\n"
                          "\n"
                          "Endpoints (JSON): /api/health, /api/models, /api/models/NAME, and under it vector?word=,\n"
                          "neighbors?word=&k= (or POST positive/negative/vector), similarity?a=&b=,\n"
                          "analogy?a=&b=&c=&k=, prefix?q=&limit=, projection?word=&k=&dims= (or ?top=N, or POST\n"
                          "words); /api/compare?a=&b=[&word=]; /api/classifiers/NAME/predict?text=&k= (or POST\n"
                          "texts). Errors are {\"error\": ...} with 400 (bad request), 404 (unknown path, model or\n"
                          "word), 405, 413. Answers equal the neighbors, similarity, analogy and classify predict\n"
                          "commands'.\n\n") +
              kVectorFormatsHelp);
  cmd->callback([flags] { run(*flags); });
}

}  // namespace embedkit::cli
