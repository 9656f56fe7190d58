// The drawing primitives a plot needs, with one implementation per output format: cairo for PNG
// (real rasterising, antialiased text) and hand-written SVG (real <text> elements). The layout
// code in scatter_plot.cpp draws once through this interface, so both files show the same
// picture; text is measured with cairo in both cases (TextMeasurer), so SVG labels are placed
// with the metrics of the font the PNG uses.
//
// Coordinates are pixels from the top-left corner, y down. Text positions are on the baseline.
#pragma once

#include <cairo.h>

#include <memory>
#include <string>
#include <string_view>

namespace embedkit::viz {

struct Color {
  double r = 0, g = 0, b = 0;  ///< 0 .. 1 each
  /// From 0xRRGGBB.
  static constexpr Color hex(unsigned rgb) {
    return {((rgb >> 16) & 0xFF) / 255.0, ((rgb >> 8) & 0xFF) / 255.0, (rgb & 0xFF) / 255.0};
  }
};

enum class Anchor { start, middle, end };

struct TextStyle {
  double size = 12;  ///< pixels
  bool bold = false;
  Color color;
  Anchor anchor = Anchor::start;
  bool vertical = false;  ///< turned 90 degrees counter-clockwise (reads bottom to top)
  double halo = 0;        ///< width of a white outline behind the glyphs (0: none), keeps text readable over lines
  std::string_view role;  ///< what the text is ("label", "title", ...): the SVG class attribute
};

/// The family both formats name. DejaVu Sans covers Latin, Greek and Cyrillic and ships with
/// most Linux systems; cairo falls back through fontconfig when it is missing.
inline constexpr const char* kFontFamily = "DejaVu Sans";

class Canvas {
 public:
  virtual ~Canvas() = default;
  virtual void fill_rect(double x, double y, double width, double height, Color color) = 0;
  virtual void stroke_rect(double x, double y, double width, double height, Color color, double line_width) = 0;
  virtual void line(double x0, double y0, double x1, double y1, Color color, double line_width) = 0;
  /// A filled disc with an outline (outline_width 0: none).
  virtual void disc(double cx, double cy, double radius, Color fill, Color outline, double outline_width) = 0;
  /// `text` (valid UTF-8 without control characters) with its anchor point at (x, y).
  virtual void text(double x, double y, std::string_view text, const TextStyle& style) = 0;
  /// The finished file. Call once, last. Throws IoError when the renderer failed.
  [[nodiscard]] virtual std::string finish() = 0;
};

/// A white-background raster of width x height pixels, finished as PNG bytes.
[[nodiscard]] std::unique_ptr<Canvas> make_png_canvas(int width, int height);
/// An SVG document of width x height user units (white background).
[[nodiscard]] std::unique_ptr<Canvas> make_svg_canvas(int width, int height);

struct FontMetrics {
  double ascent = 0;   ///< baseline to the top of the tallest glyphs, pixels
  double descent = 0;  ///< baseline to the bottom of descenders, pixels (positive)
};

/// Text sizes as cairo lays them out in kFontFamily. Not thread-safe; one per rendering.
class TextMeasurer {
 public:
  TextMeasurer();
  ~TextMeasurer();
  TextMeasurer(const TextMeasurer&) = delete;
  TextMeasurer& operator=(const TextMeasurer&) = delete;

  /// The advance width of `text` in pixels.
  [[nodiscard]] double width(std::string_view text, double size, bool bold);
  [[nodiscard]] FontMetrics metrics(double size, bool bold);

 private:
  void select(double size, bool bold);
  cairo_surface_t* surface_;
  cairo_t* cr_;
};

}  // namespace embedkit::viz
