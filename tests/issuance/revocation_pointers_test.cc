#include <gtest/gtest.h>

#include "issuance/internal.h"
#include "ossl/types.h"

namespace ca::issuance {
namespace {

TEST(RevocationPointersTest, UrlsFollowTheBase) {
  RevocationUrls u = RevocationUrlsFor("http://pki.example:8080");
  EXPECT_EQ(u.ocsp, "http://pki.example:8080/ocsp");
  EXPECT_EQ(u.ca_issuers, "http://pki.example:8080/ca/intermediate.crt");
  EXPECT_EQ(u.crl, "http://pki.example:8080/crl/intermediate.crl");
}

TEST(RevocationPointersTest, LintAcceptsExactlyTheConfiguredUrls) {
  const RevocationUrls want = RevocationUrlsFor("http://pki.example");
  ossl::UniquePtr<X509> bare(X509_new());
  ASSERT_TRUE(bare);
  EXPECT_FALSE(LintRevocationPointers(bare.get(), want)) << "a certificate without AIA and CRLDP";

  ossl::UniquePtr<X509> cert(X509_new());
  ASSERT_TRUE(AddRevocationPointers(cert.get(), want));
  EXPECT_TRUE(LintRevocationPointers(cert.get(), want));
  for (int which = 0; which < 3; ++which) {
    RevocationUrls other = want;
    (which == 0 ? other.ocsp : which == 1 ? other.ca_issuers : other.crl) += "x";
    EXPECT_FALSE(LintRevocationPointers(cert.get(), other)) << "URL " << which << " differs but the lint passed";
  }
}

}  // namespace
}  // namespace ca::issuance
