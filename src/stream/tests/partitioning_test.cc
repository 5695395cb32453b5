// Output partitioning: Hive/Spark escaping, the time helpers, directories per row, the file schema,
// and the row gather that moves a directory's rows (nested columns included) into its batch.
#include "stream/partitioning.h"

#include <gtest/gtest.h>

#include "avro/decoder.h"
#include "avro/schema.h"
#include "stream/row_gather.h"

namespace lakestream::stream {
namespace {

constexpr const char* kSchema = R"({"type":"record","name":"ride","fields":[)"
                                R"({"name":"id","type":"long"},)"
                                R"({"name":"zone","type":["null","string"]},)"
                                R"({"name":"pickup","type":"string"},)"
                                R"({"name":"day","type":{"type":"int","logicalType":"date"}},)"
                                R"({"name":"tags","type":{"type":"array","items":"string"}}]})";

void put_long(std::string& out, int64_t v) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (z >= 0x80) {
    out.push_back(static_cast<char>((z & 0x7f) | 0x80));
    z >>= 7;
  }
  out.push_back(static_cast<char>(z));
}
void put_string(std::string& out, std::string_view s) {
  put_long(out, static_cast<int64_t>(s.size()));
  out += s;
}

struct Row {
  int64_t id;
  std::optional<std::string> zone;
  std::string pickup;
  int32_t day;
  std::vector<std::string> tags;
};

std::string encode(const Row& r) {
  std::string out;
  put_long(out, r.id);
  if (r.zone) {
    put_long(out, 1);
    put_string(out, *r.zone);
  } else {
    put_long(out, 0);
  }
  put_string(out, r.pickup);
  put_long(out, r.day);
  if (!r.tags.empty()) {
    put_long(out, static_cast<int64_t>(r.tags.size()));
    for (const auto& t : r.tags) put_string(out, t);
  }
  put_long(out, 0);
  return out;
}

struct Decoded {
  avro::Decoder decoder = std::move(*avro::Decoder::create(*avro::parse_schema(kSchema)));
  columnar::RecordBatch batch{decoder.columnar_schema()};
  explicit Decoded(const std::vector<Row>& rows) {
    for (const auto& r : rows) {
      std::string d = encode(r);
      Status s = decoder.decode({reinterpret_cast<const uint8_t*>(d.data()), d.size()}, batch);
      EXPECT_TRUE(s.ok()) << s.to_string();
    }
  }
};

std::vector<Row> sample_rows() {
  return {
      {1, "a/b", "2019-01-01 00:46:40", 17897, {"x"}},
      {2, std::nullopt, "2018-12-31T23:59:59", 0, {}},
      {3, "", "not a time", -1, {"y", "z"}},
      {4, "a/b", "2019-01-01 00:05:00", 17897, {"x", "w", "v"}},
      {5, "k=v:1", "2019-01-01 01:00:00", 17898, {}},
  };
}

std::vector<std::string> directories(const Partitioner& p, const columnar::RecordBatch& b,
                                     std::span<const int64_t> ts = {}) {
  PartitionDirs dirs(&p);
  std::vector<uint32_t> ids;
  dirs.assign(b, ts, &ids);
  std::vector<std::string> out;
  for (uint32_t id : ids) out.push_back(dirs.directory(id));
  return out;
}

TEST(Partitioning, EscapesValuesAsHiveAndSparkDo) {
  EXPECT_EQ(escape_partition_value("a/b"), "a%2Fb");
  EXPECT_EQ(escape_partition_value("k=v:1"), "k%3Dv%3A1");
  EXPECT_EQ(escape_partition_value("100%"), "100%25");
  EXPECT_EQ(escape_partition_value("a b-c_d.e"), "a b-c_d.e");
  EXPECT_EQ(escape_partition_value("x\ty\x7f"), "x%09y%7F");
  EXPECT_EQ(escape_partition_value("\"#'*?\\{[]^"), "%22%23%27%2A%3F%5C%7B%5B%5D%5E");
  EXPECT_EQ(escape_partition_value("Zürich"), "Zürich");  // non-ASCII stays as is
  EXPECT_EQ(escape_partition_value(""), "__HIVE_DEFAULT_PARTITION__");
}

TEST(Partitioning, ParsesFlags) {
  auto s = parse_partition_spec({"a,b", "c"}, "pickup:day");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->columns, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(s->time_column, "pickup");
  EXPECT_FALSE(s->time_hourly);
  auto h = parse_partition_spec({}, "kafka_timestamp");
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->time_hourly);
  EXPECT_FALSE(parse_partition_spec({"a,a"}, "").ok());
  EXPECT_FALSE(parse_partition_spec({"a,"}, "").ok());
  EXPECT_FALSE(parse_partition_spec({}, "pickup:week").ok());
  EXPECT_TRUE(parse_partition_spec({}, "").value().empty());
}

TEST(Partitioning, UtcCalendar) {
  auto h = utc_hour_of_ms(0);
  EXPECT_EQ(h.year, 1970);
  EXPECT_EQ(h.month, 1);
  EXPECT_EQ(h.day, 1);
  EXPECT_EQ(h.hour, 0);
  h = utc_hour_of_ms(-1);  // one millisecond before the epoch
  EXPECT_EQ(h.year, 1969);
  EXPECT_EQ(h.month, 12);
  EXPECT_EQ(h.day, 31);
  EXPECT_EQ(h.hour, 23);
  h = utc_hour_of_ms(1582934400000LL + 13 * 3600000LL);  // 2020-02-29 13:00 UTC
  EXPECT_EQ(h.year, 2020);
  EXPECT_EQ(h.month, 2);
  EXPECT_EQ(h.day, 29);
  EXPECT_EQ(h.hour, 13);
  int64_t ms = 0;
  ASSERT_TRUE(parse_hour_text("2019-01-01 00:46:40", &ms));
  EXPECT_EQ(ms, 1546300800000LL);
  ASSERT_TRUE(parse_hour_text("2020-02-29T13:59", &ms));
  EXPECT_EQ(ms, 1582934400000LL + 13 * 3600000LL);
  ASSERT_TRUE(parse_hour_text("2019-07-04", &ms));
  EXPECT_EQ(ms, 1562198400000LL);
  EXPECT_FALSE(parse_hour_text("2019-02-29 00:00:00", &ms));  // not a leap year
  EXPECT_FALSE(parse_hour_text("2019-01-01 24:00:00", &ms));
  EXPECT_FALSE(parse_hour_text("2019-1-01", &ms));
  EXPECT_FALSE(parse_hour_text("01/01/2019 00:00", &ms));
  EXPECT_FALSE(parse_hour_text("", &ms));
}

TEST(Partitioning, DirectoriesByColumnsAndTime) {
  Decoded d(sample_rows());
  auto schema = d.batch.schema_ptr();
  auto p = Partitioner::create(*parse_partition_spec({"zone,id"}, "pickup"), schema);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(directories(**p, d.batch),
            (std::vector<std::string>{
                "dt=2019-01-01/hr=00/zone=a%2Fb/id=1/",
                "dt=2018-12-31/hr=23/zone=__HIVE_DEFAULT_PARTITION__/id=2/",
                "dt=__HIVE_DEFAULT_PARTITION__/hr=__HIVE_DEFAULT_PARTITION__/"
                "zone=__HIVE_DEFAULT_PARTITION__/id=3/",
                "dt=2019-01-01/hr=00/zone=a%2Fb/id=4/",
                "dt=2019-01-01/hr=01/zone=k%3Dv%3A1/id=5/",
            }));
  // The partition columns leave the files; the time column stays.
  const auto& fs = *(*p)->file_schema();
  EXPECT_EQ(fs.field_index("zone"), -1);
  EXPECT_EQ(fs.field_index("id"), -1);
  EXPECT_GE(fs.field_index("pickup"), 0);
  EXPECT_EQ(fs.num_columns(), schema->num_columns() - 2);

  auto by_day = Partitioner::create(*parse_partition_spec({}, "day:day"), schema);
  ASSERT_TRUE(by_day.ok()) << by_day.status().to_string();
  EXPECT_EQ(directories(**by_day, d.batch)[0], "dt=2019-01-01/");
  EXPECT_EQ(directories(**by_day, d.batch)[2], "dt=1969-12-31/");
  auto date_col = Partitioner::create(*parse_partition_spec({"day"}, ""), schema);
  ASSERT_TRUE(date_col.ok());
  EXPECT_EQ(directories(**date_col, d.batch)[1], "day=1970-01-01/");

  std::vector<int64_t> ts = {0, 3600000, -1, 7200000 - 1, 1582934400000LL};
  auto kafka = Partitioner::create(*parse_partition_spec({}, "kafka_timestamp"), schema);
  ASSERT_TRUE(kafka.ok());
  EXPECT_TRUE((*kafka)->uses_kafka_timestamp());
  EXPECT_EQ(directories(**kafka, d.batch, ts),
            (std::vector<std::string>{"dt=1970-01-01/hr=00/", "dt=1970-01-01/hr=01/",
                                      "dt=1969-12-31/hr=23/", "dt=1970-01-01/hr=01/",
                                      "dt=2020-02-29/hr=00/"}));
}

TEST(Partitioning, RefusesColumnsThatCannotBeDirectories) {
  Decoded d({});
  auto schema = d.batch.schema_ptr();
  EXPECT_FALSE(Partitioner::create(*parse_partition_spec({"nope"}, ""), schema).ok());
  EXPECT_FALSE(Partitioner::create(*parse_partition_spec({"tags"}, ""), schema).ok());
  EXPECT_FALSE(Partitioner::create(*parse_partition_spec({}, "id"), schema).ok());
  auto all = Partitioner::create(*parse_partition_spec({"id,zone,pickup,day"}, ""), schema);
  EXPECT_TRUE(all.ok());  // tags stays
  auto with_dt = std::make_shared<const columnar::Schema>(
      schema->with_appended({columnar::Field::leaf("dt", columnar::PhysicalType::kInt32)}));
  auto clash = Partitioner::create(*parse_partition_spec({}, "pickup"), with_dt);
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.status().message().find("\"dt\""), std::string::npos);
}

TEST(RowGather, CopiesChosenRowsWithTheirNestedSlots) {
  Decoded d(sample_rows());
  auto p = Partitioner::create(*parse_partition_spec({"id"}, ""), d.batch.schema_ptr());
  ASSERT_TRUE(p.ok());
  columnar::RecordBatch out((*p)->file_schema());
  RowGather g((*p)->file_columns());
  g.index(d.batch);
  std::vector<uint32_t> rows = {3, 1, 2};
  g.copy(d.batch, rows, out);
  g.copy(d.batch, std::vector<uint32_t>{0}, out);
  ASSERT_EQ(out.num_rows(), 4u);
  // Expected: the same rows decoded directly, in that order, without the id column.
  Decoded want({sample_rows()[3], sample_rows()[1], sample_rows()[2], sample_rows()[0]});
  const auto& cols = (*p)->file_columns();
  ASSERT_EQ(out.num_columns(), cols.size());
  for (size_t i = 0; i < cols.size(); ++i) {
    const auto& a = out.column(i);
    const auto& b = want.batch.column(cols[i]);
    SCOPED_TRACE(b.descriptor().dotted_path());
    EXPECT_EQ(a.num_slots(), b.num_slots());
    EXPECT_EQ(a.num_values(), b.num_values());
    EXPECT_EQ(std::vector<int16_t>(a.def_levels().begin(), a.def_levels().end()),
              std::vector<int16_t>(b.def_levels().begin(), b.def_levels().end()));
    EXPECT_EQ(std::vector<int16_t>(a.rep_levels().begin(), a.rep_levels().end()),
              std::vector<int16_t>(b.rep_levels().begin(), b.rep_levels().end()));
    EXPECT_EQ(a.fixed().view(), b.fixed().view());
    EXPECT_EQ(a.bytes().view(), b.bytes().view());
    EXPECT_EQ(std::vector<uint32_t>(a.offsets().begin(), a.offsets().end()),
              std::vector<uint32_t>(b.offsets().begin(), b.offsets().end()));
  }
}

}  // namespace
}  // namespace lakestream::stream
