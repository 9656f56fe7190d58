// The SVG canvas: writes the XML by hand (one element per primitive). Text stays text, so labels
// can be selected, searched and counted; the five XML special characters are escaped.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "viz/canvas.h"

namespace embedkit::viz {
namespace {

std::string css(Color c) {
  auto channel = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 1.0) * 255)); };
  return fmt::format("#{:02x}{:02x}{:02x}", channel(c.r), channel(c.g), channel(c.b));
}

// Two decimals: a hundredth of a pixel is below what any viewer shows, and keeps files small.
std::string num(double v) {
  std::string s = fmt::format("{:.2f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

void append_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
}

class SvgCanvas final : public Canvas {
 public:
  SvgCanvas(int width, int height) {
    svg_ = fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
        "font-family=\"'{2}', Verdana, Arial, sans-serif\">\n"
        "<rect width=\"{0}\" height=\"{1}\" fill=\"#ffffff\"/>\n",
        width, height, kFontFamily);
  }

  void fill_rect(double x, double y, double width, double height, Color color) override {
    svg_ += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n", num(x), num(y),
                        num(width), num(height), css(color));
  }

  void stroke_rect(double x, double y, double width, double height, Color color, double line_width) override {
    svg_ += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"{}\" "
                        "stroke-width=\"{}\"/>\n",
                        num(x), num(y), num(width), num(height), css(color), num(line_width));
  }

  void line(double x0, double y0, double x1, double y1, Color color, double line_width) override {
    svg_ += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"/>\n", num(x0),
                        num(y0), num(x1), num(y1), css(color), num(line_width));
  }

  void disc(double cx, double cy, double radius, Color fill, Color outline, double outline_width) override {
    svg_ += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\"", num(cx), num(cy), num(radius), css(fill));
    if (outline_width > 0) svg_ += fmt::format(" stroke=\"{}\" stroke-width=\"{}\"", css(outline), num(outline_width));
    svg_ += "/>\n";
  }

  void text(double x, double y, std::string_view text, const TextStyle& style) override {
    svg_ += "<text";
    if (!style.role.empty()) svg_ += fmt::format(" class=\"{}\"", style.role);
    svg_ += fmt::format(" x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"{}\"", num(x), num(y), num(style.size),
                        css(style.color));
    if (style.bold) svg_ += " font-weight=\"bold\"";
    if (style.anchor == Anchor::middle) svg_ += " text-anchor=\"middle\"";
    if (style.anchor == Anchor::end) svg_ += " text-anchor=\"end\"";
    if (style.vertical) svg_ += fmt::format(" transform=\"rotate(-90 {} {})\"", num(x), num(y));
    if (style.halo > 0) {
      svg_ += fmt::format(" stroke=\"#ffffff\" stroke-width=\"{}\" stroke-linejoin=\"round\" paint-order=\"stroke\"",
                          num(style.halo));
    }
    svg_ += ">";
    append_escaped(svg_, text);
    svg_ += "</text>\n";
  }

  std::string finish() override {
    svg_ += "</svg>\n";
    return std::move(svg_);
  }

 private:
  std::string svg_;
};

}  // namespace

std::unique_ptr<Canvas> make_svg_canvas(int width, int height) { return std::make_unique<SvgCanvas>(width, height); }

}  // namespace embedkit::viz
