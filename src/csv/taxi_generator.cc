#include "csv/taxi_generator.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "csv/value_parse.h"

namespace lakestream::csv {
namespace {

// splitmix64: a well-mixed stream from a per-row seed; cheap and good enough for test data.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>((next() >> 32) * n >> 32); }
  double exponential(double mean) { return -std::log(1.0 - uniform()) * mean; }
};

// 2017-01-01T00:00:00Z and the two years after it.
constexpr int64_t kStart = 1483228800;
constexpr int64_t kSpan = 2 * 365 * 86400;

// Busy zones (Midtown, Upper East/West Side, airports) get most of the trips, as in the real data.
constexpr uint16_t kHotZones[] = {161, 237, 236, 162, 230, 186, 170, 142, 48,  234, 79,
                                  163, 239, 107, 68,  141, 263, 249, 164, 138, 132, 113};

char* put_uint(char* p, uint64_t v) {
  char tmp[20];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

char* put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

// Cents in the shortest decimal form: 450 -> "4.5", 0 -> "0", 1655 -> "16.55", -50 -> "-0.5".
char* put_amount(char* p, int64_t cents) {
  if (cents < 0) {
    *p++ = '-';
    cents = -cents;
  }
  p = put_uint(p, static_cast<uint64_t>(cents / 100));
  unsigned frac = static_cast<unsigned>(cents % 100);
  if (frac) {
    *p++ = '.';
    *p++ = static_cast<char>('0' + frac / 10);
    if (frac % 10) *p++ = static_cast<char>('0' + frac % 10);
  }
  return p;
}

// Hundredths with two decimals and no leading zero: 50 -> ".50", 270 -> "2.70".
char* put_distance(char* p, uint64_t hundredths) {
  if (hundredths >= 100) p = put_uint(p, hundredths / 100);
  *p++ = '.';
  return put2(p, static_cast<unsigned>(hundredths % 100));
}

// Seconds since the epoch as "YYYY-MM-DD HH:MM:SS".
char* put_timestamp(char* p, int64_t t) {
  int64_t days = t / 86400;
  int64_t secs = t % 86400;
  // Howard Hinnant's civil_from_days.
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  p = put2(p, static_cast<unsigned>(y / 100));
  p = put2(p, static_cast<unsigned>(y % 100));
  *p++ = '-';
  p = put2(p, m);
  *p++ = '-';
  p = put2(p, d);
  *p++ = ' ';
  p = put2(p, static_cast<unsigned>(secs / 3600));
  *p++ = ':';
  p = put2(p, static_cast<unsigned>(secs / 60 % 60));
  *p++ = ':';
  return put2(p, static_cast<unsigned>(secs % 60));
}

uint16_t zone(Rng& r) {
  if (r.uniform() < 0.6) return kHotZones[r.below(std::size(kHotZones))];
  return static_cast<uint16_t>(1 + r.below(265));
}

// The numeric columns a defect may hit (0-based field indexes; 1, 2 and 6 are strings).
constexpr int kNumericFields[] = {0, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

}  // namespace

std::string_view taxi_defect_name(TaxiDefect d) {
  switch (d) {
    case TaxiDefect::kEmptyNumber:
      return "empty number";
    case TaxiDefect::kNotANumber:
      return "not a number";
    case TaxiDefect::kShortRow:
      return "short row";
    case TaxiDefect::kExtraField:
      return "extra field";
    case TaxiDefect::kCount_:
      break;
  }
  return "?";
}

uint64_t TaxiGeneratorStats::total_defects() const {
  uint64_t n = 0;
  for (uint64_t d : defects) n += d;
  return n;
}

void TaxiGeneratorStats::add(const TaxiGeneratorStats& o) {
  rows += o.rows;
  bytes += o.bytes;
  for (int i = 0; i < static_cast<int>(TaxiDefect::kCount_); ++i) defects[i] += o.defects[i];
}

std::string_view TaxiGenerator::header() {
  return "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,"
         "RatecodeID,store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount,extra,"
         "mta_tax,tip_amount,tolls_amount,improvement_surcharge,total_amount\n\r\n";
}

void TaxiGenerator::write_rows(uint64_t first, uint64_t count, Buffer* out,
                               TaxiGeneratorStats* stats) const {
  const size_t start_size = out->size();
  // Field boundaries of the current row, for planting defects.
  char* fields[18];
  for (uint64_t i = first; i < first + count; ++i) {
    Rng r{options_.seed * 0x2545F4914F6CDD1DULL ^ (i + 1) * 0x9E3779B97F4A7C15ULL};
    r.next();
    char* const row = reinterpret_cast<char*>(out->prepare(256));
    char* p = row;
    int f = 0;
    auto sep = [&] {
      *p++ = ',';
      fields[++f] = p;
    };
    fields[0] = p;

    const unsigned vendor = r.uniform() < 0.45 ? 1 : 2;
    double miles = std::min(r.exponential(2.9), 60.0);
    if (r.uniform() < 0.01) miles = 0;  // cancelled or in-place trips exist
    const uint64_t distance = static_cast<uint64_t>(std::llround(miles * 100));
    const double u_rate = r.uniform();
    const unsigned ratecode = u_rate < 0.97 ? 1 : u_rate < 0.99 ? 2 : u_rate < 0.995 ? 5 : 3;
    const int64_t pickup = kStart + static_cast<int64_t>(r.below(kSpan));
    const int64_t minutes_x60 = static_cast<int64_t>(60 * (2 + miles * 3.2 + r.exponential(3)));
    const int64_t dropoff = pickup + minutes_x60;
    const double u_pax = r.uniform();
    const unsigned passengers = u_pax < 0.70   ? 1
                                : u_pax < 0.84 ? 2
                                : u_pax < 0.88 ? 3
                                : u_pax < 0.90 ? 4
                                : u_pax < 0.95 ? 5
                                : u_pax < 0.99 ? 6
                                               : 0;
    const double u_pay = r.uniform();
    const unsigned payment = u_pay < 0.70 ? 1 : u_pay < 0.985 ? 2 : u_pay < 0.995 ? 3 : 4;
    const unsigned hour = static_cast<unsigned>(pickup % 86400 / 3600);

    // Amounts in cents, so the total adds up exactly.
    int64_t fare;
    if (ratecode == 2) {
      fare = 5200;  // JFK flat fare
    } else {
      double metered = 250 + miles * 250 + static_cast<double>(minutes_x60) / 60 * 35;
      fare = static_cast<int64_t>(std::llround(metered / 50)) * 50;  // meters step by 50 cents
    }
    const int64_t extra = (hour >= 20 || hour < 6) ? 50 : (hour >= 16 && hour < 20) ? 100 : 0;
    const int64_t mta = 50;
    const int64_t surcharge = 30;
    const int64_t tolls = (miles > 8 && r.uniform() < 0.3) ? 576 : 0;
    int64_t tip = 0;
    if (payment == 1) tip = static_cast<int64_t>(std::llround(fare * (0.1 + 0.15 * r.uniform())));
    const int64_t total = fare + extra + mta + tip + tolls + surcharge;

    p = put_uint(p, vendor);
    sep();
    p = put_timestamp(p, pickup);
    sep();
    p = put_timestamp(p, dropoff);
    sep();
    p = put_uint(p, passengers);
    sep();
    p = put_distance(p, distance);
    sep();
    p = put_uint(p, ratecode);
    sep();
    *p++ = r.uniform() < 0.005 ? 'Y' : 'N';
    sep();
    p = put_uint(p, zone(r));
    sep();
    p = put_uint(p, zone(r));
    sep();
    p = put_uint(p, payment);
    sep();
    p = put_amount(p, fare);
    sep();
    p = put_amount(p, extra);
    sep();
    p = put_amount(p, mta);
    sep();
    p = put_amount(p, tip);
    sep();
    p = put_amount(p, tolls);
    sep();
    p = put_amount(p, surcharge);
    sep();
    p = put_amount(p, total);
    fields[17] = p + 1;  // where an 18th field would start, past a ','

    if (options_.defect_rate > 0 && r.uniform() < options_.defect_rate) {
      auto kind = static_cast<TaxiDefect>(r.below(static_cast<uint32_t>(TaxiDefect::kCount_)));
      ++stats->defects[static_cast<int>(kind)];
      switch (kind) {
        case TaxiDefect::kEmptyNumber:
        case TaxiDefect::kNotANumber: {
          // Rewrite the row from the chosen field on with the field's text replaced.
          int target = kNumericFields[r.below(std::size(kNumericFields))];
          static constexpr std::string_view kJunk[] = {"n/a", "abc", "1.2.3", "--1", "$5"};
          std::string_view repl =
              kind == TaxiDefect::kEmptyNumber ? std::string_view() : kJunk[r.below(5)];
          char* fs = fields[target];
          char* fe = target == 16 ? p : fields[target + 1] - 1;
          std::string tail(fe, p);  // the ',' and the fields after the target
          if (!repl.empty()) std::memcpy(fs, repl.data(), repl.size());
          std::memcpy(fs + repl.size(), tail.data(), tail.size());
          p = fs + repl.size() + tail.size();
          break;
        }
        case TaxiDefect::kShortRow:
          p = fields[17 - 1 - r.below(3)] - 1;  // drop the last 1-3 fields with their ','
          break;
        case TaxiDefect::kExtraField:
          std::memcpy(p, ",0", 2);
          p += 2;
          break;
        case TaxiDefect::kCount_:
          break;
      }
    }
    *p++ = '\r';
    *p++ = '\n';
    out->commit(static_cast<size_t>(p - row));
  }
  stats->rows += count;
  stats->bytes += out->size() - start_size;
}

Status write_taxi_csv(const std::string& path, uint64_t rows, const TaxiGeneratorOptions& options,
                      unsigned threads, TaxiGeneratorStats* stats) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_error(tmp, errno);
  struct Closer {
    int fd;
    ~Closer() {
      if (fd >= 0) ::close(fd);
    }
  } closer{fd};
  auto write_all = [&](const uint8_t* p, size_t n) -> Status {
    while (n) {
      ssize_t w = ::write(fd, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return errno_error(tmp, errno);
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    return Status();
  };
  TaxiGenerator gen(options);
  std::string_view h = TaxiGenerator::header();
  LS_RETURN_IF_ERROR(write_all(reinterpret_cast<const uint8_t*>(h.data()), h.size()));
  stats->bytes += h.size();
  // Threads each fill one slice of a round; slices are written in order.
  constexpr uint64_t kSlice = 64 * 1024;
  std::vector<Buffer> bufs(threads);
  std::vector<TaxiGeneratorStats> part(threads);
  for (uint64_t base = 0; base < rows; base += kSlice * threads) {
    std::vector<std::jthread> workers;
    for (unsigned t = 0; t < threads; ++t) {
      uint64_t first = base + t * kSlice;
      uint64_t n = first < rows ? std::min(kSlice, rows - first) : 0;
      bufs[t].clear();
      if (n == 0) continue;
      workers.emplace_back([&, t, first, n] { gen.write_rows(first, n, &bufs[t], &part[t]); });
    }
    workers.clear();  // joins
    for (unsigned t = 0; t < threads; ++t) {
      LS_RETURN_IF_ERROR(write_all(bufs[t].data(), bufs[t].size()));
    }
  }
  for (const auto& s : part) stats->add(s);
  if (::fsync(fd) != 0) return errno_error(tmp, errno);
  closer.fd = -1;
  if (::close(fd) != 0) return errno_error(tmp, errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return errno_error(path, errno);
  return Status();
}

}  // namespace lakestream::csv
