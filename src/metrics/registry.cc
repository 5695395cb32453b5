#include "metrics/registry.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace lakestream::metrics {

std::string escape_label_value(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    // Shortest form that reads back as the same double: "0.1", not "0.10000000000000001".
    for (int precision = 6; precision <= 17; ++precision) {
      std::snprintf(buf, sizeof buf, "%.*g", precision, v);
      if (std::strtod(buf, nullptr) == v) break;
    }
  }
  return buf;
}

namespace {
void render_labels(const Labels& labels, std::string& out, const char* extra_name = nullptr,
                   const std::string& extra_value = {}) {
  if (labels.empty() && !extra_name) return;
  out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    out += escape_label_value(v);
    out += '"';
  }
  if (extra_name) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void render_header(const std::string& name, const std::string& help, const char* type,
                   std::string& out) {
  out += "# HELP " + name + " " + help + "\n";
  out += "# TYPE " + name + " " + type + "\n";
}
}  // namespace

Series* Family::with(const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = series_[labels];
  if (!slot) slot = std::make_unique<Series>();
  return slot.get();
}

void Family::clear() {
  std::lock_guard lock(mu_);
  series_.clear();
}

void Family::render(std::string& out) const {
  render_header(name_, help_, kind_ == Kind::kCounter ? "counter" : "gauge", out);
  std::lock_guard lock(mu_);
  for (const auto& [labels, s] : series_) {
    out += name_;
    render_labels(labels, out);
    out += ' ';
    out += format_value(s->value());
    out += '\n';
  }
}

Histogram::Histogram(std::string name, std::string help, std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), bounds_(std::move(bounds)),
      counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double v) {
  std::lock_guard lock(mu_);
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += v;
  ++count_;
}

void Histogram::render(std::string& out) const {
  render_header(name_, help_, "histogram", out);
  std::lock_guard lock(mu_);
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += name_ + "_bucket";
    render_labels({}, out, "le", i < bounds_.size() ? format_value(bounds_[i]) : "+Inf");
    out += ' ' + std::to_string(cumulative) + '\n';
  }
  out += name_ + "_sum " + format_value(sum_) + '\n';
  out += name_ + "_count " + std::to_string(count_) + '\n';
}

Family* Registry::counter(const std::string& name, const std::string& help) {
  std::lock_guard lock(mu_);
  families_.push_back(std::make_unique<Family>(name, help, Family::Kind::kCounter));
  return families_.back().get();
}

Family* Registry::gauge(const std::string& name, const std::string& help) {
  std::lock_guard lock(mu_);
  families_.push_back(std::make_unique<Family>(name, help, Family::Kind::kGauge));
  return families_.back().get();
}

Histogram* Registry::histogram(const std::string& name, const std::string& help,
                               std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  histograms_.push_back(std::make_unique<Histogram>(name, help, std::move(bounds)));
  return histograms_.back().get();
}

std::string Registry::render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& f : families_) f->render(out);
  for (const auto& h : histograms_) h->render(out);
  return out;
}

}  // namespace lakestream::metrics
