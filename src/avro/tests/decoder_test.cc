#include "avro/decoder.h"

#include <gtest/gtest.h>

#include "avro/columnar_mapping.h"
#include "avro/encoder.h"
#include "avro/tests/test_util.h"

namespace lakestream::avro {
namespace {

using columnar::RecordBatch;
using V16 = std::vector<int16_t>;

struct Fixture {
  Schema schema;
  Decoder decoder;
  RecordBatch batch;
};

Fixture make(const std::string& schema_json, DecoderOptions opts = {}) {
  Schema s = must_parse(schema_json);
  auto d = Decoder::create(s, opts);
  EXPECT_TRUE(d.ok()) << d.status().to_string();
  RecordBatch b(d->columnar_schema());
  return Fixture{std::move(s), std::move(d).value(), std::move(b)};
}

// Encodes the batch with our encoder and checks it reproduces the original datums.
void expect_reencodes(const Fixture& f, const std::vector<std::vector<uint8_t>>& datums) {
  auto enc = Encoder::create(f.schema);
  ASSERT_TRUE(enc.ok()) << enc.status().to_string();
  Buffer out;
  std::vector<uint32_t> ends;
  Status st = enc->encode_batch(f.batch, out, ends);
  ASSERT_TRUE(st.ok()) << st.to_string();
  ASSERT_EQ(ends.size(), datums.size());
  uint32_t start = 0;
  for (size_t i = 0; i < datums.size(); ++i) {
    std::vector<uint8_t> got(out.data() + start, out.data() + ends[i]);
    EXPECT_EQ(got, datums[i]) << "row " << i;
    start = ends[i];
  }
}

TEST(AvroDecoder, FlatRecordLandsInColumns) {
  auto f = make(R"({"type":"record","name":"R","fields":[
      {"name":"id","type":"long"},{"name":"n","type":"int"},{"name":"s","type":"string"},
      {"name":"b","type":"boolean"},{"name":"x","type":"double"},{"name":"y","type":"float"},
      {"name":"raw","type":"bytes"},{"name":"h","type":{"type":"fixed","name":"H","size":3}},
      {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","C"]}}]})");
  std::vector<std::vector<uint8_t>> ds = {
      datum(
          f.schema,
          R"({"id":-5,"n":300,"s":"héllo","b":true,"x":2.5,"y":-1.25,"raw":"\u0000\u00ff","h":"abc","e":"C"})"),
      datum(
          f.schema,
          R"({"id":9223372036854775807,"n":-2147483648,"s":"","b":false,"x":-0.0,"y":3,"raw":"","h":"xyz","e":"A"})")};
  for (const auto& d : ds) ASSERT_TRUE(f.decoder.decode(d, f.batch).ok());
  ASSERT_EQ(f.batch.num_rows(), 2u);
  EXPECT_EQ(f.batch.column(0).values<int64_t>()[0], -5);
  EXPECT_EQ(f.batch.column(0).values<int64_t>()[1], INT64_MAX);
  EXPECT_EQ(f.batch.column(1).values<int32_t>()[0], 300);
  EXPECT_EQ(f.batch.column(1).values<int32_t>()[1], INT32_MIN);
  EXPECT_EQ(f.batch.column(2).bytes_at(0), "héllo");
  EXPECT_EQ(f.batch.column(2).bytes_at(1), "");
  EXPECT_EQ(f.batch.column(3).values<uint8_t>()[0], 1);
  EXPECT_EQ(f.batch.column(4).values<double>()[0], 2.5);
  EXPECT_EQ(f.batch.column(5).values<float>()[0], -1.25f);
  EXPECT_EQ(f.batch.column(6).bytes_at(0), std::string("\0\xff", 2));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f.batch.column(7).fixed().data()), 6),
            "abcxyz");
  EXPECT_EQ(f.batch.column(8).bytes_at(0), "C");
  EXPECT_EQ(f.batch.column(8).bytes_at(1), "A");
  EXPECT_EQ(f.batch.column(0).num_slots(), 2u);
  EXPECT_TRUE(f.batch.column(0).def_levels().empty());
  expect_reencodes(f, ds);
}

TEST(AvroDecoder, NullableFieldsGetDefinitionLevels) {
  auto f = make(R"({"type":"record","name":"R","fields":[
      {"name":"a","type":["null","string"]},{"name":"b","type":["long","null"]}]})");
  std::vector<std::vector<uint8_t>> ds = {datum(f.schema, R"({"a":{"string":"x"},"b":null})"),
                                          datum(f.schema, R"({"a":null,"b":{"long":7}})")};
  for (const auto& d : ds) ASSERT_TRUE(f.decoder.decode(d, f.batch).ok());
  EXPECT_EQ(to_vec(f.batch.column(0).def_levels()), (V16{1, 0}));
  EXPECT_EQ(f.batch.column(0).num_values(), 1u);
  EXPECT_EQ(f.batch.column(0).bytes_at(0), "x");
  EXPECT_EQ(to_vec(f.batch.column(1).def_levels()), (V16{0, 1}));
  EXPECT_EQ(f.batch.column(1).values<int64_t>()[0], 7);
  expect_reencodes(f, ds);
}

TEST(AvroDecoder, ArraysOfNullableItemsFollowDremel) {
  auto f = make(R"({"type":"record","name":"R","fields":[
      {"name":"t","type":{"type":"array","items":["null","int"]}}]})");
  // Levels: list required (0), repeated list (+1), optional element (+1) -> max_def 2, max_rep 1.
  std::vector<std::vector<uint8_t>> ds = {datum(f.schema, R"({"t":[{"int":1},null,{"int":3}]})"),
                                          datum(f.schema, R"({"t":[]})"),
                                          datum(f.schema, R"({"t":[{"int":4}]})")};
  for (const auto& d : ds) ASSERT_TRUE(f.decoder.decode(d, f.batch).ok());
  const auto& c = f.batch.column(0);
  EXPECT_EQ(c.descriptor().max_def, 2);
  EXPECT_EQ(c.descriptor().max_rep, 1);
  EXPECT_EQ(to_vec(c.def_levels()), (V16{2, 1, 2, 0, 2}));
  EXPECT_EQ(to_vec(c.rep_levels()), (V16{0, 1, 1, 0, 0}));
  ASSERT_EQ(c.num_values(), 3u);
  EXPECT_EQ(c.values<int32_t>()[2], 4);
  expect_reencodes(f, ds);
}

TEST(AvroDecoder, NestedListsAndRecordsInMaps) {
  auto f = make(R"({"type":"record","name":"R","fields":[
      {"name":"m","type":["null",{"type":"map","values":{"type":"array","items":
          {"type":"record","name":"P","fields":[{"name":"x","type":"long"},{"name":"y","type":["null","string"]}]}}}]},
      {"name":"after","type":"int"}]})");
  // Columns: m.key_value.key, m.key_value.value.list.element.x, ...element.y, after
  ASSERT_EQ(f.batch.num_columns(), 4u);
  std::vector<std::vector<uint8_t>> ds = {
      datum(
          f.schema,
          R"({"m":{"map":{"k1":[{"x":1,"y":null},{"x":2,"y":{"string":"b"}}],"k2":[]}},"after":1})"),
      datum(f.schema, R"({"m":null,"after":2})"), datum(f.schema, R"({"m":{"map":{}},"after":3})")};
  for (const auto& d : ds) ASSERT_TRUE(f.decoder.decode(d, f.batch).ok());
  const auto& key = f.batch.column(0);
  const auto& x = f.batch.column(1);
  const auto& y = f.batch.column(2);
  // optional m (1), repeated key_value (2), required value LIST, repeated list (3), y optional (4)
  EXPECT_EQ(to_vec(key.def_levels()), (V16{2, 2, 0, 1}));
  EXPECT_EQ(to_vec(key.rep_levels()), (V16{0, 1, 0, 0}));
  EXPECT_EQ(to_vec(x.def_levels()), (V16{3, 3, 2, 0, 1}));
  EXPECT_EQ(to_vec(x.rep_levels()), (V16{0, 2, 1, 0, 0}));
  EXPECT_EQ(to_vec(y.def_levels()), (V16{3, 4, 2, 0, 1}));
  EXPECT_EQ(y.bytes_at(0), "b");
  EXPECT_EQ(f.batch.column(3).values<int32_t>()[2], 3);
  expect_reencodes(f, ds);
}

TEST(AvroDecoder, GeneralUnionBecomesMemberGroup) {
  auto f = make(R"({"type":"record","name":"R","fields":[
      {"name":"u","type":["null","int","string"]}]})");
  std::vector<std::vector<uint8_t>> ds = {datum(f.schema, R"({"u":{"int":5}})"),
                                          datum(f.schema, R"({"u":{"string":"s"}})"),
                                          datum(f.schema, R"({"u":null})")};
  for (const auto& d : ds) ASSERT_TRUE(f.decoder.decode(d, f.batch).ok());
  EXPECT_EQ(f.batch.schema().columns()[0].dotted_path(), "u.member0");
  EXPECT_EQ(to_vec(f.batch.column(0).def_levels()), (V16{2, 1, 0}));
  EXPECT_EQ(to_vec(f.batch.column(1).def_levels()), (V16{1, 2, 0}));
  expect_reencodes(f, ds);
}

TEST(AvroDecoder, ResolvesWriterAgainstReader) {
  Schema writer = must_parse(R"({"type":"record","name":"R","fields":[
      {"name":"a","type":"int"},{"name":"gone","type":{"type":"array","items":"string"}},
      {"name":"s","type":"string"},{"name":"f","type":"float"},
      {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","Z"]}},
      {"name":"o","type":"long"},{"name":"u","type":["int","string"]}]})");
  Schema reader = must_parse(R"({"type":"record","name":"R","fields":[
      {"name":"a","type":"long"},{"name":"s","type":"bytes"},{"name":"f","type":"double"},
      {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","OTHER"],"default":"OTHER"}},
      {"name":"added","type":"string","default":"dflt"},
      {"name":"o2","aliases":["o"],"type":["null","double"]},
      {"name":"u","type":["null","string","long"]},
      {"name":"arr","type":{"type":"array","items":"int"},"default":[7,8]}]})");
  auto dec = Decoder::create(writer, reader);
  ASSERT_TRUE(dec.ok()) << dec.status().to_string();
  RecordBatch batch(dec->columnar_schema());
  auto d1 =
      datum(writer, R"({"a":-3,"gone":["x","y"],"s":"str","f":0.5,"e":"Z","o":12,"u":{"int":9}})");
  auto d2 = datum(writer, R"({"a":4,"gone":[],"s":"","f":1,"e":"B","o":-1,"u":{"string":"q"}})");
  ASSERT_TRUE(dec->decode(d1, batch).ok());
  Status st = dec->decode(d2, batch);
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(batch.column(0).values<int64_t>()[0], -3);
  EXPECT_EQ(batch.column(1).bytes_at(0), "str");
  EXPECT_EQ(batch.column(2).values<double>()[0], 0.5);
  EXPECT_EQ(batch.column(3).bytes_at(0), "OTHER");
  EXPECT_EQ(batch.column(3).bytes_at(1), "B");
  EXPECT_EQ(batch.column(4).bytes_at(1), "dflt");
  EXPECT_EQ(batch.column(5).values<double>()[0], 12.0);
  EXPECT_EQ(to_vec(batch.column(5).def_levels()), (V16{1, 1}));
  // u: writer int -> reader long member1; writer string -> member0.
  EXPECT_EQ(to_vec(batch.column(6).def_levels()), (V16{1, 2}));
  EXPECT_EQ(to_vec(batch.column(7).def_levels()), (V16{2, 1}));
  EXPECT_EQ(batch.column(7).values<int64_t>()[0], 9);
  EXPECT_EQ(to_vec(batch.column(8).def_levels()), (V16{1, 1, 1, 1}));
  EXPECT_EQ(batch.column(8).values<int32_t>()[3], 8);
}

TEST(AvroDecoder, UnresolvableSchemasFailAtCreate) {
  Schema w = must_parse(R"({"type":"record","name":"R","fields":[{"name":"a","type":"string"}]})");
  Schema r1 = must_parse(R"({"type":"record","name":"R","fields":[{"name":"a","type":"double"}]})");
  auto d = Decoder::create(w, r1);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("a: writer type string cannot be read as double"),
            std::string::npos)
      << d.status().message();
  Schema r2 = must_parse(R"({"type":"record","name":"R","fields":[{"name":"a","type":"string"},
      {"name":"b","type":"int"}]})");
  d = Decoder::create(w, r2);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("'b' is missing from the writer schema and has no default"),
            std::string::npos)
      << d.status().message();
}

TEST(AvroDecoder, EnumSymbolWithoutReaderDefaultFailsWhenRead) {
  Schema w = must_parse(
      R"({"type":"record","name":"R","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}}]})");
  Schema r = must_parse(
      R"({"type":"record","name":"R","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A"]}}]})");
  auto d = Decoder::create(w, r);
  ASSERT_TRUE(d.ok());
  RecordBatch b(d->columnar_schema());
  EXPECT_TRUE(d->decode(datum(w, R"({"e":"A"})"), b).ok());
  Status st = d->decode(datum(w, R"({"e":"B"})"), b);
  EXPECT_EQ(st.code(), StatusCode::kInvalidData);
  EXPECT_NE(st.message().find("field 'e'"), std::string::npos) << st.message();
  EXPECT_EQ(b.num_rows(), 1u);
}

}  // namespace
}  // namespace lakestream::avro

namespace lakestream::avro {
namespace {

TEST(AvroDecoder, ExtraColumnsAfterTheDecodersAreLeftToTheCaller) {
  Schema s = must_parse(R"({"type":"record","name":"R","fields":[{"name":"a","type":"long"}]})");
  auto dec = Decoder::create(s);
  ASSERT_TRUE(dec.ok());
  auto with_meta = std::make_shared<columnar::Schema>(dec->columnar_schema()->with_appended(
      {columnar::Field::leaf("kafka_offset", columnar::PhysicalType::kInt64)}));
  RecordBatch batch(with_meta);
  ASSERT_TRUE(dec->decode(datum(s, R"({"a":42})"), batch).ok());
  batch.column(1).append_fixed<int64_t>(812);
  batch.column(1).count_slot();
  EXPECT_EQ(batch.num_rows(), 1u);
  EXPECT_EQ(batch.column(0).values<int64_t>()[0], 42);
  EXPECT_EQ(batch.column(1).values<int64_t>()[0], 812);
}

}  // namespace
}  // namespace lakestream::avro

namespace lakestream::avro {
namespace {

TEST(AvroDecoder, TopLevelRecordNamesNeedNotMatchButNestedOnesDo) {
  Schema w = must_parse(R"({"type":"record","name":"topLevelRecord","fields":[
      {"name":"a","type":"long"},{"name":"p","type":{"type":"record","name":"P","fields":[{"name":"x","type":"int"}]}}]})");
  Schema r = must_parse(R"({"type":"record","name":"nyc_avro_test","fields":[
      {"name":"a","type":"long"},{"name":"p","type":{"type":"record","name":"P","fields":[{"name":"x","type":"int"}]}}]})");
  auto d = Decoder::create(w, r);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  RecordBatch b(d->columnar_schema());
  ASSERT_TRUE(d->decode(datum(w, R"({"a":5,"p":{"x":6}})"), b).ok());
  EXPECT_EQ(b.column(1).values<int32_t>()[0], 6);
  Schema r2 = must_parse(R"({"type":"record","name":"nyc_avro_test","fields":[
      {"name":"a","type":"long"},{"name":"p","type":{"type":"record","name":"Q","fields":[{"name":"x","type":"int"}]}}]})");
  auto d2 = Decoder::create(w, r2);
  ASSERT_FALSE(d2.ok());
  EXPECT_NE(d2.status().message().find("p: writer type record 'P' cannot be read as record 'Q'"),
            std::string::npos)
      << d2.status().message();
}

}  // namespace
}  // namespace lakestream::avro
