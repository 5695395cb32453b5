// Prints a consumer group's committed offsets next to the topic's end offsets, one JSON line per
// partition: {"partition":0,"committed":123,"end":123,"lag":0}. An independent client (kafkajs)
// checking what lakestream writes back to the group (issue 9: lag tools must show true lag).
//   node group_offsets.mjs BOOTSTRAP GROUP TOPIC
// committed is -1 when the group has no offset for the partition (lag is then end - 0).
import { Kafka, logLevel } from 'kafkajs';

const [bootstrap, group, topic] = process.argv.slice(2);
if (!topic) {
  console.error('usage: node group_offsets.mjs BOOTSTRAP GROUP TOPIC');
  process.exit(2);
}
const kafka = new Kafka({
  clientId: 'lakestream-group-offsets',
  brokers: bootstrap.split(','),
  logLevel: logLevel.NOTHING,
  retry: { retries: 3 },
});
const admin = kafka.admin();
try {
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const byPartition = new Map(committed.partitions.map((p) => [p.partition, Number(p.offset)]));
  for (const e of ends.sort((a, b) => a.partition - b.partition)) {
    const end = Number(e.high);
    const c = byPartition.has(e.partition) ? byPartition.get(e.partition) : -1;
    const lag = end - Math.max(c, 0);
    console.log(JSON.stringify({ partition: e.partition, committed: c, end, lag }));
  }
} catch (e) {
  console.error(`group_offsets: ${e.message}`);
  process.exitCode = 1;
} finally {
  await admin.disconnect();
}
