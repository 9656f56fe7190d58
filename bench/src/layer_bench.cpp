// Embedding-layer throughput, printed as JSON lines for bench/scripts/run_layer_bench.sh to compare with
// PyTorch (bench/scripts/torch_layer_bench.py) measured in the same run.
//
//   layer_bench --rows 1000000 --dim 128 --dist zipf --threads 2
//   layer_bench --stream            (memory bandwidth: STREAM-style copy and read)
//
// Shapes follow the issue: Embedding forward of 1M ids; EmbeddingBag sum/mean forward of 50k
// bags of 20; a training step = bag forward + backward + optimizer step (SGD fused, SparseAdam);
// and the practical limits: the best plain prefetching row gather this machine allows, and the
// fastest of a sweep of bag-sum loops (bench/src/bag_limit/bag_limit.h).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <span>
#include <utility>
#include <random>
#include <string>
#include <vector>

#include <immintrin.h>
#include <omp.h>

#include "bag_limit/bag_limit.h"
#include "embedkit/core/parallel.h"
#include "embedkit/table/embedding.h"
#include "embedkit/table/embedding_bag.h"
#include "embedkit/train/fused_bag_sgd.h"
#include "embedkit/train/sparse_optimizer.h"
#include "kernels/kernels.h"

namespace {

using Clock = std::chrono::steady_clock;

// Best (minimum) seconds of `run` over at least 5 repetitions and 1 s: the machine is shared,
// and noise only ever slows a run down.
double best_seconds(const std::function<void()>& run) {
  double best = 1e30, total = 0;
  for (int rep = 0; rep < 5 || total < 1.0; ++rep) {
    const auto start = Clock::now();
    run();
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    best = std::min(best, s);
    total += s;
    if (rep >= 20) break;
  }
  return best;
}

std::string g_only;  // --only PREFIX: run just the measurements whose op starts so (for A/B tuning)

bool g_show_sweep = false;  // --show-sweep: the bag limit's screening times, on stderr

bool wanted(const std::string& op) { return op.starts_with(g_only); }

void emit(const std::string& op, std::size_t rows, std::size_t dim, const std::string& dist, int threads,
          double seconds, std::size_t lookups, const std::string& strategy = "") {
  const double bytes = static_cast<double>(lookups) * static_cast<double>(dim) * 4.0;
  // Limits are loops of the bench's own, at whichever width won; embedkit's ops name their level.
  const std::string how = strategy.empty()
                              ? fmt::format("\"simd\": \"{}\"", embedkit::kernels::name(embedkit::kernels::kernels().level))
                              : fmt::format("\"strategy\": \"{}\"", strategy);
  fmt::print("{{\"impl\": \"embedkit\", \"op\": \"{}\", \"rows\": {}, \"dim\": {}, \"dist\": \"{}\", \"threads\": {}, "
             "{}, \"seconds\": {:.6f}, \"lookups_per_s\": {:.1f}, \"gb_per_s\": {:.3f}}}\n",
             op, rows, dim, dist, threads, how, seconds, static_cast<double>(lookups) / seconds, bytes / seconds / 1e9);
  std::fflush(stdout);
}

// Ids in [0, rows): uniform, or Zipf(s) by inverse CDF (id = rank, so frequent ids are small,
// as in a vocabulary sorted by count).
std::vector<embedkit::TokenId> make_ids(std::size_t count, std::size_t rows, const std::string& dist, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<embedkit::TokenId> ids(count);
  if (dist == "uniform") {
    std::uniform_int_distribution<std::uint32_t> u(0, static_cast<std::uint32_t>(rows - 1));
    for (auto& id : ids) id = u(rng);
    return ids;
  }
  std::vector<double> cdf(rows);
  double sum = 0;
  for (std::size_t r = 0; r < rows; ++r) cdf[r] = (sum += std::pow(static_cast<double>(r + 1), -1.05));
  std::uniform_real_distribution<double> u(0, sum);
  for (auto& id : ids) id = static_cast<embedkit::TokenId>(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
  return ids;
}

void stream(int threads) {
  const std::size_t n = std::size_t{1} << 27;  // 128M floats = 512 MB per array
  std::vector<float> a(n, 1.0F), b(n, 0.0F);
  const auto len = static_cast<std::int64_t>(n);
  const double copy = best_seconds([&] {
#pragma omp parallel for schedule(static) num_threads(threads)
    for (std::int64_t i = 0; i < len; ++i) b[i] = a[i];
  });
  // Read bandwidth: eight independent partial sums so the loop is bound by memory, not by the
  // latency of one chain of float additions.
  double sink = 0;
  const double read = best_seconds([&] {
    double total = 0;
#pragma omp parallel for schedule(static) reduction(+ : total) num_threads(threads)
    for (std::int64_t block = 0; block < len / 8; ++block) {
      float part[8];
      for (int k = 0; k < 8; ++k) part[k] = a[static_cast<std::size_t>(block * 8 + k)];
      total += static_cast<double>(part[0] + part[1] + part[2] + part[3] + part[4] + part[5] + part[6] + part[7]);
    }
    sink += total;
  });
  fmt::print("{{\"impl\": \"stream\", \"threads\": {}, \"copy_gb_per_s\": {:.3f}, \"read_gb_per_s\": {:.3f}, \"sink\": {}}}\n",
             threads, 2.0 * n * 4 / copy / 1e9, 1.0 * n * 4 / read / 1e9, sink > 0 ? 1 : 0);
}

// One plain gather: a loop that prefetches `distance` rows ahead (0 = none) with hint T0 or T1
// (HintT1) and copies with memcpy. The best of these is the practical limit for random rows.
template <bool HintT1>
void plain_gather(const embedkit::EmbeddingTable& table, const std::vector<embedkit::TokenId>& ids, float* out,
                  int threads, std::size_t distance) {
  const std::size_t dim = table.dim(), stride = table.stride();
  const float* data = table.data();
  const auto n = static_cast<std::int64_t>(ids.size());
#pragma omp parallel for schedule(static) num_threads(threads)
  for (std::int64_t i = 0; i < n; ++i) {
    if (distance > 0 && i + static_cast<std::int64_t>(distance) < n) {
      const float* next = data + static_cast<std::size_t>(ids[i + distance]) * stride;
      for (std::size_t d = 0; d < dim; d += 16) {
        _mm_prefetch(reinterpret_cast<const char*>(next + d), HintT1 ? _MM_HINT_T1 : _MM_HINT_T0);
      }
    }
    std::memcpy(out + static_cast<std::size_t>(i) * dim, data + static_cast<std::size_t>(ids[i]) * stride, dim * 4);
  }
}

// The bag-forward limit against embedkit's sum and mean forward. First every strategy of the
// sweep (bench/src/bag_limit/) runs once, checked against embedkit's sums; then the fastest few and
// embedkit's two modes run in interleaved rounds, so that a noisy stretch of the shared machine
// hits all alike. Returns the best seconds of each.
struct BagTimes {
  double limit = 1e30, sum = 1e30, mean = 1e30;
  std::string strategy;
  // The best loop of the vector width embedkit's level uses (SSE for the scalar level, which the
  // compiler vectorises with SSE): where rows hit cache (Zipf ids) width starts to matter.
  double same_width = 1e30;
  std::string same_width_strategy;
};

// Runs a strategy on `threads` threads, each summing one contiguous share of the bags (as
// embedkit and PyTorch split them).
void run_split(const embedkit::bench::BagStrategy& strategy, const embedkit::bench::BagArgs& all, int threads) {
#pragma omp parallel num_threads(threads)
  {
    const auto share = static_cast<std::size_t>(omp_get_thread_num()), shares = static_cast<std::size_t>(omp_get_num_threads());
    const std::size_t first = all.bags * share / shares, last = all.bags * (share + 1) / shares;
    embedkit::bench::BagArgs part = all;
    part.offsets = all.offsets + first;
    part.bags = last - first;
    part.out = all.out + first * all.stride;
    if (part.bags > 0) strategy.run(part);
  }
}

BagTimes bag_forward_vs_limit(embedkit::EmbeddingTable& table, const std::vector<embedkit::TokenId>& ids,
                              const std::vector<std::uint64_t>& offsets, int threads) {
  const std::size_t bags = offsets.size(), dim = table.dim(), stride = table.stride(), table_rows = table.rows();
  std::vector<std::uint64_t> ends(offsets);
  ends.push_back(ids.size());
  std::vector<float> limit_out(bags * stride), sum_out(bags * dim), mean_out(bags * dim);
  const embedkit::bench::BagArgs args{table.data(), stride, ids.data(), ends.data(), bags, limit_out.data()};
  const embedkit::BagBatch batch{ids, offsets};
  embedkit::EmbeddingBag sum_bag(std::move(table), {.mode = embedkit::BagMode::sum});
  auto time = [](auto&& run) {
    const auto start = Clock::now();
    run();
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  BagTimes t;
  t.sum = time([&] { sum_bag.forward(batch, sum_out); });
  std::vector<embedkit::bench::BagStrategy> strategies = embedkit::bench::bag_strategies(stride * sizeof(float));
  std::vector<std::pair<double, std::size_t>> screened;
  for (std::size_t s = 0; s < strategies.size(); ++s) {
    screened.emplace_back(time([&] { run_split(strategies[s], args, threads); }), s);
    for (std::size_t b = 0; b < bags; b += 997) {  // a real sum: the same as embedkit's
      for (std::size_t d = 0; d < dim; ++d) {
        if (std::abs(limit_out[b * stride + d] - sum_out[b * dim + d]) > 1e-4F) {
          throw std::runtime_error(fmt::format("strategy {} sums bag {} wrong", strategies[s].name, b));
        }
      }
    }
  }
  std::sort(screened.begin(), screened.end());
  if (g_show_sweep) {
    for (const auto& [seconds, s] : screened) {
      fmt::print(stderr, "{{\"op\": \"bag_sum_sweep\", \"strategy\": \"{}\", \"lookups_per_s\": {:.1f}}}\n",
                 strategies[s].name, static_cast<double>(ids.size()) / seconds);
    }
  }
  const embedkit::kernels::SimdLevel level = embedkit::kernels::kernels().level;
  const std::string width = level == embedkit::kernels::SimdLevel::scalar ? "sse/"
                                                                           : std::string(embedkit::kernels::name(level)) + "/";
  const auto same = std::find_if(screened.begin(), screened.end(),
                                 [&](const auto& entry) { return strategies[entry.second].name.starts_with(width); });
  const auto same_width_best = same != screened.end() ? std::optional(*same) : std::nullopt;
  screened.resize(std::min<std::size_t>(screened.size(), 6));
  if (same_width_best && std::find(screened.begin(), screened.end(), *same_width_best) == screened.end()) {
    screened.push_back(*same_width_best);
  }
  // The mean bag reads the same rows (a view of the sum bag's storage).
  embedkit::EmbeddingBag mean_bag(embedkit::EmbeddingTable::over_storage(sum_bag.table().data(), table_rows, dim,
                                                                          std::make_shared<int>(0)),
                                  {.mode = embedkit::BagMode::mean});
  for (int round = 0; round < 7; ++round) {
    for (const auto& [seconds, s] : screened) {
      const double took = time([&] { run_split(strategies[s], args, threads); });
      if (took < t.limit) {
        t.limit = took;
        t.strategy = strategies[s].name;
      }
      if (strategies[s].name.starts_with(width) && took < t.same_width) {
        t.same_width = took;
        t.same_width_strategy = strategies[s].name;
      }
    }
    t.sum = std::min(t.sum, time([&] { sum_bag.forward(batch, sum_out); }));
    t.mean = std::min(t.mean, time([&] { mean_bag.forward(batch, mean_out); }));
  }
  table = std::move(sum_bag.table());
  return t;
}

// The limit and embedkit's forward, timed in interleaved rounds so that a noisy stretch of the
// shared machine hits both alike. Returns {best limit seconds, best embedkit seconds}.
std::pair<double, double> gather_vs_limit(embedkit::Embedding& embedding, const std::vector<embedkit::TokenId>& ids,
                                          float* out, std::size_t count, int threads) {
  const std::size_t distances[] = {0, 8, 16, 32, 64};
  double limit = 1e30, ours = 1e30;
  const std::span<float> out_span(out, count);
  for (int round = 0; round < 7; ++round) {
    for (const std::size_t distance : distances) {
      for (const bool t1 : {false, true}) {
        if (distance == 0 && t1) continue;
        const auto start = Clock::now();
        (t1 ? plain_gather<true> : plain_gather<false>)(embedding.table(), ids, out, threads, distance);
        limit = std::min(limit, std::chrono::duration<double>(Clock::now() - start).count());
      }
    }
    const auto start = Clock::now();
    embedding.forward(ids, out_span);
    ours = std::min(ours, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return {limit, ours};
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t rows = 1000000, dim = 128;
  std::string dist = "uniform";
  int threads = 1;
  bool only_stream = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&] { return std::string(argv[++i]); };
    if (arg == "--rows") rows = std::stoull(next());
    else if (arg == "--dim") dim = std::stoull(next());
    else if (arg == "--dist") dist = next();
    else if (arg == "--threads") threads = std::stoi(next());
    else if (arg == "--stream") only_stream = true;
    else if (arg == "--only") g_only = next();
    else if (arg == "--show-sweep") g_show_sweep = true;
  }
  embedkit::set_num_threads(threads);
  if (only_stream) {
    stream(threads);
    return 0;
  }
  const std::size_t bags = 50000, bag_size = 20, lookups = bags * bag_size;
  const std::vector<embedkit::TokenId> ids = make_ids(lookups, rows, dist, 1);
  std::vector<std::uint64_t> offsets(bags);
  for (std::size_t b = 0; b < bags; ++b) offsets[b] = b * bag_size;

  embedkit::EmbeddingTable table(rows, dim);
  table.fill_uniform(-0.1F, 0.1F, 7);
  std::vector<float> out(lookups * dim);
  embedkit::Embedding embedding(std::move(table));
  if (wanted("embedding_forward") || wanted("gather_limit")) {
    const auto [limit, ours] = gather_vs_limit(embedding, ids, out.data(), out.size(), threads);
    emit("gather_limit", rows, dim, dist, threads, limit, lookups);
    emit("embedding_forward", rows, dim, dist, threads, ours, lookups);
  }

  const embedkit::BagBatch batch{ids, offsets};
  if (wanted("bag_sum_forward") || wanted("bag_mean_forward") || wanted("bag_sum_limit")) {  // measured together
    const BagTimes t = bag_forward_vs_limit(embedding.table(), ids, offsets, threads);
    if (!t.strategy.empty()) emit("bag_sum_limit", rows, dim, dist, threads, t.limit, lookups, t.strategy);
    if (!t.same_width_strategy.empty()) {
      emit("bag_sum_limit_same_width", rows, dim, dist, threads, t.same_width, lookups, t.same_width_strategy);
    }
    emit("bag_sum_forward", rows, dim, dist, threads, t.sum, lookups);
    emit("bag_mean_forward", rows, dim, dist, threads, t.mean, lookups);
  }

  embedkit::EmbeddingBag bag(std::move(embedding.table()), {.mode = embedkit::BagMode::sum});
  const std::vector<float> grad_out(bags * dim, 1e-3F);
  embedkit::BagForward fwd;  // reused across steps, as a training loop would
  if (wanted("train_step_sgd")) emit("train_step_sgd", rows, dim, dist, threads, best_seconds([&] {
         bag.forward_for_training(batch, fwd);
         embedkit::fused_bag_sgd_step(bag, batch, grad_out, fwd, 0.01F);
       }),
       lookups);
  if (wanted("train_step_sgd_sorted")) {
    embedkit::SparseSgd sgd({.learning_rate = {.base = 0.01F}});
    embedkit::SparseGradient::Scratch sgd_scratch;
    emit("train_step_sgd_sorted", rows, dim, dist, threads, best_seconds([&] {
           bag.forward_for_training(batch, fwd);
           sgd.step(bag, batch, grad_out, fwd, sgd_scratch);
         }),
         lookups);
  }
  if (!wanted("train_step_adam")) return 0;
  embedkit::SparseAdam adam({.learning_rate = 1e-3F});
  adam.step(bag.table(), embedkit::SparseGradient({}, dim));  // allocate state outside the timing
  embedkit::SparseGradient::Scratch scratch;  // reused across steps, as a training loop would
  emit("train_step_adam", rows, dim, dist, threads, best_seconds([&] {
         bag.forward_for_training(batch, fwd);
         adam.step(bag, batch, grad_out, fwd, scratch);  // fused backward + update
       }),
       lookups);
  return 0;
}
