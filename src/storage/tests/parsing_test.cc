// URIs, credentials files, S3 XML bodies and the stats table: pure functions, no server.
#include <gtest/gtest.h>

#include "storage/call_stats.h"
#include "storage/credentials.h"
#include "storage/s3_xml.h"
#include "storage/store_uri.h"

namespace lakestream::storage {
namespace {

TEST(StoreUri, S3AndS3aAreTheSame) {
  auto a = parse_store_uri("s3://bucket/some/prefix/");
  auto b = parse_store_uri("s3a://bucket/some/prefix");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->kind, StoreUri::Kind::kS3);
  EXPECT_EQ(a->bucket, "bucket");
  EXPECT_EQ(a->path, "some/prefix");
  EXPECT_EQ(b->bucket, a->bucket);
  EXPECT_EQ(b->path, a->path);
  EXPECT_EQ(parse_store_uri("s3://bucket")->path, "");
  EXPECT_EQ(parse_store_uri("s3:///x").status().code(), StatusCode::kInvalidArgument);
}

TEST(StoreUri, LocalForms) {
  EXPECT_EQ(parse_store_uri("file:///tmp/out")->path, "/tmp/out");
  EXPECT_EQ(parse_store_uri("relative/dir")->kind, StoreUri::Kind::kLocal);
  EXPECT_EQ(parse_store_uri("file://relative").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse_store_uri("hdfs://x/y").status().code(), StatusCode::kInvalidArgument);
}

TEST(Credentials, ProfileSectionIsApplied) {
  const char* ini =
      "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key=s1\n\n"
      "[profile prod]\n aws_access_key_id=AKIDPROD \naws_secret_access_key = s2\n"
      "aws_session_token = tok\nregion = eu-west-1\n";
  S3Options o;
  ASSERT_TRUE(apply_credentials_file(ini, "prod", &o));
  EXPECT_EQ(o.access_key, "AKIDPROD");
  EXPECT_EQ(o.secret_key, "s2");
  EXPECT_EQ(o.session_token, "tok");
  EXPECT_EQ(o.region, "eu-west-1");
  S3Options d;
  ASSERT_TRUE(apply_credentials_file(ini, "default", &d));
  EXPECT_EQ(d.access_key, "AKIDDEFAULT");
  S3Options none;
  EXPECT_FALSE(apply_credentials_file(ini, "missing", &none));
}

TEST(Credentials, ChainPrefersOptionsThenEnvThenFile) {
  char tmpl[] = "/tmp/ls-cred-XXXXXX";
  int fd = mkstemp(tmpl);
  std::string ini = "[default]\naws_access_key_id=FILEKEY\naws_secret_access_key=FILESECRET\n";
  ASSERT_EQ(write(fd, ini.data(), ini.size()), static_cast<ssize_t>(ini.size()));
  close(fd);
  // Save and clear what rgw.sh may have exported.
  std::string saved_key = getenv("AWS_ACCESS_KEY_ID") ? getenv("AWS_ACCESS_KEY_ID") : "";
  std::string saved_secret = getenv("AWS_SECRET_ACCESS_KEY") ? getenv("AWS_SECRET_ACCESS_KEY") : "";
  setenv("AWS_SHARED_CREDENTIALS_FILE", tmpl, 1);
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  S3Options from_file;
  ASSERT_TRUE(resolve_s3_options(&from_file).ok());
  EXPECT_EQ(from_file.access_key, "FILEKEY");
  setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET", 1);
  setenv("AWS_SESSION_TOKEN", "ENVTOKEN", 1);
  S3Options from_env;
  ASSERT_TRUE(resolve_s3_options(&from_env).ok());
  EXPECT_EQ(from_env.access_key, "ENVKEY");
  EXPECT_EQ(from_env.secret_key, "ENVSECRET");
  EXPECT_EQ(from_env.session_token, "ENVTOKEN");
  S3Options explicit_opts;
  explicit_opts.access_key = "OPTKEY";
  explicit_opts.secret_key = "OPTSECRET";
  ASSERT_TRUE(resolve_s3_options(&explicit_opts).ok());
  EXPECT_EQ(explicit_opts.access_key, "OPTKEY");
  EXPECT_EQ(explicit_opts.secret_key, "OPTSECRET");
  EXPECT_EQ(explicit_opts.session_token, "");  // not mixed in from another source
  unsetenv("AWS_SESSION_TOKEN");
  unsetenv("AWS_SHARED_CREDENTIALS_FILE");
  if (!saved_key.empty())
    setenv("AWS_ACCESS_KEY_ID", saved_key.c_str(), 1);
  else
    unsetenv("AWS_ACCESS_KEY_ID");
  if (!saved_secret.empty())
    setenv("AWS_SECRET_ACCESS_KEY", saved_secret.c_str(), 1);
  else
    unsetenv("AWS_SECRET_ACCESS_KEY");
  unlink(tmpl);
}

TEST(S3Xml, ErrorBody) {
  S3ErrorBody e;
  ASSERT_TRUE(parse_error(
      "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The key does not exist"
      "</Message><RequestId>tx1</RequestId><Resource>/b/k</Resource></Error>",
      &e));
  EXPECT_EQ(e.code, "NoSuchKey");
  EXPECT_EQ(e.message, "The key does not exist");
  EXPECT_EQ(e.request_id, "tx1");
  EXPECT_FALSE(parse_error("<ListBucketResult/>", &e));
  EXPECT_FALSE(parse_error("not xml <", &e));
}

TEST(S3Xml, ListObjectsV2Page) {
  auto p = parse_list_objects_v2(
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><IsTruncated>true"
      "</IsTruncated><NextContinuationToken>tok</NextContinuationToken><Contents><Key>a&amp;b</Key>"
      "<LastModified>2026-11-25T19:40:01.123Z</LastModified><ETag>&quot;abc&quot;</ETag>"
      "<Size>42</Size></Contents><CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes>"
      "</ListBucketResult>");
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  ASSERT_EQ(p->entries.size(), 1u);
  EXPECT_EQ(p->entries[0].key, "a&b");
  EXPECT_EQ(p->entries[0].etag, "abc");
  EXPECT_EQ(p->entries[0].size, 42u);
  EXPECT_EQ(p->entries[0].mtime_ms, 1795635601123);
  EXPECT_EQ(p->common_prefixes, std::vector<std::string>{"d/"});
  EXPECT_TRUE(p->truncated);
  EXPECT_EQ(p->next_continuation_token, "tok");
  EXPECT_EQ(parse_list_objects_v2("<ListBucketResult><IsTruncated>true</IsTruncated>"
                                  "</ListBucketResult>")
                .status()
                .code(),
            StatusCode::kInvalidData);
}

TEST(S3Xml, VersionsKeepDeleteMarkersInOrder) {
  auto p = parse_list_versions(
      "<ListVersionsResult><IsTruncated>false</IsTruncated><DeleteMarker><Key>k</Key><VersionId>"
      "v3</VersionId><IsLatest>true</IsLatest></DeleteMarker><Version><Key>k</Key><VersionId>v2"
      "</VersionId><IsLatest>false</IsLatest><Size>3</Size></Version><Version><Key>n</Key>"
      "<VersionId>null</VersionId><IsLatest>true</IsLatest></Version></ListVersionsResult>");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->entries.size(), 3u);
  EXPECT_TRUE(p->entries[0].is_delete_marker);
  EXPECT_TRUE(p->entries[0].is_latest);
  EXPECT_FALSE(p->entries[1].is_delete_marker);
  EXPECT_FALSE(p->entries[1].is_latest);
  EXPECT_EQ(p->entries[1].size, 3u);
  EXPECT_EQ(p->entries[2].version_id, "");  // "null" = unversioned
}

TEST(S3Xml, MultipartBodies) {
  EXPECT_EQ(*parse_initiate_multipart("<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k"
                                      "</Key><UploadId>2~abc</UploadId>"
                                      "</InitiateMultipartUploadResult>"),
            "2~abc");
  EXPECT_FALSE(parse_initiate_multipart("<InitiateMultipartUploadResult/>").ok());
  auto parts = parse_list_parts(
      "<ListPartsResult><IsTruncated>false</IsTruncated><Part><PartNumber>1</PartNumber><ETag>"
      "\"e1\"</ETag><Size>5242880</Size></Part><Part><PartNumber>2</PartNumber><ETag>\"e2\""
      "</ETag><Size>4</Size></Part></ListPartsResult>");
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->parts.size(), 2u);
  EXPECT_EQ(parts->parts[1].number, 2);
  EXPECT_EQ(parts->parts[1].etag, "e2");
  EXPECT_EQ(build_complete_multipart(parts->parts),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CompleteMultipartUpload><Part><PartNumber>1"
            "</PartNumber><ETag>\"e1\"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>\"e2\""
            "</ETag></Part></CompleteMultipartUpload>");
  // RGW 16.2: empty ETag in the completion result.
  EXPECT_EQ(*parse_etag_result("<CompleteMultipartUploadResult><Location>l</Location><ETag></ETag>"
                               "</CompleteMultipartUploadResult>"),
            "");
  // An error inside a 200 response.
  auto in200 = parse_etag_result(
      "<Error><Code>InternalError</Code><Message>try again</Message>"
      "</Error>");
  EXPECT_EQ(in200.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(in200.status().message().find("InternalError"), std::string::npos);
}

TEST(S3Xml, DeleteRequestAndResult) {
  EXPECT_EQ(build_delete_request({{"a<b", ""}, {"c", "v1"}}, true),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete><Quiet>true</Quiet><Object><Key>"
            "a&lt;b</Key></Object><Object><Key>c</Key><VersionId>v1</VersionId></Object></Delete>");
  auto r = parse_delete_result(
      "<DeleteResult><Error><Key>k</Key><Code>AccessDenied</Code>"
      "<Message>no</Message></Error></DeleteResult>");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].code, "AccessDenied");
  EXPECT_EQ(parse_delete_result("<DeleteResult/>")->size(), 0u);
}

TEST(S3Xml, Versioning) {
  EXPECT_EQ(*parse_versioning("<VersioningConfiguration><Status>Enabled</Status>"
                              "</VersioningConfiguration>"),
            "Enabled");
  EXPECT_EQ(*parse_versioning("<VersioningConfiguration/>"), "");
}

TEST(S3Xml, Dates) {
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(parse_iso8601_ms("garbage"), 0);
  EXPECT_EQ(parse_http_date_ms("Thu, 01 Jan 1970 00:01:00 GMT"), 60000);
}

TEST(CallStats, TableHasRowsAndTotal) {
  CallStats s;
  s.record("PutObject", false, 2048, 0, 1500);
  s.record("PutObject", true, 0, 300, 500);
  s.record("GetObject", false, 0, 3 << 20, 2000000);
  std::string t = format_stats_table(s.snapshot());
  EXPECT_EQ(
      t,
      "API                             CALLS     ERRORS           RX           TX        AVG\n"
      "GetObject                           1          0      3.0 MiB          0 B      2.00s\n"
      "PutObject                           2          1        300 B      2.0 KiB      1.0ms\n"
      "TOTAL                               3          1      3.0 MiB      2.0 KiB    667.3ms\n");
}

}  // namespace
}  // namespace lakestream::storage
