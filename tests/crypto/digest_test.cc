#include "svidd/crypto/digest.h"

#include <gtest/gtest.h>

namespace svidd::crypto {
namespace {

TEST(DigestTest, Sha256KnownAnswers) {
  struct Case {
    std::string name, input, hex;
  };
  const std::vector<Case> cases = {
      {"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"binary", std::string("\0\xff", 2),
       "06eb7d6a69ee19e5fbdf749018d3d2abfa04bcbd1365db312eb86dc7169389b8"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Sha256Hex(c.input).value(), c.hex);
    EXPECT_EQ(Sha256(c.input).value(), DecodeHex(c.hex).value());
  }
}

TEST(DigestTest, DecodeHexAcceptsEitherCaseAndRefusesTheRest) {
  EXPECT_EQ(DecodeHex("00ffA0").value(), std::string("\x00\xff\xa0", 3));
  EXPECT_EQ(DecodeHex("").value(), "");
  struct Case {
    std::string name, hex;
  };
  for (const Case& c : std::vector<Case>{
           {"odd length", "abc"}, {"not hex", "zz"}, {"space", "ab cd"}, {"prefix", "0xab"}}) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(DecodeHex(c.hex).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace svidd::crypto
