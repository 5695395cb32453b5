#include "storage/s3_xml.h"

#include <charconv>
#include <cstring>
#include <ctime>
#include <pugixml.hpp>

namespace lakestream::storage {
namespace {

Status load(std::string_view body, pugi::xml_document* doc) {
  pugi::xml_parse_result r =
      doc->load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r) return invalid_data(std::string("malformed XML response: ") + r.description());
  return Status();
}

std::string text(const pugi::xml_node& n, const char* child) {
  return n.child(child).text().as_string();
}

std::string unquote(std::string s) {
  // ETags arrive as "\"abc\"" or with &quot; entities (already decoded by pugixml).
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

uint64_t to_u64(const std::string& s) {
  uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

int to_int(const std::string& s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

S3Entry entry_of(const pugi::xml_node& n) {
  S3Entry e;
  e.key = text(n, "Key");
  e.size = to_u64(text(n, "Size"));
  e.etag = unquote(text(n, "ETag"));
  e.version_id = text(n, "VersionId");
  if (e.version_id == "null") e.version_id.clear();
  e.mtime_ms = parse_iso8601_ms(text(n, "LastModified"));
  std::string latest = text(n, "IsLatest");
  e.is_latest = latest.empty() || latest == "true";
  return e;
}

}  // namespace

bool parse_error(std::string_view body, S3ErrorBody* out) {
  pugi::xml_document doc;
  if (!load(body, &doc).ok()) return false;
  pugi::xml_node err = doc.child("Error");
  if (!err) return false;
  out->code = text(err, "Code");
  out->message = text(err, "Message");
  out->request_id = text(err, "RequestId");
  out->resource = text(err, "Resource");
  return true;
}

Result<ListPage> parse_list_objects_v2(std::string_view body) {
  pugi::xml_document doc;
  LS_RETURN_IF_ERROR(load(body, &doc));
  pugi::xml_node root = doc.child("ListBucketResult");
  if (!root) return invalid_data("ListObjectsV2: no ListBucketResult element");
  ListPage page;
  for (pugi::xml_node c : root.children("Contents")) page.entries.push_back(entry_of(c));
  for (pugi::xml_node p : root.children("CommonPrefixes"))
    page.common_prefixes.push_back(text(p, "Prefix"));
  page.truncated = text(root, "IsTruncated") == "true";
  page.next_continuation_token = text(root, "NextContinuationToken");
  if (page.truncated && page.next_continuation_token.empty())
    return invalid_data("ListObjectsV2: truncated without NextContinuationToken");
  return page;
}

Result<ListPage> parse_list_versions(std::string_view body) {
  pugi::xml_document doc;
  LS_RETURN_IF_ERROR(load(body, &doc));
  pugi::xml_node root = doc.child("ListVersionsResult");
  if (!root) return invalid_data("ListObjectVersions: no ListVersionsResult element");
  ListPage page;
  for (pugi::xml_node c : root.children()) {
    if (std::strcmp(c.name(), "Version") == 0) {
      page.entries.push_back(entry_of(c));
    } else if (std::strcmp(c.name(), "DeleteMarker") == 0) {
      page.entries.push_back(entry_of(c));
      page.entries.back().is_delete_marker = true;
    } else if (std::strcmp(c.name(), "CommonPrefixes") == 0) {
      page.common_prefixes.push_back(text(c, "Prefix"));
    }
  }
  page.truncated = text(root, "IsTruncated") == "true";
  page.next_key_marker = text(root, "NextKeyMarker");
  page.next_version_id_marker = text(root, "NextVersionIdMarker");
  if (page.truncated && page.next_key_marker.empty())
    return invalid_data("ListObjectVersions: truncated without NextKeyMarker");
  return page;
}

Result<std::string> parse_initiate_multipart(std::string_view body) {
  pugi::xml_document doc;
  LS_RETURN_IF_ERROR(load(body, &doc));
  std::string id = text(doc.child("InitiateMultipartUploadResult"), "UploadId");
  if (id.empty()) return invalid_data("CreateMultipartUpload: response has no UploadId");
  return id;
}

Result<ListPartsPage> parse_list_parts(std::string_view body) {
  pugi::xml_document doc;
  LS_RETURN_IF_ERROR(load(body, &doc));
  pugi::xml_node root = doc.child("ListPartsResult");
  if (!root) return invalid_data("ListParts: no ListPartsResult element");
  ListPartsPage page;
  for (pugi::xml_node p : root.children("Part")) {
    page.parts.push_back(
        {to_int(text(p, "PartNumber")), unquote(text(p, "ETag")), to_u64(text(p, "Size"))});
  }
  page.truncated = text(root, "IsTruncated") == "true";
  page.next_part_number_marker = to_int(text(root, "NextPartNumberMarker"));
  if (page.truncated && page.next_part_number_marker <= 0)
    return invalid_data("ListParts: truncated without NextPartNumberMarker");
  return page;
}

Result<std::vector<UploadInfo>> parse_list_uploads(std::string_view body) {
  pugi::xml_document doc;
  LS_RETURN_IF_ERROR(load(body, &doc));
  pugi::xml_node root = doc.child("ListMultipartUploadsResult");
  if (!root) return invalid_data("ListMultipartUploads: no ListMultipartUploadsResult element");
  std::vector<UploadInfo> out;
  for (pugi::xml_node u : root.children("Upload"))
    out.push_back({text(u, "Key"), text(u, "UploadId")});
  return out;
}

Result<std::string> parse_etag_result(std::string_view body) {
  S3ErrorBody err;
  if (parse_error(body, &err)) {
    std::string m = err.code + ": " + err.message;
    if (!err.request_id.empty()) m += " (request id " + err.request_id + ")";
    if (err.code == "InternalError" || err.code == "SlowDown" || err.code == "ServiceUnavailable")
      return unavailable(std::move(m));
    return invalid_data(std::move(m));
  }
  pugi::xml_document doc;
  LS_RETURN_IF_ERROR(load(body, &doc));
  pugi::xml_node root = doc.first_child();
  if (!root) return invalid_data("empty XML response");
  return unquote(text(root, "ETag"));
}

Result<std::vector<DeleteFailure>> parse_delete_result(std::string_view body) {
  pugi::xml_document doc;
  LS_RETURN_IF_ERROR(load(body, &doc));
  pugi::xml_node root = doc.child("DeleteResult");
  if (!root) return invalid_data("DeleteObjects: no DeleteResult element");
  std::vector<DeleteFailure> out;
  for (pugi::xml_node e : root.children("Error")) {
    out.push_back({text(e, "Key"), text(e, "VersionId"), text(e, "Code"), text(e, "Message")});
  }
  return out;
}

Result<std::string> parse_versioning(std::string_view body) {
  pugi::xml_document doc;
  LS_RETURN_IF_ERROR(load(body, &doc));
  pugi::xml_node root = doc.child("VersioningConfiguration");
  if (!root) return invalid_data("GetBucketVersioning: no VersioningConfiguration element");
  return text(root, "Status");
}

int64_t parse_iso8601_ms(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  if (s.size() < 19) return 0;
  std::tm tm{};
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
      se = num(17, 2);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      se < 0 || se > 60)
    return 0;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  int64_t ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  if (s.size() > 20 && s[19] == '.') {
    int frac = 0, digits = 0;
    for (size_t i = 20; i < s.size() && digits < 3 && s[i] >= '0' && s[i] <= '9'; ++i, ++digits)
      frac = frac * 10 + (s[i] - '0');
    while (digits++ < 3) frac *= 10;
    ms += frac;
  }
  return ms;
}

int64_t parse_http_date_ms(std::string_view s) {
  std::tm tm{};
  std::string copy(s);
  const char* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string build_delete_request(const std::vector<DeleteItem>& items, bool quiet) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete>";
  if (quiet) x += "<Quiet>true</Quiet>";
  for (const auto& it : items) {
    x += "<Object><Key>" + xml_escape(it.key) + "</Key>";
    if (!it.version_id.empty()) x += "<VersionId>" + xml_escape(it.version_id) + "</VersionId>";
    x += "</Object>";
  }
  x += "</Delete>";
  return x;
}

std::string build_complete_multipart(const std::vector<PartInfo>& parts) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CompleteMultipartUpload>";
  for (const auto& p : parts) {
    x += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>\"" +
         xml_escape(p.etag) + "\"</ETag></Part>";
  }
  x += "</CompleteMultipartUpload>";
  return x;
}

std::string build_versioning(bool enabled) {
  return std::string(
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?><VersioningConfiguration "
             "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>") +
         (enabled ? "Enabled" : "Suspended") + "</Status></VersioningConfiguration>";
}

std::string build_create_bucket(std::string_view region) {
  if (region.empty() || region == "us-east-1") return {};
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CreateBucketConfiguration "
         "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>" +
         xml_escape(region) + "</LocationConstraint></CreateBucketConfiguration>";
}

}  // namespace lakestream::storage
