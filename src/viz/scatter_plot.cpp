// Layout of a labelled scatter plot: margins from the measured texts, "nice" tick values, greedy
// label placement; then the same drawing calls go to the PNG or the SVG canvas.
#include "embedkit/viz/scatter_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>

#include "embedkit/core/atomic_file.h"
#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"
#include "viz/canvas.h"

namespace embedkit {
namespace {

using viz::Anchor;
using viz::Color;
using viz::TextMeasurer;
using viz::TextStyle;

// Tableau 10: qualitative, distinguishable for most colour-vision deficiencies, and none so light
// that a small disc vanishes on white.
constexpr std::array<Color, 10> kPalette = {
    Color::hex(0x4E79A7), Color::hex(0xF28E2B), Color::hex(0xE15759), Color::hex(0x76B7B2), Color::hex(0x59A14F),
    Color::hex(0xEDC948), Color::hex(0xB07AA1), Color::hex(0xFF9DA7), Color::hex(0x9C755F), Color::hex(0xBAB0AC)};
constexpr Color kWhite = Color::hex(0xFFFFFF);
constexpr Color kGrid = Color::hex(0xEBEBEB);
constexpr Color kFrame = Color::hex(0x9A9A9A);
constexpr Color kTickText = Color::hex(0x555555);
constexpr Color kText = Color::hex(0x222222);
constexpr Color kLegendFrame = Color::hex(0xCCCCCC);

constexpr int kMinSide = 200;
constexpr int kMaxSide = 10000;

Color group_color(std::size_t group) { return kPalette[group % kPalette.size()]; }

// Label text in its group's hue but darker: the palette's light colours (yellow, pink) are fine
// for discs and unreadable as thin glyphs on white.
Color label_color(std::size_t group) {
  const Color c = group_color(group);
  constexpr double keep = 0.62;
  return {c.r * keep, c.g * keep, c.b * keep};
}

struct Box {
  double x0, y0, x1, y1;
};

double overlap(const Box& a, const Box& b) {
  const double w = std::min(a.x1, b.x1) - std::max(a.x0, b.x0);
  const double h = std::min(a.y1, b.y1) - std::max(a.y0, b.y0);
  return w > 0 && h > 0 ? w * h : 0;
}

double area(const Box& b) { return (b.x1 - b.x0) * (b.y1 - b.y0); }

// Control characters are not allowed in XML (even escaped) and draw as boxes in cairo; U+FFFE
// and U+FFFF are not XML characters either. Each becomes U+FFFD. `text` is valid UTF-8.
std::string displayable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const Utf8Decoded d = decode_utf8(text, pos);
    const char32_t cp = d.code_point;
    if (cp < 0x20 || cp == 0x7F || cp == 0xFFFE || cp == 0xFFFF) {
      out += kReplacementCharacter;
    } else {
      out.append(text.substr(pos, d.length));
    }
    pos += d.length;
  }
  return out;
}

// `text` shortened with an ellipsis to at most max_width pixels, cut between code points.
std::string fit(std::string text, double max_width, double size, bool bold, TextMeasurer& measure) {
  if (measure.width(text, size, bold) <= max_width) return text;
  constexpr std::string_view kEllipsis = "\u2026";
  while (!text.empty()) {
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
    if (!text.empty()) text.pop_back();
    if (measure.width(std::string(text) + std::string(kEllipsis), size, bold) <= max_width) break;
  }
  return text + std::string(kEllipsis);
}

// One axis: the data range shown (padded) and round tick values inside it.
struct Axis {
  double lo = -1, hi = 1;
  std::vector<double> ticks;
  int decimals = 0;

  [[nodiscard]] double fraction(double v) const { return (v - lo) / (hi - lo); }
};

Axis make_axis(double data_lo, double data_hi, double pixels, double pixels_per_tick) {
  Axis axis;
  const double span = data_hi - data_lo;
  const double magnitude = std::max({1.0, std::abs(data_lo), std::abs(data_hi)});
  if (!(span > 1e-12 * magnitude)) {
    // One value (or none): centre it in a range of its own size (or +-1 around 0).
    const double centre = (data_lo + data_hi) / 2;
    const double half = centre == 0 ? 1.0 : std::abs(centre) * 0.5;
    axis.lo = centre - half;
    axis.hi = centre + half;
  } else {
    // 7% each side keeps discs and their labels off the frame.
    axis.lo = data_lo - 0.07 * span;
    axis.hi = data_hi + 0.07 * span;
  }
  // Steps of 1, 2 or 5 times a power of ten, about one per pixels_per_tick, and at least three
  // ticks even on a small plot.
  const double target = std::max(2.0, pixels / pixels_per_tick);
  const double raw = (axis.hi - axis.lo) / target;
  double power = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / power;
  int mantissa = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  for (;;) {
    const double step = mantissa * power;
    axis.ticks.clear();
    for (auto k = static_cast<long long>(std::ceil(axis.lo / step - 1e-9)); k * step <= axis.hi + 1e-9 * step; ++k) {
      axis.ticks.push_back(static_cast<double>(k) * step);
    }
    axis.decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
    if (axis.ticks.size() >= 3) break;
    if (mantissa == 1) {  // 1 -> 0.5 -> 0.2 -> 0.1 ...
      mantissa = 10;
      power /= 10;
    }
    mantissa = mantissa == 10 ? 5 : mantissa == 5 ? 2 : 1;
  }
  return axis;
}

std::string tick_text(double value, int decimals) {
  std::string s = fmt::format("{:.{}f}", value, decimals);
  if (s.find_first_not_of("-0.") == std::string::npos) return s.front() == '-' ? s.substr(1) : s;  // no "-0.0"
  if (s.front() == '-') s.replace(0, 1, "\u2212");  // a real minus sign, as wide as the digits
  return s;
}

void check_utf8(std::string_view text, std::string_view what) {
  const auto bad = find_invalid_utf8(text);
  EMBEDKIT_CHECK(!bad, ArgumentError, fmt::format("{} is not valid UTF-8 (byte {})", what, bad.value_or(0)));
}

void validate(std::span<const ScatterPoint> points, const ScatterOptions& options) {
  EMBEDKIT_CHECK(options.width >= kMinSide && options.width <= kMaxSide && options.height >= kMinSide &&
                     options.height <= kMaxSide,
                 ArgumentError,
                 fmt::format("a plot must be {} to {} pixels wide and high, got {} x {}", kMinSide, kMaxSide,
                             options.width, options.height));
  check_utf8(options.title, "the plot title");
  check_utf8(options.x_title, "the x axis title");
  check_utf8(options.y_title, "the y axis title");
  for (std::size_t g = 0; g < options.group_names.size(); ++g) {
    check_utf8(options.group_names[g], fmt::format("group name {}", g));
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    const ScatterPoint& p = points[i];
    check_utf8(p.label, fmt::format("the label of point {}", i));
    EMBEDKIT_CHECK(std::isfinite(p.x) && std::isfinite(p.y), ArgumentError,
                   fmt::format("point {} ({:?}) is at ({}, {}): coordinates must be finite", i, p.label, p.x, p.y));
    EMBEDKIT_CHECK(options.group_names.empty() || p.group < options.group_names.size(), ArgumentError,
                   fmt::format("point {} ({:?}) is in group {}, but only {} group names were given", i, p.label,
                               p.group, options.group_names.size()));
  }
}

// Pixel-snapped coordinate for a 1-pixel line: the centre of a pixel, so it is not smeared over two.
double crisp(double v) { return std::floor(v) + 0.5; }

}  // namespace

PlotFormat plot_format_for_path(std::string_view path) {
  const std::size_t dot = path.rfind('.');
  const std::size_t slash = path.rfind('/');
  std::string extension;
  if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash)) {
    for (const char c : path.substr(dot + 1)) extension += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (extension == "png") return PlotFormat::png;
  if (extension == "svg") return PlotFormat::svg;
  throw ArgumentError(fmt::format("cannot tell the image format of '{}': the name must end in .png or .svg", path),
                      "extension == png || extension == svg");
}

std::string render_scatter_plot(std::span<const ScatterPoint> points, PlotFormat format, const ScatterOptions& options) {
  validate(points, options);
  const double width = options.width;
  const double height = options.height;
  // Everything scales with the image: 1 at 900 pixels on the short side.
  const double s = std::clamp(std::min(width, height) / 900.0, 0.75, 3.0);
  const double pad = 16 * s;
  const double label_size = 13 * s;
  const double tick_size = 11 * s;
  const double title_size = 20 * s;
  const double axis_title_size = 13 * s;
  const double legend_size = 13 * s;
  const double tick_length = 4 * s;
  const double radius = 4 * s;
  const double highlight_radius = 6 * s;

  TextMeasurer measure;
  const viz::FontMetrics label_font = measure.metrics(label_size, false);
  const viz::FontMetrics tick_font = measure.metrics(tick_size, false);
  const viz::FontMetrics title_font = measure.metrics(title_size, true);
  const viz::FontMetrics axis_font = measure.metrics(axis_title_size, false);
  const viz::FontMetrics legend_font = measure.metrics(legend_size, false);

  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  for (const ScatterPoint& p : points) {
    x_lo = std::min(x_lo, p.x);
    x_hi = std::max(x_hi, p.x);
    y_lo = std::min(y_lo, p.y);
    y_hi = std::max(y_hi, p.y);
  }
  if (points.empty()) x_lo = x_hi = y_lo = y_hi = 0;
  EMBEDKIT_CHECK(std::isfinite(x_hi - x_lo) && std::isfinite(y_hi - y_lo), ArgumentError,
                 fmt::format("the points span x {} .. {}, y {} .. {}: too wide a range to draw", x_lo, x_hi, y_lo, y_hi));

  // Vertical extent first (title above; tick values and x title below), then the y ticks, whose
  // widths set the left margin, then the legend's width, which sets the right one.
  const double top = pad + (options.title.empty() ? 4 * s : title_font.ascent + title_font.descent + 10 * s);
  const double bottom = height - pad - (options.x_title.empty() ? 0 : axis_font.ascent + axis_font.descent + 6 * s) -
                        (tick_font.ascent + tick_font.descent) - tick_length - 3 * s;
  const Axis y_axis = make_axis(y_lo, y_hi, bottom - top, 70 * s);
  std::vector<std::string> y_ticks;
  double y_tick_width = 0;
  for (const double t : y_axis.ticks) {
    y_ticks.push_back(tick_text(t, y_axis.decimals));
    y_tick_width = std::max(y_tick_width, measure.width(y_ticks.back(), tick_size, false));
  }
  const double left = pad + (options.y_title.empty() ? 0 : axis_font.ascent + axis_font.descent + 8 * s) +
                      y_tick_width + tick_length + 4 * s;

  // Legend: one row per group name, shortened to a quarter of the width; rows that do not fit
  // the plot's height become "+N more".
  const double swatch_radius = 5 * s;
  const double legend_inset = 10 * s;
  const double legend_row = (legend_font.ascent + legend_font.descent) * 1.45;
  std::vector<std::string> legend_rows;
  std::size_t legend_groups = 0;  // rows that name a group (a last "+N more" row does not)
  double legend_width = 0;
  if (!options.group_names.empty()) {
    const auto fits = static_cast<std::size_t>(std::max(1.0, std::floor((bottom - top - 2 * legend_inset) / legend_row)));
    const std::size_t shown =
        options.group_names.size() <= fits ? options.group_names.size() : std::max<std::size_t>(fits, 2) - 1;
    legend_groups = shown;
    double text_width = 0;
    for (std::size_t g = 0; g < shown; ++g) {
      legend_rows.push_back(fit(displayable(options.group_names[g]), width * 0.25, legend_size, false, measure));
      text_width = std::max(text_width, measure.width(legend_rows.back(), legend_size, false));
    }
    if (shown < options.group_names.size()) {
      legend_rows.push_back(fmt::format("+{} more", options.group_names.size() - shown));
      text_width = std::max(text_width, measure.width(legend_rows.back(), legend_size, false));
    }
    legend_width = 2 * legend_inset + 2 * swatch_radius + 8 * s + text_width;
  }
  const double right = width - pad - (legend_rows.empty() ? 0 : legend_width + 14 * s);
  const Axis x_axis = make_axis(x_lo, x_hi, right - left, 110 * s);

  auto to_x = [&](double x) { return left + x_axis.fraction(x) * (right - left); };
  auto to_y = [&](double y) { return bottom - y_axis.fraction(y) * (bottom - top); };

  std::unique_ptr<viz::Canvas> canvas =
      format == PlotFormat::png ? viz::make_png_canvas(options.width, options.height)
                                : viz::make_svg_canvas(options.width, options.height);
  viz::Canvas& c = *canvas;

  // Grid, frame, ticks.
  for (const double t : x_axis.ticks) c.line(crisp(to_x(t)), top, crisp(to_x(t)), bottom, kGrid, 1);
  for (const double t : y_axis.ticks) c.line(left, crisp(to_y(t)), right, crisp(to_y(t)), kGrid, 1);
  c.stroke_rect(crisp(left), crisp(top), std::round(right - left), std::round(bottom - top), kFrame, 1);
  const TextStyle tick_style{.size = tick_size, .color = kTickText, .anchor = Anchor::middle, .role = "tick"};
  for (const double t : x_axis.ticks) {
    const double x = crisp(to_x(t));
    c.line(x, crisp(bottom), x, crisp(bottom) + tick_length, kFrame, 1);
    c.text(x, bottom + tick_length + 2 * s + tick_font.ascent, tick_text(t, x_axis.decimals), tick_style);
  }
  for (std::size_t i = 0; i < y_axis.ticks.size(); ++i) {
    const double y = crisp(to_y(y_axis.ticks[i]));
    c.line(crisp(left) - tick_length, y, crisp(left), y, kFrame, 1);
    c.text(left - tick_length - 3 * s, y + (tick_font.ascent - tick_font.descent) / 2, y_ticks[i],
           {.size = tick_size, .color = kTickText, .anchor = Anchor::end, .role = "tick"});
  }

  // Titles.
  if (!options.title.empty()) {
    const std::string title = fit(displayable(options.title), width - 2 * pad, title_size, true, measure);
    const double title_width = measure.width(title, title_size, true);
    // Centred over the plot when it fits there, else over the whole image.
    const double centre = title_width <= right - left ? (left + right) / 2 : width / 2;
    c.text(centre, pad + title_font.ascent, title,
           {.size = title_size, .bold = true, .color = kText, .anchor = Anchor::middle, .role = "title"});
  }
  const TextStyle axis_style{.size = axis_title_size, .color = kText, .anchor = Anchor::middle, .role = "axis-title"};
  if (!options.x_title.empty()) {
    c.text((left + right) / 2, height - pad - axis_font.descent,
           fit(displayable(options.x_title), right - left, axis_title_size, false, measure), axis_style);
  }
  if (!options.y_title.empty()) {
    TextStyle vertical = axis_style;
    vertical.vertical = true;
    c.text(pad + axis_font.ascent, (top + bottom) / 2,
           fit(displayable(options.y_title), bottom - top, axis_title_size, false, measure), vertical);
  }

  // Points: plain ones first, highlighted ones on top.
  std::vector<std::array<double, 2>> pixels(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) pixels[i] = {to_x(points[i].x), to_y(points[i].y)};
  if (options.connect_groups) {  // under the discs
    for (std::size_t i = 0; i < points.size(); ++i) {
      for (std::size_t j = i + 1; j < points.size(); ++j) {
        if (points[j].group != points[i].group) continue;
        c.line(pixels[i][0], pixels[i][1], pixels[j][0], pixels[j][1], group_color(points[i].group), 2 * s);
        break;  // to the group's next point only
      }
    }
  }
  for (const bool highlighted : {false, true}) {
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (points[i].highlight != highlighted) continue;
      c.disc(pixels[i][0], pixels[i][1], highlighted ? highlight_radius : radius, group_color(points[i].group), kWhite,
             s);
    }
  }

  // Labels, greedily: the first of eight spots around the point that collides with nothing, else
  // the least bad one. Covering another point costs more than touching a label; leaving the
  // frame costs most.
  std::vector<Box> markers(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    const double r = points[i].highlight ? highlight_radius : radius;
    markers[i] = {pixels[i][0] - r, pixels[i][1] - r, pixels[i][0] + r, pixels[i][1] + r};
  }
  const Box inside{left + 2, top + 2, right - 2, bottom - 2};
  std::vector<Box> placed;
  const double gap = 3 * s;
  const double text_height = label_font.ascent + label_font.descent;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (points[i].label.empty()) continue;
    const bool bold = points[i].highlight;
    const std::string label = fit(displayable(points[i].label), (right - left) * 0.45, label_size, bold, measure);
    const double w = measure.width(label, label_size, bold);
    const double r = points[i].highlight ? highlight_radius : radius;
    const double px = pixels[i][0];
    const double py = pixels[i][1];
    const double d = r * 0.7 + gap * 0.5;  // diagonal spots: off the disc's corner
    // Each spot as the label's box; the text's anchor and baseline follow from it.
    const std::array<Box, 8> spots = {
        Box{px + r + gap, py - text_height / 2, px + r + gap + w, py + text_height / 2},            // right
        Box{px - r - gap - w, py - text_height / 2, px - r - gap, py + text_height / 2},            // left
        Box{px - w / 2, py - r - gap - text_height, px + w / 2, py - r - gap},                      // above
        Box{px - w / 2, py + r + gap, px + w / 2, py + r + gap + text_height},                      // below
        Box{px + d, py - d - text_height, px + d + w, py - d},                                      // above right
        Box{px + d, py + d, px + d + w, py + d + text_height},                                      // below right
        Box{px - d - w, py - d - text_height, px - d, py - d},                                      // above left
        Box{px - d - w, py + d, px - d, py + d + text_height}};                                     // below left
    std::size_t best = 0;
    double best_cost = std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < spots.size() && best_cost > 0; ++k) {
      const Box& b = spots[k];
      double cost = 4 * (area(b) - overlap(b, inside));
      for (const Box& other : placed) cost += overlap(b, other);
      for (std::size_t j = 0; j < markers.size(); ++j) {
        if (j != i) cost += 2 * overlap(b, markers[j]);
      }
      if (cost < best_cost) {
        best_cost = cost;
        best = k;
      }
    }
    // Anchored on the side that faces the point, so that a viewer whose substitute font is wider
    // or narrower than DejaVu Sans still keeps the text clear of the disc.
    constexpr std::array<Anchor, 8> kAnchors = {Anchor::start, Anchor::end,   Anchor::middle, Anchor::middle,
                                                Anchor::start, Anchor::start, Anchor::end,    Anchor::end};
    const Box& b = spots[best];
    placed.push_back(b);
    const Anchor anchor = kAnchors[best];
    const double x = anchor == Anchor::start ? b.x0 : anchor == Anchor::end ? b.x1 : (b.x0 + b.x1) / 2;
    c.text(x, b.y0 + label_font.ascent, label,
           {.size = label_size, .bold = bold, .color = label_color(points[i].group), .anchor = anchor, .halo = 3 * s,
            .role = "label"});
  }

  // Legend, beside the plot at the top.
  if (!legend_rows.empty()) {
    const double x = right + 14 * s;
    const double h = 2 * legend_inset + static_cast<double>(legend_rows.size()) * legend_row;
    c.fill_rect(crisp(x), crisp(top), std::round(legend_width), std::round(h), kWhite);
    c.stroke_rect(crisp(x), crisp(top), std::round(legend_width), std::round(h), kLegendFrame, 1);
    for (std::size_t g = 0; g < legend_rows.size(); ++g) {
      const double centre = top + legend_inset + (static_cast<double>(g) + 0.5) * legend_row;
      if (g < legend_groups) c.disc(x + legend_inset + swatch_radius, centre, swatch_radius, group_color(g), kWhite, 0);
      c.text(x + legend_inset + 2 * swatch_radius + 8 * s, centre + (legend_font.ascent - legend_font.descent) / 2,
             legend_rows[g], {.size = legend_size, .color = kText, .role = "legend"});
    }
  }
  return canvas->finish();
}

void write_scatter_plot(std::span<const ScatterPoint> points, const std::string& path, const ScatterOptions& options) {
  const PlotFormat format = plot_format_for_path(path);
  const std::string bytes = render_scatter_plot(points, format, options);
  AtomicFileWriter out(path);
  out.write(bytes);
  out.commit();
}

}  // namespace embedkit
