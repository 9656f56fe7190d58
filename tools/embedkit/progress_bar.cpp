#include "progress_bar.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "human_format.h"

namespace embedkit::cli {

ProgressBar::ProgressBar(std::string label, bool enabled, Units units)
    : label_(std::move(label)), enabled_(enabled), units_(units), start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  // An exception is unwinding (finish() was not reached): end the line so the error reads cleanly.
  if (enabled_ && drawn_) std::fputs("\n", stderr);
}

bool ProgressBar::stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

void ProgressBar::update(std::uint64_t done, std::uint64_t total, std::string_view detail) {
  if (!enabled_) return;
  last_done_ = done;
  last_total_ = total;
  last_detail_.assign(detail);
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(done, total, detail);
}

void ProgressBar::finish() {
  if (!enabled_) return;
  draw(last_done_, last_total_, last_detail_);
  std::fputs("\n", stderr);
  drawn_ = false;
  enabled_ = false;
}

void ProgressBar::draw(std::uint64_t done, std::uint64_t total, std::string_view detail) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  std::string line = label_;
  if (total > 0) {
    constexpr int kWidth = 24;
    const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    const int filled = static_cast<int>(fraction * kWidth);
    line += fmt::format(" [{}{}] {:5.1f}%", std::string(static_cast<std::size_t>(filled), '#'),
                        std::string(static_cast<std::size_t>(kWidth - filled), '.'), fraction * 100);
    const double eta = rate > 0 ? static_cast<double>(total - std::min(done, total)) / rate : -1;
    if (units_ == Units::bytes) {
      line += fmt::format("  {} / {}  {}/s  ETA {}", human_bytes(static_cast<double>(done)),
                          human_bytes(static_cast<double>(total)), human_bytes(rate), human_duration(eta));
    } else {
      line += fmt::format("  {} elapsed  ETA {}", human_duration(elapsed), human_duration(eta));
    }
  } else {
    line += fmt::format("  {}  {}/s  {}", human_bytes(static_cast<double>(done)), human_bytes(rate),
                        human_duration(elapsed));
  }
  if (!detail.empty()) line += fmt::format("  | {}", detail);
  // \r returns to the line start; \033[K clears what a longer previous line left behind.
  fmt::print(stderr, "\r{}\033[K", line);
  std::fflush(stderr);
  drawn_ = true;
}

std::string progress_json(const TrainingProgressEvent& e) {
  return nlohmann::json{{"event", "progress"},
                        {"progress", e.progress},
                        {"epoch", e.epoch},
                        {std::string(e.rate_name), e.rate},
                        {"learning_rate", e.learning_rate},
                        {"loss", e.loss},
                        {"elapsed_seconds", e.seconds},
                        {"eta_seconds", e.eta_seconds}}
      .dump();
}

}  // namespace embedkit::cli
