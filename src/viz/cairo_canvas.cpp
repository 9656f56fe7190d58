// The PNG canvas: cairo draws into an RGB image surface, which cairo's PNG encoder streams into
// memory (the caller writes the bytes atomically).
#include <fmt/format.h>

#include <cmath>
#include <exception>
#include <numbers>
#include <string>

#include "embedkit/core/error.h"
#include "viz/canvas.h"

namespace embedkit::viz {
namespace {

void set_color(cairo_t* cr, Color c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }

void select_font(cairo_t* cr, double size, bool bold) {
  cairo_select_font_face(cr, kFontFamily, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

void check(cairo_status_t status, std::string_view what) {
  EMBEDKIT_CHECK(status == CAIRO_STATUS_SUCCESS, IoError,
                 fmt::format("cannot {}: cairo: {}", what, cairo_status_to_string(status)));
}

class CairoCanvas final : public Canvas {
 public:
  CairoCanvas(int width, int height)
      : surface_(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height)), cr_(cairo_create(surface_)) {
    cairo_set_source_rgb(cr_, 1, 1, 1);
    cairo_paint(cr_);
  }
  ~CairoCanvas() override {
    cairo_destroy(cr_);
    cairo_surface_destroy(surface_);
  }
  CairoCanvas(const CairoCanvas&) = delete;
  CairoCanvas& operator=(const CairoCanvas&) = delete;

  void fill_rect(double x, double y, double width, double height, Color color) override {
    cairo_rectangle(cr_, x, y, width, height);
    set_color(cr_, color);
    cairo_fill(cr_);
  }

  void stroke_rect(double x, double y, double width, double height, Color color, double line_width) override {
    cairo_rectangle(cr_, x, y, width, height);
    set_color(cr_, color);
    cairo_set_line_width(cr_, line_width);
    cairo_stroke(cr_);
  }

  void line(double x0, double y0, double x1, double y1, Color color, double line_width) override {
    cairo_move_to(cr_, x0, y0);
    cairo_line_to(cr_, x1, y1);
    set_color(cr_, color);
    cairo_set_line_width(cr_, line_width);
    cairo_stroke(cr_);
  }

  void disc(double cx, double cy, double radius, Color fill, Color outline, double outline_width) override {
    cairo_new_sub_path(cr_);
    cairo_arc(cr_, cx, cy, radius, 0, 2 * std::numbers::pi);
    set_color(cr_, fill);
    if (outline_width > 0) {
      cairo_fill_preserve(cr_);
      set_color(cr_, outline);
      cairo_set_line_width(cr_, outline_width);
      cairo_stroke(cr_);
    } else {
      cairo_fill(cr_);
    }
  }

  void text(double x, double y, std::string_view text, const TextStyle& style) override {
    const std::string s(text);  // cairo wants NUL-terminated UTF-8
    select_font(cr_, style.size, style.bold);
    cairo_text_extents_t extents;
    cairo_text_extents(cr_, s.c_str(), &extents);
    double offset = 0;
    if (style.anchor == Anchor::middle) offset = -extents.x_advance / 2;
    if (style.anchor == Anchor::end) offset = -extents.x_advance;
    cairo_save(cr_);
    cairo_translate(cr_, x, y);
    if (style.vertical) cairo_rotate(cr_, -std::numbers::pi / 2);
    cairo_move_to(cr_, offset, 0);
    if (style.halo > 0) {
      // Outline first, glyphs over it: the same as SVG's paint-order="stroke".
      cairo_text_path(cr_, s.c_str());
      cairo_set_source_rgb(cr_, 1, 1, 1);
      cairo_set_line_width(cr_, style.halo);
      cairo_set_line_join(cr_, CAIRO_LINE_JOIN_ROUND);
      cairo_stroke_preserve(cr_);
      set_color(cr_, style.color);
      cairo_fill(cr_);
    } else {
      set_color(cr_, style.color);
      cairo_show_text(cr_, s.c_str());
    }
    cairo_restore(cr_);
  }

  std::string finish() override {
    check(cairo_status(cr_), "draw the plot");
    cairo_surface_flush(surface_);
    struct Sink {
      std::string bytes;
      std::exception_ptr error;
    } sink;
    // The callback runs inside C code: exceptions (only bad_alloc here) must not unwind through it.
    const cairo_status_t status = cairo_surface_write_to_png_stream(
        surface_,
        [](void* closure, const unsigned char* data, unsigned int length) -> cairo_status_t {
          auto* out = static_cast<Sink*>(closure);
          try {
            out->bytes.append(reinterpret_cast<const char*>(data), length);
          } catch (...) {
            out->error = std::current_exception();
            return CAIRO_STATUS_WRITE_ERROR;
          }
          return CAIRO_STATUS_SUCCESS;
        },
        &sink);
    if (sink.error) std::rethrow_exception(sink.error);
    check(status, "encode the PNG");
    return std::move(sink.bytes);
  }

 private:
  cairo_surface_t* surface_;
  cairo_t* cr_;
};

}  // namespace

std::unique_ptr<Canvas> make_png_canvas(int width, int height) { return std::make_unique<CairoCanvas>(width, height); }

TextMeasurer::TextMeasurer()
    : surface_(cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1)), cr_(cairo_create(surface_)) {}

TextMeasurer::~TextMeasurer() {
  cairo_destroy(cr_);
  cairo_surface_destroy(surface_);
}

void TextMeasurer::select(double size, bool bold) { select_font(cr_, size, bold); }

double TextMeasurer::width(std::string_view text, double size, bool bold) {
  select(size, bold);
  const std::string s(text);
  cairo_text_extents_t extents;
  cairo_text_extents(cr_, s.c_str(), &extents);
  return extents.x_advance;
}

FontMetrics TextMeasurer::metrics(double size, bool bold) {
  select(size, bold);
  cairo_font_extents_t extents;
  cairo_font_extents(cr_, &extents);
  return {.ascent = extents.ascent, .descent = extents.descent};
}

}  // namespace embedkit::viz
