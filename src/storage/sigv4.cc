#include "storage/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

namespace lakestream::storage {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string to_hex(const uint8_t* p, size_t n) {
  std::string out(n * 2, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}

using Digest = std::array<uint8_t, 32>;

Digest hmac(std::span<const uint8_t> key, std::string_view msg) {
  Digest out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out.data(), &len);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Trims and collapses runs of spaces into one, as the canonical header value requires.
std::string canonical_header_value(std::string_view v) {
  v = trim(v);
  std::string out;
  out.reserve(v.size());
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(query.size());
  for (const auto& [k, v] : query) enc.emplace_back(uri_encode(k, false), uri_encode(v, false));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::string signature(const SigV4Credentials& creds, const SigV4Scope& scope,
                      std::string_view amz_date, std::string_view creq) {
  std::string_view day = amz_date.substr(0, 8);
  std::string string_to_sign = "AWS4-HMAC-SHA256\n";
  string_to_sign += amz_date;
  string_to_sign += '\n';
  string_to_sign += day;
  string_to_sign += '/' + scope.region + '/' + scope.service + "/aws4_request\n";
  string_to_sign += sha256_hex(creq);

  std::string k0 = "AWS4" + creds.secret_key;
  Digest k = hmac({reinterpret_cast<const uint8_t*>(k0.data()), k0.size()}, day);
  k = hmac(k, scope.region);
  k = hmac(k, scope.service);
  k = hmac(k, "aws4_request");
  Digest sig = hmac(k, string_to_sign);
  // Wipe the derived secret material we own.
  std::fill(k0.begin(), k0.end(), '\0');
  return to_hex(sig.data(), sig.size());
}

std::string credential_scope(const SigV4Scope& scope, std::string_view amz_date) {
  return std::string(amz_date.substr(0, 8)) + '/' + scope.region + '/' + scope.service +
         "/aws4_request";
}

}  // namespace

std::string uri_encode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += "0123456789ABCDEF"[c >> 4];
      out += "0123456789ABCDEF"[c & 15];
    }
  }
  return out;
}

std::string sha256_hex(std::span<const uint8_t> data) {
  uint8_t d[SHA256_DIGEST_LENGTH];
  SHA256(data.data(), data.size(), d);
  return to_hex(d, sizeof d);
}

std::string sha256_hex(std::string_view data) {
  return sha256_hex({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
}

std::string canonical_request(const SignableRequest& req, std::string* signed_headers) {
  // Lower-case names, sorted; repeated names join their values with ','.
  std::vector<std::pair<std::string, std::string>> hs;
  hs.emplace_back("host", canonical_header_value(req.host));
  for (const auto& [k, v] : req.headers) {
    std::string name = lower(trim(k));
    if (name == "host") continue;
    hs.emplace_back(std::move(name), canonical_header_value(v));
  }
  std::stable_sort(hs.begin(), hs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string headers_block, names;
  for (size_t i = 0; i < hs.size(); ++i) {
    if (i > 0 && hs[i].first == hs[i - 1].first) {
      headers_block.pop_back();  // the '\n'
      headers_block += ',' + hs[i].second + '\n';
      continue;
    }
    headers_block += hs[i].first + ':' + hs[i].second + '\n';
    if (!names.empty()) names += ';';
    names += hs[i].first;
  }
  std::string out = req.method + '\n' + req.encoded_path + '\n' + canonical_query(req.query) +
                    '\n' + headers_block + '\n' + names + '\n' + req.payload_hash;
  if (signed_headers) *signed_headers = std::move(names);
  return out;
}

std::string authorization_header(const SignableRequest& req, const SigV4Credentials& creds,
                                 const SigV4Scope& scope, std::string_view amz_date) {
  std::string names;
  std::string creq = canonical_request(req, &names);
  return "AWS4-HMAC-SHA256 Credential=" + creds.access_key + '/' +
         credential_scope(scope, amz_date) + ", SignedHeaders=" + names +
         ", Signature=" + signature(creds, scope, amz_date, creq);
}

std::string presigned_query(const SignableRequest& req, const SigV4Credentials& creds,
                            const SigV4Scope& scope, std::string_view amz_date, int expires_s) {
  SignableRequest r = req;
  r.headers.clear();
  r.payload_hash = std::string(kUnsignedPayload);
  r.query.emplace_back("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  r.query.emplace_back("X-Amz-Credential",
                       creds.access_key + '/' + credential_scope(scope, amz_date));
  r.query.emplace_back("X-Amz-Date", std::string(amz_date));
  r.query.emplace_back("X-Amz-Expires", std::to_string(expires_s));
  if (!creds.session_token.empty())
    r.query.emplace_back("X-Amz-Security-Token", creds.session_token);
  r.query.emplace_back("X-Amz-SignedHeaders", "host");
  std::string creq = canonical_request(r, nullptr);
  std::string q = canonical_query(r.query);
  q += "&X-Amz-Signature=" + signature(creds, scope, amz_date, creq);
  return q;
}

std::string amz_date(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace lakestream::storage
