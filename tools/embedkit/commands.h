// Each subcommand lives in its own file (<group>_<name>_command.cpp for `embedkit <group> <name>`)
// and registers itself on its parent CLI::App; a group's file only creates the group.
#pragma once

#include <CLI/CLI.hpp>

namespace embedkit::cli {

/// `embedkit vocab build` and `embedkit vocab info`.
void add_vocab_commands(CLI::App& app);
void add_vocab_build_command(CLI::App& vocab);
void add_vocab_info_command(CLI::App& vocab);

/// `embedkit tokenize`.
void add_tokenize_command(CLI::App& app);
void add_tokenizer_commands(CLI::App& app);
void add_tokenizer_train_command(CLI::App& tokenizer);

/// `embedkit info`, `embedkit convert` and `embedkit vectors` (vector files).
void add_info_command(CLI::App& app);
void add_convert_command(CLI::App& app);
/// `embedkit compress` (smaller tables with a quality report).
void add_compress_command(CLI::App& app);
void add_vectors_command(CLI::App& app);

/// `embedkit neighbors`.
void add_neighbors_command(CLI::App& app);
void add_analogy_command(CLI::App& app);
void add_similarity_command(CLI::App& app);
void add_eval_command(CLI::App& app);

/// `embedkit train` (word vectors from text).
void add_train_command(CLI::App& app);
/// `embedkit pretrain` (an encoder by masked-language modelling) and `embedkit encode` (its
/// contextual vectors).
void add_pretrain_command(CLI::App& app);
void add_encode_command(CLI::App& app);
/// `embedkit sweep-dim` (quality against size).
void add_sweep_dim_command(CLI::App& app);

/// `embedkit classify train|test|predict|cv` (text classifiers).
void add_classify_commands(CLI::App& app);
void add_classify_train_command(CLI::App& classify);
void add_classify_test_command(CLI::App& classify);
void add_classify_predict_command(CLI::App& classify);
void add_classify_cv_command(CLI::App& classify);
void add_classify_quantize_command(CLI::App& classify);

/// `embedkit plot` (2-D maps of words as PNG or SVG).
void add_plot_command(CLI::App& app);

// serve_command.cpp
void add_serve_command(CLI::App& app);

}  // namespace embedkit::cli
