// Private to embedkit::train: what a word2vec model file records about the run that made it, as
// typed values with one list of metadata keys. Every model carries the record; a checkpoint is a
// model with the checkpoint mark, and resuming reads the record back and compares it, key by key
// from the same list, with the options and the corpus of the resumed run.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "embedkit/train/word_vector_trainer.h"
#include "train/word2vec/encoded_corpus.h"

namespace embedkit::detail {

/// Where a run stands at the end of an epoch: what a checkpoint must bring back.
struct TrainingPosition {
  std::size_t epochs_done = 0;
  std::uint64_t words_done = 0;
  std::vector<std::uint64_t> rng_states;  // one per worker thread
};

/// The metadata key that marks a file as a checkpoint (the final model has every other key).
inline constexpr const char* kCheckpointKey = "training.checkpoint";

/// Writes the record of a run on `input` with `options` into `metadata`: the settings that
/// shape it, the corpus identity (tokens and content hash), the position, and the same settings
/// under fastText's names (so that a .bin written from the vectors loads in fastText).
void write_training_record(const WordVectorOptions& options, const std::string& input, const EncodedCorpus& corpus,
                           const TrainingPosition& position, std::map<std::string, std::string>& metadata);

/// Checks that `metadata` (of `checkpoint`) records a run with these options on this corpus, and
/// returns its position. FormatError when a key is missing or malformed; ArgumentError, naming
/// the setting and both values, when the run differs.
TrainingPosition read_checkpoint_record(const std::map<std::string, std::string>& metadata,
                                        const std::string& checkpoint, const WordVectorOptions& options,
                                        const std::string& input, const EncodedCorpus& corpus);

/// In a job of several processes each has its own share, position and generators: the keys
/// above that describe them (corpus tokens and hash, threads, words done, generator states), of
/// one process, as one string for Communicator::gather_all.
std::string process_record(const std::map<std::string, std::string>& metadata);
/// Stores every process's record (in rank order) under "training.process.R.<key>".
void write_process_records(const std::vector<std::string>& records, std::map<std::string, std::string>& metadata);
/// The metadata of a job's checkpoint as process `rank` wrote its own: its keys in place of the
/// job's. FormatError when the checkpoint has no record of that process.
std::map<std::string, std::string> process_view(const std::map<std::string, std::string>& metadata, std::size_t rank,
                                                const std::string& checkpoint);

}  // namespace embedkit::detail
