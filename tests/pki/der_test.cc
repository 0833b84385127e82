// The strict DER reader under the CSR parser: what DER forbids is refused, element by element.
#include "pki/der.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace svidd::pki::internal::der {
namespace {

using ::testing::HasSubstr;

struct ReadCase {
  std::string name;
  std::string input;
  std::string problem;  // "" = reads as one element and nothing more
};

TEST(DerReaderTest, RefusesWhatDerForbids) {
  using std::string_literals::operator""s;
  const ReadCase cases[] = {
      {"short form", "\x04\x02\xab\xcd"s, ""},
      {"long form from 128", "\x04\x81\x80"s + std::string(128, 'x'), ""},
      {"empty input", ""s, "truncated"},
      {"indefinite length", "\x30\x80\x00\x00"s, "indefinite length"},
      {"long form below 128", "\x04\x81\x02\xab\xcd"s, "non-minimal"},
      {"leading zero length byte", "\x04\x82\x00\x80"s + std::string(128, 'x'), "non-minimal"},
      {"length past the end", "\x04\x05\xab"s, "past the end"},
      {"length of five bytes", "\x04\x85\x01\x00\x00\x00\x00"s, "too large"},
      {"high tag number", "\x1f\x81\x01\x00"s, "high tag"},
      {"trailing bytes", "\x05\x00\x00"s, "trailing"},
  };
  for (const ReadCase& c : cases) {
    SCOPED_TRACE(c.name);
    Reader reader(c.input);
    absl::StatusOr<Element> element = reader.NextAny("element");
    absl::Status status = element.ok() ? reader.Finish("element") : element.status();
    if (c.problem.empty()) {
      EXPECT_TRUE(status.ok()) << status;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(status.message(), HasSubstr(c.problem));
    }
  }
}

TEST(DerReaderTest, BooleansAndIntegersMustBeDer) {
  using std::string_literals::operator""s;
  EXPECT_TRUE(*BooleanValue({kBoolean, "", "\xff"s}, "b"));
  EXPECT_FALSE(*BooleanValue({kBoolean, "", "\x00"s}, "b"));
  EXPECT_FALSE(BooleanValue({kBoolean, "", "\x01"s}, "b").ok()) << "BER true, not DER";
  EXPECT_FALSE(BooleanValue({kBoolean, "", "\xff\xff"s}, "b").ok());
  EXPECT_FALSE(*CheckInteger({kInteger, "", "\x00\x80"s}, "i"));
  EXPECT_TRUE(*CheckInteger({kInteger, "", "\x80"s}, "i")) << "negative";
  EXPECT_FALSE(CheckInteger({kInteger, "", "\x00\x7f"s}, "i").ok()) << "padded positive";
  EXPECT_FALSE(CheckInteger({kInteger, "", "\xff\x80"s}, "i").ok()) << "padded negative";
  EXPECT_FALSE(CheckInteger({kInteger, "", ""s}, "i").ok());
  EXPECT_FALSE(WholeBytes({kBitString, "", "\x01\xfe"s}, "k").ok()) << "unused bits";
}

TEST(DerWriterTest, EncodesLengthsAndUnsignedIntegersAsDer) {
  using std::string_literals::operator""s;
  EXPECT_EQ(Wrap(kOctetString, std::string(127, 'x')).substr(0, 2), "\x04\x7f"s);
  EXPECT_EQ(Wrap(kOctetString, std::string(128, 'x')).substr(0, 3), "\x04\x81\x80"s);
  EXPECT_EQ(Wrap(kOctetString, std::string(256, 'x')).substr(0, 4), "\x04\x82\x01\x00"s);
  EXPECT_EQ(UnsignedInteger("\x01"s), "\x02\x01\x01"s);
  EXPECT_EQ(UnsignedInteger("\x80"s), "\x02\x02\x00\x80"s);
  EXPECT_EQ(UnsignedInteger("\x00\x00\x7f"s), "\x02\x01\x7f"s);
  EXPECT_EQ(OidText("\x55\x1d\x11"s), "2.5.29.17");
  EXPECT_EQ(OidText("\x2a\x86\x48\xce\x3d\x02\x01"s), "1.2.840.10045.2.1");
}

}  // namespace
}  // namespace svidd::pki::internal::der
