// Private to embedkit::train: the replicas of one model, one per process, kept in step.
//
// Each process trains its own copy on its share of the corpus, and the copies exchange what they
// learned: each process's update of a row since the row's last exchange (its copy minus the
// model all shared then) is summed over the processes by one all-reduce, and every copy becomes
// the shared model plus the sum. Summing, not averaging, keeps every step at full size: the
// processes act as Hogwild threads whose writes arrive an exchange late. Averaging (`mean`,
// pWord2Vec's rule) divides every step by the processes: with exchanges as rare as pWord2Vec's,
// 30.2% analogies with 2 processes and 20.7% with 4, against 34.9% alone, on the shared enwiki
// (bench/scripts/run_mpi_bench.sh).
//
// Late writes are what can go wrong: a row that gets many updates between two of its exchanges
// gets them from every process, computed on the same old row, and their sum overshoots. So a
// row is exchanged as often as it changes. `rates` say how often training updates each row
// (updates per word of a share, from the word counts), and `staleness` how many updates, by all
// processes together, a row may get between two of its exchanges. Tier k, the rows that reach
// that many in 2^k pieces (`hot_words` words each, per process) but not in 2^(k-1), is
// exchanged after every 2^k-th piece; every row at the end of each round (`sync_words`). So a
// row gets `staleness` to twice that many updates between two of its exchanges. Under
// Zipf's law each tier holds about twice the rows of the one before and goes half as often, so
// the bytes per word grow with the logarithm of the vocabulary, not its size. (pWord2Vec also
// exchanges the 1,024 most frequent words' rows every time, the 2,048 most frequent every
// second time, and so on; by rank and by the clock, not by rate.)
//
// Measured on the shared enwiki with 4 processes (3 epochs; one process: 34.1% and 35.4%
// analogies with two seeds): staleness 50, 34.2% (34.6% in the bench); 200, 0.7% (the overshoot: a model that
// no longer means anything); the previous design, two tiers (the 500 most frequent words summed
// every 2,000 words, the rest every 1M words with the mean of the processes that changed
// them), 25.0%. Rows busier than tier 0 allows (the most frequent words',
// which would need exchanges more often than every piece) are summed as well: scaling their
// sum down (towards the mean) cost 0.7 points at staleness 50 and 1.6 at 25. Exchanges are
// collective: every process runs the same number per epoch (the most any share needs).
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "embedkit/table/embedding_table.h"
#include "embedkit/train/communicator.h"

namespace embedkit::detail {

struct SyncTotals {
  std::uint64_t rounds = 0;           ///< exchanges of all rows
  std::uint64_t exchanges = 0;        ///< all exchanges, rounds included
  std::uint64_t bytes_per_round = 0;  ///< what each process puts into an exchange of all rows
  std::uint64_t bytes = 0;            ///< what this process put into all its exchanges
  double seconds = 0;                 ///< in exchanges (all-reduces and the arithmetic around them), this process
  double reduce_seconds = 0;          ///< of which in the all-reduces themselves (waiting for the others included)
};

class ReplicaSync {
 public:
  /// `local_words`: words of this process's share per epoch; pieces of `hot_words` words, rounds
  /// of `sync_words`. Collective (agrees on the counts).
  /// `batch_floats`: the most floats one all-reduce carries (tests make it small).
  ReplicaSync(Communicator& communicator, std::uint64_t local_words, std::uint64_t sync_words, std::uint64_t hot_words,
              std::size_t batch_floats = std::size_t{1} << 22);

  /// Before the first round: `tables` are this process's copy, identical on every process now
  /// (the same initialisation); the same tables (live, not copies) go to each exchange().
  /// `rates[t][r]`: how often training updates row r of table t, in updates per word of a share;
  /// `staleness`: the updates a row may get (by all processes) between two of its exchanges. The
  /// same on every process.
  /// `mean`: each exchanged row takes the mean of the processes' updates instead of their sum.
  void start(std::span<EmbeddingTable* const> tables, std::span<const std::vector<double>> rates, double staleness,
             bool mean = false);

  /// Pieces of an epoch: an exchange follows each.
  [[nodiscard]] std::size_t pieces_per_epoch() const noexcept { return rounds_ * pieces_per_round_; }
  /// Piece `p` of the sentence range [begin, end): the sentences a thread trains in that piece.
  [[nodiscard]] std::pair<std::size_t, std::size_t> piece(std::size_t begin, std::size_t end,
                                                          std::size_t p) const noexcept;
  /// Ends piece `p`: every copy becomes the shared model plus every process's update, of the rows
  /// of the tiers due (all rows at the end of a round, or with `all_rows`: a stop). Collective.
  void exchange(std::size_t p, bool all_rows = false);
  /// Whether any process says yes (a stop requested on one of them). Collective.
  [[nodiscard]] bool any(bool mine);
  [[nodiscard]] const SyncTotals& totals() const noexcept { return totals_; }
  /// Rows of each tier, summed over the tables (tier k: exchanged every 2^k pieces); the last
  /// entry is all rows, exchanged every round.
  [[nodiscard]] const std::vector<std::size_t>& tier_rows() const noexcept { return tier_rows_; }
  [[nodiscard]] Communicator& communicator() noexcept { return communicator_; }

 private:
  struct Replica {
    EmbeddingTable* table;
    EmbeddingTable shared;                // the table as all processes last agreed on it, row by row
    std::vector<std::uint32_t> order;     // rows, busiest first
    std::vector<std::size_t> tier_end;    // per tier: rows of `order` exchanged (the last: all)
  };
  Communicator& communicator_;
  std::vector<Replica> replicas_;
  std::size_t rounds_ = 1;
  std::size_t pieces_per_round_ = 1;
  double piece_words_ = 1;  // words of a share per piece
  float scale_ = 1;         // of the summed updates: 1, or 1 / processes for their mean
  std::vector<std::size_t> tier_rows_;
  std::size_t batch_floats_;
  std::vector<float> buffer_;  // the updates being exchanged, packed
  SyncTotals totals_;
  void exchange_tier(std::size_t tier);
};

}  // namespace embedkit::detail
