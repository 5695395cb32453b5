#include "storage/credentials.h"

#include <fstream>
#include <sstream>

#include "common/env.h"

namespace lakestream::storage {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

void fill(std::string* field, std::initializer_list<const char*> names) {
  if (!field->empty()) return;
  if (auto v = env_first(names)) *field = *v;
}

}  // namespace

bool apply_credentials_file(std::string_view text, std::string_view profile, S3Options* options) {
  bool in_profile = false, found = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      std::string_view name = trim(line.substr(1, line.size() - 2));
      if (name.starts_with("profile ")) name = trim(name.substr(8));
      in_profile = name == profile;
      found = found || in_profile;
      continue;
    }
    if (!in_profile) continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view k = trim(line.substr(0, eq)), v = trim(line.substr(eq + 1));
    auto set = [&](std::string* f) {
      if (f->empty()) *f = std::string(v);
    };
    if (k == "aws_access_key_id")
      set(&options->access_key);
    else if (k == "aws_secret_access_key")
      set(&options->secret_key);
    else if (k == "aws_session_token")
      set(&options->session_token);
    else if (k == "region")
      set(&options->region);
    else if (k == "endpoint_url")
      set(&options->endpoint);
  }
  return found;
}

Status resolve_s3_options(S3Options* o) {
  fill(&o->endpoint, {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  fill(&o->region, {"AWS_REGION", "AWS_DEFAULT_REGION"});
  fill(&o->ca_bundle, {"AWS_CA_BUNDLE"});
  bool had_key = !o->access_key.empty();
  // A key pair is taken whole from one source: mixing an explicit key with another source's
  // secret would sign with a mismatched pair.
  if (!had_key) {
    fill(&o->access_key, {"AWS_ACCESS_KEY_ID"});
    if (!o->access_key.empty()) {
      fill(&o->secret_key, {"AWS_SECRET_ACCESS_KEY"});
      fill(&o->session_token, {"AWS_SESSION_TOKEN"});
    }
  }
  std::string file;
  if (o->access_key.empty() || o->secret_key.empty() || o->region.empty()) {
    if (auto f = env_var("AWS_SHARED_CREDENTIALS_FILE")) {
      file = *f;
    } else if (auto home = env_var("HOME")) {
      file = *home + "/.aws/credentials";
    }
    std::string profile = o->profile;
    if (profile.empty() || profile == "default")
      profile = env_var("AWS_PROFILE").value_or("default");
    std::ifstream in(file);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      S3Options from_file;
      if (apply_credentials_file(ss.str(), profile, &from_file)) {
        if (o->access_key.empty()) {
          o->access_key = from_file.access_key;
          o->secret_key = from_file.secret_key;
          o->session_token = from_file.session_token;
        } else if (o->secret_key.empty() && o->access_key == from_file.access_key) {
          o->secret_key = from_file.secret_key;
        }
        if (o->region.empty()) o->region = from_file.region;
      }
    }
  }
  if (o->region.empty()) o->region = "us-east-1";
  if (o->access_key.empty() || o->secret_key.empty()) {
    return permission_denied(
        "no S3 credentials: pass an access/secret key pair, or set AWS_ACCESS_KEY_ID/"
        "AWS_SECRET_ACCESS_KEY, or a profile in " +
        (file.empty() ? std::string("~/.aws/credentials") : file));
  }
  return Status();
}

}  // namespace lakestream::storage
