// Private to embedkit::train: the vocabulary of a corpus that several processes read in shares,
// the same on every process and the same as one process counting the whole file would build
// (while no share holds more distinct words than max_entries: past that, counting prunes per
// share, as one process would prune the whole, with the same error bounds but not the same set).
#pragma once

#include <functional>
#include <string>

#include "embedkit/text/corpus_reader.h"
#include "embedkit/train/communicator.h"
#include "embedkit/vocab/vocab_builder.h"

namespace embedkit::detail {

/// Each process counts its `share` of `path`; the counts of every word are summed across the
/// processes (one all-gather of each process's word list), then `options` apply as
/// build_vocabulary's would. Collective: every process of `communicator` calls it. Options with
/// special tokens are not supported (training uses none). FormatError when the whole file has no
/// tokens.
VocabBuildResult build_shared_vocabulary(const std::string& path, CorpusShare share, const Tokenizer& tokenizer,
                                         const VocabBuildOptions& options, Communicator& communicator,
                                         const std::function<void(const VocabBuildProgress&)>& progress = {});

}  // namespace embedkit::detail
