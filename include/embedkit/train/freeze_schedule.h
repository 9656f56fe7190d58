// When an embedding layer that starts from pretrained vectors may change: never (frozen), from
// the start (fine-tuned), or only after the rest of the model has had N epochs to adapt to it
// (frozen, then unfrozen), which protects good pretrained rows from the large, noisy gradients
// of a randomly initialised model head.
//
//   embedkit::FreezeSchedule schedule = embedkit::FreezeSchedule::unfreeze_after(2);
//   for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
//     bag.set_trainable(schedule.trainable_in(epoch));
//     ...
//   }
#pragma once

#include <cstddef>
#include <limits>

namespace embedkit {

class FreezeSchedule {
 public:
  /// Trainable from the first epoch.
  static FreezeSchedule fine_tune() noexcept { return FreezeSchedule(0); }
  /// Never trainable.
  static FreezeSchedule frozen() noexcept { return FreezeSchedule(std::numeric_limits<std::size_t>::max()); }
  /// Frozen for epochs 0 .. epochs-1, trainable from epoch `epochs` on.
  static FreezeSchedule unfreeze_after(std::size_t epochs) noexcept { return FreezeSchedule(epochs); }

  /// Whether the layer trains in `epoch` (0-based).
  [[nodiscard]] bool trainable_in(std::size_t epoch) const noexcept { return epoch >= frozen_epochs_; }
  [[nodiscard]] std::size_t frozen_epochs() const noexcept { return frozen_epochs_; }

 private:
  explicit FreezeSchedule(std::size_t frozen_epochs) noexcept : frozen_epochs_(frozen_epochs) {}
  std::size_t frozen_epochs_;
};

}  // namespace embedkit
