#include "train/distributed/replica_sync.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <barrier>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "embedkit/table/embedding_table.h"

namespace embedkit {
namespace {

// The processes of a job as threads of this one: each collective waits for all of them.
class ThreadJob {
 public:
  explicit ThreadJob(std::size_t size)
      : size_(size), barrier_(static_cast<std::ptrdiff_t>(size)), slots_(size), strings_(size) {}

  class Member final : public Communicator {
   public:
    Member(ThreadJob& job, std::size_t rank) : job_(job), rank_(rank) {}
    [[nodiscard]] std::size_t rank() const noexcept override { return rank_; }
    [[nodiscard]] std::size_t size() const noexcept override { return job_.size_; }
    [[nodiscard]] std::size_t size_here() const noexcept override { return job_.size_; }
    void sum(std::span<float> v) override {
      ++float_sums_;
      {
        const std::lock_guard lock(job_.mutex_);
        job_.largest_float_sum_ = std::max(job_.largest_float_sum_, v.size());
      }
      reduce(v, [](long double a, long double b) { return a + b; });
    }
    [[nodiscard]] std::size_t float_sums() const noexcept { return float_sums_; }
    void sum(std::span<double> v) override { reduce(v, [](long double a, long double b) { return a + b; }); }
    void sum(std::span<std::uint64_t> v) override { reduce(v, [](long double a, long double b) { return a + b; }); }
    void max(std::span<std::uint64_t> v) override { reduce(v, [](long double a, long double b) { return std::max(a, b); }); }
    std::vector<std::string> gather_all(std::string_view mine) override {
      job_.strings_[rank_] = std::string(mine);
      job_.barrier_.arrive_and_wait();
      std::vector<std::string> all = job_.strings_;
      job_.barrier_.arrive_and_wait();
      return all;
    }
    // (As MPI's: the whole job ends; the others would wait at the barrier forever.)
    [[noreturn]] void abort(std::string_view message) override {
      std::fprintf(stderr, "abort: %.*s\n", static_cast<int>(message.size()), message.data());
      std::abort();
    }

   private:
    // (Through long double: exact for 64-bit integers on x86, where these tests run.)
    template <class T, class Op>
    void reduce(std::span<T> values, Op op) {
      job_.slots_[rank_].assign(values.begin(), values.end());
      job_.barrier_.arrive_and_wait();
      for (std::size_t i = 0; i < values.size(); ++i) {
        long double total = job_.slots_[0][i];
        for (std::size_t r = 1; r < job_.size_; ++r) total = op(total, job_.slots_[r][i]);
        values[i] = static_cast<T>(total);
      }
      job_.barrier_.arrive_and_wait();
    }
    ThreadJob& job_;
    std::size_t rank_;
    std::size_t float_sums_ = 0;
  };

  [[nodiscard]] std::size_t largest_float_sum() const noexcept { return largest_float_sum_; }

  // Runs body(communicator) on `size` threads, one per process.
  void run(const std::function<void(Communicator&)>& body) {
    std::vector<std::thread> threads;
    for (std::size_t r = 0; r < size_; ++r) {
      threads.emplace_back([&, r] {
        Member member(*this, r);
        body(member);
      });
    }
    for (std::thread& t : threads) t.join();
  }

 private:
  std::size_t size_;
  std::barrier<> barrier_;
  std::vector<std::vector<long double>> slots_;
  std::vector<std::string> strings_;
  std::mutex mutex_;
  std::size_t largest_float_sum_ = 0;
};

// One table of `rows` x 2, every value `value`.
EmbeddingTable filled(std::size_t rows, float value) {
  EmbeddingTable table(rows, 2);
  for (std::size_t r = 0; r < rows; ++r) std::fill_n(table.row(static_cast<TokenId>(r)).data(), 2, value);
  return table;
}

TEST(ReplicaSync, RowsAreExchangedAsOftenAsTheyChangeAndTakeTheSumOfTheUpdates) {
  // 2 processes, pieces of 100 words, rounds of 800 (8 pieces: tiers 0, 1, 2 below the round).
  // Rates (updates per word): row 0 gets 0.3, row 1 0.2, row 2 0.1, row 3 0.04, row 4 0.001.
  // Staleness 40: in a piece (100 words x 2 processes) row 0 gets 60 updates and row 1 40 (tier
  // 0: every piece); row 2 reaches 40 in 2 pieces (tier 1); row 3 needs 5 pieces, more than
  // tier 2's 4, and row 4 more than the round's 8: both go with the round.
  const std::vector<double> rates = {0.3, 0.2, 0.1, 0.04, 0.001};
  ThreadJob job(2);
  std::vector<std::vector<float>> seen(2);  // per process: row values after each exchange, flattened
  std::vector<std::vector<std::size_t>> tiers(2);
  job.run([&](Communicator& communicator) {
    detail::ReplicaSync sync(communicator, /*local_words=*/800, /*sync_words=*/800, /*hot_words=*/100);
    EXPECT_EQ(sync.pieces_per_epoch(), 8U);
    EmbeddingTable table = filled(rates.size(), 0.0F);
    EmbeddingTable* tables[] = {&table};
    const std::vector<double> table_rates[] = {rates};
    sync.start(tables, table_rates, 40.0);
    tiers[communicator.rank()] = sync.tier_rows();
    for (std::size_t piece = 0; piece < 8; ++piece) {
      // Each process adds (rank + 1) to every value of every row in each piece.
      for (std::size_t r = 0; r < rates.size(); ++r) {
        for (float& v : table.row(static_cast<TokenId>(r))) v += static_cast<float>(communicator.rank() + 1);
      }
      sync.exchange(piece);
      for (std::size_t r = 0; r < rates.size(); ++r) seen[communicator.rank()].push_back(table.row(static_cast<TokenId>(r))[0]);
    }
    EXPECT_EQ(sync.totals().exchanges, 8U);
    EXPECT_EQ(sync.totals().rounds, 1U);
  });
  EXPECT_EQ(tiers[0], (std::vector<std::size_t>{2, 3, 3, 5}));
  EXPECT_EQ(tiers[1], tiers[0]);
  // The values after each piece: every row takes the sum of both processes' updates when it is
  // exchanged (3 a piece), and its own process's in between.
  auto value = [&](std::size_t rank, std::size_t piece, std::size_t row) { return seen[rank][piece * 5 + row]; };
  for (std::size_t piece = 0; piece < 8; ++piece) {
    const auto n = static_cast<float>(piece + 1);
    for (std::size_t rank = 0; rank < 2; ++rank) {
      const float own = static_cast<float>(rank + 1);
      EXPECT_FLOAT_EQ(value(rank, piece, 0), 3 * n);
      EXPECT_FLOAT_EQ(value(rank, piece, 1), 3 * n);
      const float synced2 = 6.0F * static_cast<float>((piece + 1) / 2);
      EXPECT_FLOAT_EQ(value(rank, piece, 2), synced2 + (piece % 2 == 0 ? own : 0.0F));
      for (std::size_t row = 3; row < 5; ++row) {
        EXPECT_FLOAT_EQ(value(rank, piece, row), piece == 7 ? 24.0F : own * n) << "row " << row << ", piece " << piece;
      }
    }
  }
}

TEST(ReplicaSync, AStopExchangesEveryRow) {
  ThreadJob job(3);
  job.run([&](Communicator& communicator) {
    detail::ReplicaSync sync(communicator, 1000, 1000, 10);
    EmbeddingTable table = filled(4, 1.0F);
    EmbeddingTable* tables[] = {&table};
    const std::vector<double> rates[] = {{1e-9, 1e-9, 1e-9, 1e-9}};  // never due before the round
    sync.start(tables, rates, 1.0);
    for (float& v : table.row(3)) v += static_cast<float>(communicator.rank());
    EXPECT_FALSE(sync.any(false));
    EXPECT_TRUE(sync.any(communicator.rank() == 2));
    sync.exchange(0, /*all_rows=*/true);
    EXPECT_FLOAT_EQ(table.row(3)[1], 1.0F + 0 + 1 + 2);
    EXPECT_EQ(sync.totals().rounds, 1U);
  });
}

TEST(ReplicaSync, MeansOfSeveralTablesInBatchesAndRoundsOfAnyLength) {
  // 3 processes; rounds of 5 pieces (tiers 0, 1 and 2 below the round); every row busy enough
  // for tier 0. Two tables of 2 and 3 columns, batches of at most 5 floats: one exchange takes
  // three all-reduces (rows 0-1 of the first table; its row 2 with the second's row 0; its row
  // 1). Each value gets its own update, so a row or column packed in the wrong place shows.
  ThreadJob job(3);
  std::vector<std::size_t> sums(3);
  job.run([&](Communicator& communicator) {
    detail::ReplicaSync sync(communicator, 500, 500, 100, /*batch_floats=*/5);
    EXPECT_EQ(sync.pieces_per_epoch(), 5U);
    EmbeddingTable first(3, 2), second(2, 3);
    EmbeddingTable* tables[] = {&first, &second};
    const std::vector<double> rates[] = {{1.0, 1.0, 1.0}, {1.0, 1.0}};
    sync.start(tables, rates, 1.0, /*mean=*/true);
    EXPECT_EQ(sync.tier_rows(), (std::vector<std::size_t>{5, 5, 5, 5}));
    // Process p adds (p + 1) x (1 + 10 t + 100 r + 1000 d) to value d of row r of table t each
    // piece; the mean over the processes is 2 x (1 + 10 t + 100 r + 1000 d).
    auto update = [](std::size_t t, std::size_t r, std::size_t d) {
      return static_cast<float>(1 + 10 * t + 100 * r + 1000 * d);
    };
    for (std::size_t piece = 0; piece < 5; ++piece) {
      for (std::size_t t = 0; t < 2; ++t) {
        for (std::size_t r = 0; r < tables[t]->rows(); ++r) {
          std::span<float> row = tables[t]->row(static_cast<TokenId>(r));
          for (std::size_t d = 0; d < row.size(); ++d) row[d] += static_cast<float>(communicator.rank() + 1) * update(t, r, d);
        }
      }
      sync.exchange(piece);
      for (std::size_t t = 0; t < 2; ++t) {
        for (std::size_t r = 0; r < tables[t]->rows(); ++r) {
          const std::span<const float> row = std::as_const(*tables[t]).row(static_cast<TokenId>(r));
          for (std::size_t d = 0; d < row.size(); ++d) {
            EXPECT_FLOAT_EQ(row[d], 2.0F * update(t, r, d) * static_cast<float>(piece + 1))
                << "table " << t << ", row " << r << ", column " << d << ", piece " << piece;
          }
        }
      }
    }
    EXPECT_EQ(sync.totals().exchanges, 5U);
    EXPECT_EQ(sync.totals().rounds, 1U);
    EXPECT_EQ(sync.totals().bytes, 5U * (3 * 2 + 2 * 3) * sizeof(float));
    sums[communicator.rank()] = static_cast<ThreadJob::Member&>(communicator).float_sums();
  });
  // Per exchange: the three batches of at most 5 floats (4, 5 and 3).
  EXPECT_EQ(sums, (std::vector<std::size_t>{15, 15, 15}));
  EXPECT_EQ(job.largest_float_sum(), 5U);
}

}  // namespace
}  // namespace embedkit
