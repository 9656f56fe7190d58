// A one-line progress bar on stderr: percentage, rate, ETA and a free-form detail, redrawn at
// most ten times a second. Silent when disabled (--quiet, or stderr is not a terminal), so
// logs and pipes stay clean.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace embedkit::cli {

/// One training run's progress as a JSON line's text (`--json`, on stderr): the shared fields and
/// the run's rate under its own name ("examples_per_second", "tokens_per_second").
struct TrainingProgressEvent {
  double progress = 0;
  std::size_t epoch = 0;  ///< 1-based
  std::string_view rate_name;
  double rate = 0;
  double learning_rate = 0;
  double loss = 0;
  double seconds = 0;
  double eta_seconds = 0;
};
[[nodiscard]] std::string progress_json(const TrainingProgressEvent& event);

class ProgressBar {
 public:
  /// What done/total count: bytes (shown with sizes and a byte rate), or plain work units
  /// (shown as a percentage, with the rate left to the detail text).
  enum class Units { bytes, work };

  /// `label` starts the line; `enabled` false makes every call a no-op.
  ProgressBar(std::string label, bool enabled, Units units = Units::bytes);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// Reports `done` of `total` bytes (total 0 = unknown: no bar, no ETA).
  void update(std::uint64_t done, std::uint64_t total, std::string_view detail = {});

  /// Draws the final state and ends the line.
  void finish();

  /// Whether progress should be drawn by default: stderr is a terminal.
  static bool stderr_is_terminal();

 private:
  void draw(std::uint64_t done, std::uint64_t total, std::string_view detail);

  std::string label_;
  bool enabled_;
  Units units_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::uint64_t last_done_ = 0;
  std::uint64_t last_total_ = 0;
  std::string last_detail_;
};

}  // namespace embedkit::cli
