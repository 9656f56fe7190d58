// Private to embedkit::train: the replicas of one model, one per process, kept in step.
//
// Each process trains its own copy on its share of the corpus, and the copies exchange what they
// learned: each process's update of a row since the last exchange (its copy minus the model all
// shared then) is summed over the processes (one all-reduce per table), and every copy becomes
// the shared model plus the sum. Summing, not averaging, keeps every step at full size: the
// processes act as Hogwild threads whose writes arrive an exchange late (averaging whole copies,
// which divides a rare word's step by the processes, measured 29.8% analogies against 34.4%
// alone with 2 processes). Late writes are what can go wrong: a frequent word's row gets
// similar updates from every process, and their sum overshoots (4 processes exchanging every
// 200k words diverged). So, as in pWord2Vec (Ji et al., 2016), the hot rows (the most frequent
// words': rows [0, hot_rows) of each table) are exchanged often, every `hot_words` words, and
// all rows every `sync_words`; there, a cold row's updates are old, and several processes'
// updates of it (a word of middling frequency) are averaged, not summed: the mean of the
// updates of the processes that made one, so that a rare word's single update keeps its full
// size (summing them diverged with 4 processes even with hot rows). This is stable but not yet
// as good as one process: on the shared enwiki, 3 epochs, analogies 30.1% with 2 processes and
// 25.0% with 4 against 34.4% (summing every row: 34.5% with 2). Exchanges are collective:
// every process runs the same number per epoch (the most any share needs).
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
  std::uint64_t hot_exchanges = 0;    ///< exchanges of the hot rows only
  std::uint64_t bytes_per_round = 0;  ///< what each process puts into an exchange of all rows
  std::uint64_t bytes_per_hot_exchange = 0;
  double seconds = 0;                 ///< in exchanges (all-reduces and the arithmetic around them), this process
};

class ReplicaSync {
 public:
  /// `local_words`: words of this process's share per epoch. Collective (agrees on the counts).
  ReplicaSync(Communicator& communicator, std::uint64_t local_words, std::uint64_t sync_words, std::uint64_t hot_words,
              std::size_t hot_rows);

  /// Before the first round: `tables` are this process's copy, identical on every process now
  /// (the same initialisation); the same tables (live, not copies) go to each exchange().
  void start(std::span<EmbeddingTable* const> tables);

  /// Pieces of an epoch: an exchange of the hot rows follows each, of all rows every
  /// pieces_per_round-th.
  [[nodiscard]] std::size_t pieces_per_epoch() const noexcept { return rounds_ * pieces_per_round_; }
  /// Piece `p` of the sentence range [begin, end): the sentences a thread trains in that piece.
  [[nodiscard]] std::pair<std::size_t, std::size_t> piece(std::size_t begin, std::size_t end,
                                                          std::size_t p) const noexcept;
  /// Ends piece `p`: every copy becomes the shared model plus every process's update, of the hot
  /// rows or (at the end of a round, or with `all_rows`: a stop) of all rows. Collective.
  void exchange(std::size_t p, bool all_rows = false);
  /// Whether any process says yes (a stop requested on one of them). Collective.
  [[nodiscard]] bool any(bool mine);
  [[nodiscard]] const SyncTotals& totals() const noexcept { return totals_; }
  [[nodiscard]] Communicator& communicator() noexcept { return communicator_; }

 private:
  Communicator& communicator_;
  std::vector<EmbeddingTable*> tables_;
  std::vector<EmbeddingTable> shared_;  // each table as of the last round, the same everywhere
  std::size_t rounds_ = 1;
  std::size_t pieces_per_round_ = 1;
  std::size_t hot_rows_ = 0;
  SyncTotals totals_;
  void exchange_rows(std::size_t rows);
  std::vector<float> updaters_;  // per row being exchanged: the processes that updated it
};

}  // namespace embedkit::detail
