// Labelled 2-D scatter plots (word maps), written as PNG (rasterised by cairo) or SVG.
//
//   std::vector<embedkit::ScatterPoint> points = {{.x = 0.1, .y = 2.0, .label = "king", .group = 0},
//                                                 {.x = 1.5, .y = -0.3, .label = "paris", .group = 1}};
//   embedkit::write_scatter_plot(points, "map.png",
//                                {.title = "Two groups", .group_names = {"royalty", "places"}});
//
// What is drawn: a frame with light grid lines and tick values, one small disc per point in its
// group's colour (the 10-colour Tableau palette, repeated after 10 groups), each point's label
// beside it, the title above, the axis titles, and a legend on the right when group names are
// given. Labels are placed greedily, in point order, at the first of eight spots around their
// point (right, left, above, below, then the diagonals) that overlaps no earlier label, no point
// and stays inside the frame (else the spot that overlaps least), so put the points whose labels
// matter most first. That costs O(points^2): fine for the hundreds of points a readable map has.
//
// Both formats come from the same layout, measured with cairo's metrics for DejaVu Sans (the
// font the PNG uses; SVG viewers substitute a similar sans-serif when it is missing). In the
// SVG every label is one <text class="label"> element (selectable, searchable text); the other
// texts have class "title", "axis-title", "tick" or "legend".
//
// Writes are atomic (a temporary file beside the target, renamed into place): a failure leaves
// no file and never a partial one. Thread-safe: nothing is shared between calls.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace embedkit {

struct ScatterPoint {
  double x = 0;
  double y = 0;        ///< data units; up is positive
  std::string label;   ///< UTF-8; may be empty (no text drawn)
  std::size_t group = 0;  ///< colour index (and legend entry when ScatterOptions::group_names is set)
  bool highlight = false;  ///< drawn with a larger disc and a bold label (e.g. query words)
};

struct ScatterOptions {
  int width = 1200;   ///< pixels (SVG: user units), 200 .. 10000
  int height = 900;   ///< pixels (SVG: user units), 200 .. 10000
  std::string title;  ///< above the plot; empty: none
  std::string x_title;  ///< under the x axis, e.g. "PC1 (41% of variance)"; empty: none
  std::string y_title;  ///< beside the y axis; empty: none
  /// Legend entries: group i is named group_names[i]. Empty: no legend; otherwise every point's
  /// group must have a name.
  std::vector<std::string> group_names;
  /// Join each group's points, in point order, with a line of the group's colour (a line chart
  /// of, say, quality against size); false: points only.
  bool connect_groups = false;
};

enum class PlotFormat { png, svg };

/// The format for an output path from its extension, ".png" or ".svg" (any letter case). Throws
/// ArgumentError naming the path otherwise.
[[nodiscard]] PlotFormat plot_format_for_path(std::string_view path);

/// The plot as the bytes of a PNG or SVG file. Throws ArgumentError for a size out of range, a
/// non-finite coordinate, a label or name that is not valid UTF-8, or a group without a name
/// (when names are given), each naming the point or entry.
[[nodiscard]] std::string render_scatter_plot(std::span<const ScatterPoint> points, PlotFormat format,
                                              const ScatterOptions& options = {});

/// Renders the plot in the format that `path`'s extension names and writes it atomically.
/// Throws ArgumentError (as above, or for an unknown extension, before creating any file) or
/// IoError.
void write_scatter_plot(std::span<const ScatterPoint> points, const std::string& path,
                        const ScatterOptions& options = {});

}  // namespace embedkit
