// SigV4 against AWS's published vectors: the generic aws-sig-v4-test-suite (service "service",
// 20150830T123600Z, AKIDEXAMPLE) and the worked S3 examples of the S3 API reference
// ("Signature Calculations for the Authorization Header" and "Query String Authentication").
#include "storage/sigv4.h"

#include <gtest/gtest.h>

namespace lakestream::storage {
namespace {

const SigV4Credentials kSuiteCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const SigV4Scope kSuiteScope{"us-east-1", "service"};
constexpr std::string_view kSuiteDate = "20150830T123600Z";

SignableRequest suite_request(std::string method) {
  SignableRequest r;
  r.method = std::move(method);
  r.host = "example.amazonaws.com";
  r.headers = {{"X-Amz-Date", std::string(kSuiteDate)}};
  return r;
}

std::string signature_of(const std::string& authz) {
  return authz.substr(authz.find("Signature=") + 10);
}

TEST(SigV4, SuiteGetVanilla) {
  SignableRequest r = suite_request("GET");
  EXPECT_EQ(canonical_request(r, nullptr),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(authorization_header(r, kSuiteCreds, kSuiteScope, kSuiteDate),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, SuitePostVanilla) {
  SignableRequest r = suite_request("POST");
  EXPECT_EQ(signature_of(authorization_header(r, kSuiteCreds, kSuiteScope, kSuiteDate)),
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(SigV4, SuiteQueryParametersAreSortedByName) {
  SignableRequest r = suite_request("GET");
  r.query = {{"Param2", "value2"}, {"Param1", "value1"}};
  EXPECT_EQ(signature_of(authorization_header(r, kSuiteCreds, kSuiteScope, kSuiteDate)),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4, SuiteHeaderValueCaseIsKept) {
  SignableRequest r = suite_request("POST");
  r.headers.emplace_back("My-Header1", "VALUE1");
  std::string authz = authorization_header(r, kSuiteCreds, kSuiteScope, kSuiteDate);
  EXPECT_NE(authz.find("SignedHeaders=host;my-header1;x-amz-date,"), std::string::npos) << authz;
  EXPECT_EQ(signature_of(authz),
            "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d");
}

TEST(SigV4, SuiteDuplicateHeaderKeysJoinValues) {
  // get-header-key-duplicate: "My-Header1: value2", "My-Header1: value2", "My-Header1: value1"
  // are signed as "my-header1:value2,value2,value1" (in sending order).
  SignableRequest r = suite_request("GET");
  r.headers.emplace_back("My-Header1", "value2");
  r.headers.emplace_back("My-Header1", "value2");
  r.headers.emplace_back("My-Header1", "value1");
  EXPECT_EQ(signature_of(authorization_header(r, kSuiteCreds, kSuiteScope, kSuiteDate)),
            "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea");
}

TEST(SigV4, SuiteSessionTokenHeaderIsSigned) {
  // post-sts-header-before: the token is sent and signed as x-amz-security-token.
  SignableRequest r = suite_request("POST");
  r.headers.emplace_back(
      "X-Amz-Security-Token",
      "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpS"
      "PfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDY"
      "wT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqK"
      "mlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==");
  EXPECT_EQ(signature_of(authorization_header(r, kSuiteCreds, kSuiteScope, kSuiteDate)),
            "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
}

// The S3 reference's examples: examplebucket, AKIAIOSFODNN7EXAMPLE, 20130524T000000Z.
const SigV4Credentials kS3Creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                ""};
const SigV4Scope kS3Scope{"us-east-1", "s3"};

TEST(SigV4, S3ExampleGetObjectWithRange) {
  SignableRequest r;
  r.method = "GET";
  r.host = "examplebucket.s3.amazonaws.com";
  r.encoded_path = "/test.txt";
  r.headers = {{"Range", "bytes=0-9"},
               {"x-amz-content-sha256", std::string(kEmptySha256)},
               {"x-amz-date", "20130524T000000Z"}};
  EXPECT_EQ(authorization_header(r, kS3Creds, kS3Scope, "20130524T000000Z"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, S3ExamplePutObjectEncodesDollarInKey) {
  std::string body = "Welcome to Amazon S3.";
  SignableRequest r;
  r.method = "PUT";
  r.host = "examplebucket.s3.amazonaws.com";
  r.encoded_path = "/" + uri_encode("test$file.text", true);
  EXPECT_EQ(r.encoded_path, "/test%24file.text");
  r.payload_hash = sha256_hex(body);
  EXPECT_EQ(r.payload_hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  r.headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
               {"x-amz-date", "20130524T000000Z"},
               {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
               {"x-amz-content-sha256", r.payload_hash}};
  EXPECT_EQ(signature_of(authorization_header(r, kS3Creds, kS3Scope, "20130524T000000Z")),
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, S3ExamplePresignedGet) {
  SignableRequest r;
  r.method = "GET";
  r.host = "examplebucket.s3.amazonaws.com";
  r.encoded_path = "/test.txt";
  std::string q = presigned_query(r, kS3Creds, kS3Scope, "20130524T000000Z", 86400);
  EXPECT_EQ(
      q,
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-"
      "east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-"
      "SignedHeaders=host&X-Amz-Signature="
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(SigV4, UriEncodeKeepsUnreservedOnly) {
  EXPECT_EQ(uri_encode("a b/c~d_e-f.g+h=i&", true), "a%20b/c~d_e-f.g%2Bh%3Di%26");
  EXPECT_EQ(uri_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(uri_encode("\xc3\xa9", true), "%C3%A9");
}

TEST(SigV4, AmzDateIsUtc) { EXPECT_EQ(amz_date(1440938160), "20150830T123600Z"); }

}  // namespace
}  // namespace lakestream::storage
