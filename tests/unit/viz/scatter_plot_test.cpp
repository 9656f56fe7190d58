#include "embedkit/viz/scatter_plot.h"

#include <cairo.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <regex>
#include <vector>

#include "embedkit/core/error.h"
#include "test_files.h"

namespace embedkit {
namespace {

using testing::ScratchDir;

std::vector<ScatterPoint> some_points() {
  return {{.x = 0.1, .y = 2.0, .label = "king", .group = 0, .highlight = true},
          {.x = 0.3, .y = 1.7, .label = "queen", .group = 0},
          {.x = -1.5, .y = -0.3, .label = "paris", .group = 1, .highlight = true},
          {.x = -1.2, .y = -0.6, .label = "berlin", .group = 1},
          {.x = 2.0, .y = -1.0, .label = "a<b&c", .group = 2}};
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) ++n;
  return n;
}

std::uint32_t big_endian(const std::string& bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes.at(at + i));
  return v;
}

// Checks the XML structure: every tag closes in order, attribute values are quoted, and '&' only
// starts an entity. Returns the first problem, or "" when well-formed.
std::string xml_problem(const std::string& xml) {
  std::vector<std::string> open;
  std::size_t pos = 0;
  if (xml.rfind("<?xml", 0) == 0) pos = xml.find("?>") + 2;
  const std::regex entity("^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);");
  while (pos < xml.size()) {
    const char c = xml[pos];
    if (c == '&') {
      if (!std::regex_search(xml.substr(pos, 12), entity)) return "bare & at " + std::to_string(pos);
      ++pos;
      continue;
    }
    if (c == '>') return "bare > at " + std::to_string(pos);
    if (c != '<') {
      ++pos;
      continue;
    }
    // A tag: find its end, skipping quoted attribute values (which must not hold '<').
    std::size_t end = pos + 1;
    char quote = 0;
    for (; end < xml.size(); ++end) {
      if (quote != 0) {
        if (xml[end] == '<') return "< inside an attribute at " + std::to_string(end);
        if (xml[end] == quote) quote = 0;
      } else if (xml[end] == '"' || xml[end] == '\'') {
        quote = xml[end];
      } else if (xml[end] == '>') {
        break;
      } else if (xml[end] == '<') {
        return "< inside a tag at " + std::to_string(end);
      }
    }
    if (end >= xml.size()) return "unclosed tag at " + std::to_string(pos);
    const std::string tag = xml.substr(pos + 1, end - pos - 1);
    const std::string name = tag.substr(tag[0] == '/' ? 1 : 0, tag.find_first_of(" \t\n/", 1) - (tag[0] == '/' ? 1 : 0));
    if (tag[0] == '/') {
      if (open.empty() || open.back() != name) return "</" + name + "> closes " + (open.empty() ? "nothing" : open.back());
      open.pop_back();
    } else if (tag.back() != '/') {
      open.push_back(name);
    }
    pos = end + 1;
  }
  return open.empty() ? "" : "<" + open.back() + "> never closed";
}

// The texts of the <text class="..."> elements of that class, in order.
std::vector<std::string> texts_of_class(const std::string& svg, const std::string& cls) {
  std::vector<std::string> out;
  const std::regex element("<text class=\"" + cls + "\"[^>]*>([^<]*)</text>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), element); it != std::sregex_iterator(); ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

TEST(ScatterPlot, PngHasTheRequestedSizeAndTheGroupColours) {
  const ScratchDir dir;
  const std::string path = (dir.path() / "map.png").string();
  write_scatter_plot(some_points(), path, {.width = 640, .height = 480, .title = "Words"});
  const std::string png = testing::read_file(path);
  ASSERT_GT(png.size(), 33U);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_EQ(big_endian(png, 16), 640U);
  EXPECT_EQ(big_endian(png, 20), 480U);

  // Decode it again and look at the pixels: a white background, and discs in the palette's
  // first three colours (blue, orange, red) for groups 0, 1 and 2.
  cairo_surface_t* image = cairo_image_surface_create_from_png(path.c_str());
  ASSERT_EQ(cairo_surface_status(image), CAIRO_STATUS_SUCCESS);
  ASSERT_EQ(cairo_image_surface_get_width(image), 640);
  const unsigned char* data = cairo_image_surface_get_data(image);
  const int stride = cairo_image_surface_get_stride(image);
  auto pixel = [&](int x, int y) {
    std::uint32_t v;
    std::memcpy(&v, data + y * stride + x * 4, 4);
    return v & 0xFFFFFFU;
  };
  EXPECT_EQ(pixel(0, 0), 0xFFFFFFU);
  EXPECT_EQ(pixel(639, 479), 0xFFFFFFU);
  std::size_t blue = 0, orange = 0, red = 0, white = 0;
  for (int y = 0; y < 480; ++y) {
    for (int x = 0; x < 640; ++x) {
      const std::uint32_t p = pixel(x, y);
      blue += p == 0x4E79A7U;
      orange += p == 0xF28E2BU;
      red += p == 0xE15759U;
      white += p == 0xFFFFFFU;
    }
  }
  EXPECT_GT(blue, 20U);
  EXPECT_GT(orange, 20U);
  EXPECT_GT(red, 5U);
  EXPECT_GT(white, 640U * 480U / 2);  // mostly background, not a filled canvas
  cairo_surface_destroy(image);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()), 1)
      << "a temporary file was left beside the plot";
}

TEST(ScatterPlot, SvgIsWellFormedWithOneTextPerLabel) {
  const std::vector<ScatterPoint> points = some_points();
  const ScatterOptions options{.width = 800,
                               .height = 600,
                               .title = "Royals & places",
                               .x_title = "PC1",
                               .y_title = "PC2",
                               .group_names = {"royals", "places", "odd"}};
  const ScratchDir dir;
  const std::string path = (dir.path() / "map.svg").string();
  write_scatter_plot(points, path, options);
  const std::string svg = testing::read_file(path);
  EXPECT_EQ(svg, render_scatter_plot(points, PlotFormat::svg, options));  // the file is the rendering

  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"600\""), std::string::npos);
  EXPECT_EQ(count(svg, "<svg"), 1U);
  EXPECT_EQ(count(svg, "<circle"), points.size() + options.group_names.size());  // points + legend swatches

  const std::vector<std::string> labels = texts_of_class(svg, "label");
  ASSERT_EQ(labels.size(), points.size());
  EXPECT_EQ(labels[0], "king");
  EXPECT_EQ(labels[4], "a&lt;b&amp;c");
  EXPECT_EQ(svg.find("a<b"), std::string::npos);
  EXPECT_EQ(texts_of_class(svg, "title"), std::vector<std::string>{"Royals &amp; places"});
  EXPECT_EQ(texts_of_class(svg, "legend"), options.group_names);
  EXPECT_EQ(texts_of_class(svg, "axis-title").size(), 2U);
  EXPECT_GE(texts_of_class(svg, "tick").size(), 4U);
  EXPECT_EQ(count(svg, "<text"), count(svg, "</text>"));
}

TEST(ScatterPlot, LabelsStayInsideTheFrame) {
  // The rightmost point's label has no room on its right, the topmost none above.
  const std::vector<ScatterPoint> points = {{.x = 0, .y = 0, .label = "left"},
                                            {.x = 1, .y = 0, .label = "rightmost-with-a-long-label"},
                                            {.x = 0.5, .y = 1, .label = "top"}};
  const std::string svg = render_scatter_plot(points, PlotFormat::svg, {.width = 400, .height = 300});
  const std::regex right_label("<text class=\"label\" x=\"([0-9.]+)\"[^>]* text-anchor=\"end\"[^>]*>rightmost");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, right_label)) << "the rightmost label is not drawn to the left of its point";
  EXPECT_LT(std::stod(m[1]), 400.0);
  // Every label's anchor lies inside the image.
  const std::regex any_label("<text class=\"label\" x=\"([-0-9.]+)\" y=\"([-0-9.]+)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), any_label); it != std::sregex_iterator(); ++it) {
    EXPECT_GT(std::stod((*it)[1]), 0.0);
    EXPECT_LT(std::stod((*it)[1]), 400.0);
    EXPECT_GT(std::stod((*it)[2]), 0.0);
    EXPECT_LT(std::stod((*it)[2]), 300.0);
  }
}

TEST(ScatterPlot, ControlCharactersAndEmptyPlots) {
  const std::string svg = render_scatter_plot(
      std::vector<ScatterPoint>{{.x = 0, .y = 0, .label = "tab\there"}, {.x = 1, .y = 1, .label = ""}},
      PlotFormat::svg);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(texts_of_class(svg, "label"), std::vector<std::string>{"tab\xEF\xBF\xBDhere"});  // empty labels draw nothing

  const std::string empty = render_scatter_plot({}, PlotFormat::svg, {.title = "Nothing"});
  EXPECT_EQ(xml_problem(empty), "");
  EXPECT_TRUE(texts_of_class(empty, "label").empty());
  EXPECT_EQ(render_scatter_plot({}, PlotFormat::png).substr(1, 3), "PNG");
}

TEST(ScatterPlot, FormatComesFromTheExtension) {
  EXPECT_EQ(plot_format_for_path("a/map.png"), PlotFormat::png);
  EXPECT_EQ(plot_format_for_path("MAP.PNG"), PlotFormat::png);
  EXPECT_EQ(plot_format_for_path("x.y/map.svg"), PlotFormat::svg);
  for (const char* bad : {"map.jpg", "map", "dir.png/map", "map.png.txt", ".svg/x"}) {
    EXPECT_THROW((void)plot_format_for_path(bad), ArgumentError) << bad;
  }
}

TEST(ScatterPlot, BadExtensionThrowsAndWritesNothing) {
  const ScratchDir dir;
  const std::string path = (dir.path() / "map.jpg").string();
  try {
    write_scatter_plot(some_points(), path);
    FAIL() << "wrote a .jpg";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(ScatterPlot, RejectsBadPointsAndOptions) {
  const ScratchDir dir;
  const std::string path = (dir.path() / "map.png").string();
  std::vector<ScatterPoint> points = some_points();
  EXPECT_THROW(write_scatter_plot(points, path, {.width = 100}), ArgumentError);
  EXPECT_THROW(write_scatter_plot(points, path, {.height = 20000}), ArgumentError);
  try {
    write_scatter_plot(points, path, {.group_names = {"royals", "places"}});  // group 2 has no name
    FAIL() << "accepted a group without a name";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("point 4"), std::string::npos) << e.what();
  }
  points[1].y = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(write_scatter_plot(points, path), ArgumentError);
  points[1].y = 0;
  points[0].x = -1e308;  // finite, but the range is not
  points[1].x = 1e308;
  EXPECT_THROW(write_scatter_plot(points, path), ArgumentError);
  points[0].x = points[1].x = 0;
  points[3].label = "caf\xE9";
  EXPECT_THROW(write_scatter_plot(points, path), ArgumentError);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace embedkit
