// RFC 4180 reader used by `attestca device import`.
#include "config/csv.h"

#include <gtest/gtest.h>

namespace ca::config {
namespace {

using Fields = std::vector<std::string>;

TEST(Csv, PlainRecordsAndLineNumbers) {
  auto f = ParseCsv("identifier,type,owner,note\nA,,a@x,\nB,hardware-module,,n\n");
  EXPECT_TRUE(f.errors.empty());
  ASSERT_EQ(f.records.size(), 3u);
  EXPECT_EQ(f.records[0].fields, (Fields{"identifier", "type", "owner", "note"}));
  EXPECT_EQ(f.records[1].fields, (Fields{"A", "", "a@x", ""}));
  EXPECT_EQ(f.records[2].line, 3u);
}

TEST(Csv, QuotedFieldsWithCommasQuotesAndLineBreaks) {
  auto f = ParseCsv("a,\"b, c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",x,\"\"\r\nlast,1,2");
  EXPECT_TRUE(f.errors.empty());
  ASSERT_EQ(f.records.size(), 3u);
  EXPECT_EQ(f.records[0].fields, (Fields{"a", "b, c", "say \"hi\""}));
  EXPECT_EQ(f.records[1].fields, (Fields{"two\nlines", "x", ""}));
  EXPECT_EQ(f.records[1].line, 2u);
  EXPECT_EQ(f.records[2].line, 4u);  // the quoted line break counts
  EXPECT_EQ(f.records[2].fields, (Fields{"last", "1", "2"}));
}

TEST(Csv, SpacesAreDataAndLineEndingsVary) {
  auto f = ParseCsv(" a , b \rc,d\r\n\ne,f");
  EXPECT_TRUE(f.errors.empty());
  ASSERT_EQ(f.records.size(), 3u);
  EXPECT_EQ(f.records[0].fields, (Fields{" a ", " b "}));
  EXPECT_EQ(f.records[1].fields, (Fields{"c", "d"}));
  EXPECT_EQ(f.records[2].line, 4u);  // line 3 is blank and skipped
}

TEST(Csv, ByteOrderMarkAndEmptyInput) {
  auto f = ParseCsv("\xEF\xBB\xBFidentifier\nA\n");
  ASSERT_EQ(f.records.size(), 2u);
  EXPECT_EQ(f.records[0].fields, Fields{"identifier"});
  EXPECT_TRUE(ParseCsv("").records.empty());
  EXPECT_TRUE(ParseCsv("\n\n").records.empty());
  auto trailing = ParseCsv("a,\n");
  ASSERT_EQ(trailing.records.size(), 1u);
  EXPECT_EQ(trailing.records[0].fields, (Fields{"a", ""}));
}

TEST(Csv, EveryBadLineIsReportedAndSkipped) {
  auto f = ParseCsv("h1,h2\nok,1\nbad\"quote,2\n\"closed\"junk,3\nfine,4\n");
  ASSERT_EQ(f.errors.size(), 2u);
  EXPECT_EQ(f.errors[0].line, 3u);
  EXPECT_NE(f.errors[0].message.find("double quote"), std::string::npos);
  EXPECT_EQ(f.errors[1].line, 4u);
  ASSERT_EQ(f.records.size(), 3u);
  EXPECT_EQ(f.records[2].fields, (Fields{"fine", "4"}));
  EXPECT_EQ(f.records[2].line, 5u);
}

TEST(Csv, UnterminatedQuoteNamesItsLine) {
  auto f = ParseCsv("h\nok\n\"never closed\nmore\n");
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].line, 3u);
  EXPECT_NE(f.errors[0].message.find("not closed"), std::string::npos);
  EXPECT_EQ(f.records.size(), 2u);
}

}  // namespace
}  // namespace ca::config
