#include "svidd/common/base64url.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace svidd {
namespace {

TEST(Base64UrlTest, Rfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},
      {"f", "Zg"},
      {"fo", "Zm8"},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg"},
      {"fooba", "Zm9vYmE"},
      {"foobar", "Zm9vYmFy"},
      {std::string("\xfb\xff\xbf", 3), "-_-_"},
  };
  for (const auto& [plain, encoded] : vectors) {
    SCOPED_TRACE(encoded);
    EXPECT_EQ(Base64UrlEncode(plain), encoded);
    auto decoded = Base64UrlDecode(encoded);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64UrlTest, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t len = 0; len <= all.size(); len += 37) {
    std::string part = all.substr(0, len);
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(part)).value(), part);
  }
}

TEST(Base64UrlTest, StrictDecoding) {
  for (const std::string bad : {"Zg==", "Zm9v YmFy", "Zm+v", "Zm/v", "Z", "Zm9vY", "Zh", "Zm9"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(Base64UrlDecode(bad).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace svidd
