// AWS Signature Version 4: canonical requests, the Authorization header and presigned URLs.
//
// Pure functions over a description of the request: no clock, no network, so the signer is checked
// against AWS's published test vectors (aws-sig-v4-test-suite and the S3 examples in the S3 API
// reference). The S3 client adds x-amz-date, x-amz-content-sha256 and x-amz-security-token to the
// headers it asks to sign. Thread-safe (no state).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lakestream::storage {

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// SHA-256 of the empty string, hex.
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct SigV4Credentials {
  std::string access_key;
  std::string secret_key;     // never logged
  std::string session_token;  // empty = none
};

struct SigV4Scope {
  std::string region = "us-east-1";
  std::string service = "s3";
};

// One request as it will be sent.
struct SignableRequest {
  std::string method;  // "GET", "PUT", ...
  std::string host;    // Host header value ("bucket.s3.amazonaws.com", "127.0.0.1:7480")
  // The path exactly as sent, already URI-encoded ("/bucket/a%20b.txt"). S3 does not normalise.
  std::string encoded_path = "/";
  // Query parameters, not encoded; the signer encodes and sorts them.
  std::vector<std::pair<std::string, std::string>> query;
  // Headers to sign besides Host (name case and surrounding spaces do not matter).
  std::vector<std::pair<std::string, std::string>> headers;
  // Hex SHA-256 of the body, or kUnsignedPayload.
  std::string payload_hash = std::string(kEmptySha256);
};

// RFC 3986 encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - _ . ~) stay, every
// other byte becomes %XX (upper-case hex); '/' stays when keep_slash (object key paths).
std::string uri_encode(std::string_view s, bool keep_slash);

std::string sha256_hex(std::span<const uint8_t> data);
std::string sha256_hex(std::string_view data);

// The canonical request (the first step of SigV4; exposed for tests and debugging).
std::string canonical_request(const SignableRequest& req, std::string* signed_headers);

// The Authorization header value for `req` at `amz_date` ("20150830T123600Z").
std::string authorization_header(const SignableRequest& req, const SigV4Credentials& creds,
                                 const SigV4Scope& scope, std::string_view amz_date);

// A presigned URL's query string (X-Amz-Algorithm ... X-Amz-Signature), signing only the Host
// header and UNSIGNED-PAYLOAD. `req.query` holds any extra parameters; they are included, encoded.
// `expires_s` is 1..604800.
std::string presigned_query(const SignableRequest& req, const SigV4Credentials& creds,
                            const SigV4Scope& scope, std::string_view amz_date, int expires_s);

// "20150830T123600Z" for a time in seconds since the epoch (UTC).
std::string amz_date(int64_t unix_seconds);

}  // namespace lakestream::storage
