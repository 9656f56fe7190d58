#include "embedkit/text/normalizer.h"

#include <gtest/gtest.h>

namespace embedkit {
namespace {

TEST(Normalizer, IdentityByDefault) {
  const Normalizer norm;
  EXPECT_TRUE(norm.is_identity());
  EXPECT_EQ(norm.normalize("Ｆｕｌｌ ÄRGER"), "Ｆｕｌｌ ÄRGER");
}

TEST(Normalizer, NfkcFoldsCompatibilityForms) {
  const Normalizer norm({.nfkc = true});
  EXPECT_EQ(norm.normalize("Ｆｕｌｌ"), "Full");                // full-width letters
  EXPECT_EQ(norm.normalize("\xEF\xAC\x81le"), "file");         // U+FB01 ligature fi
  EXPECT_EQ(norm.normalize("x\xC2\xB2"), "x2");                // superscript two
  EXPECT_EQ(norm.normalize("e\xCC\x81"), "\xC3\xA9");          // e + combining acute -> é
}

TEST(Normalizer, LowercaseIsUnicodeAware) {
  const Normalizer norm({.lowercase = true});
  EXPECT_EQ(norm.normalize("ÄRGER"), "ärger");
  EXPECT_EQ(norm.normalize("ΣΟΦΙΑ"), "σοφια");
  EXPECT_EQ(norm.normalize("ПАРОВОЗ"), "паровоз");
  EXPECT_EQ(norm.normalize("MiXeD"), "mixed");
}

TEST(Normalizer, StripAccents) {
  const Normalizer norm({.strip_accents = true});
  EXPECT_EQ(norm.normalize("café naïve Ærø"), "cafe naive Ærø");  // Æ and ø are letters, not accents
}

TEST(Normalizer, StepsCompose) {
  const Normalizer norm({.nfkc = true, .strip_accents = true, .lowercase = true});
  EXPECT_EQ(norm.normalize("Ｃａｆé"), "cafe");
}

TEST(Normalizer, UnchangedAsciiIsNotCopied) {
  const Normalizer norm({.nfkc = true, .lowercase = true});
  std::string scratch;
  const std::string_view text = "already lower";
  EXPECT_EQ(norm.normalize(text, scratch).data(), text.data());
}

}  // namespace
}  // namespace embedkit
