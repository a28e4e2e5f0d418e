import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { manifest } from '../../lambdas/manifest';
import { createLocalKafka } from '../../lambdas/platform/bus/kafka-client';
import { localServices } from '../../lambdas/platform/config';
import { describeTrackingSlice } from './tracking-slice';

// Own topics (by prefix) and own database, so this run shares Kafka and MariaDB with nobody.
const run = randomBytes(4).toString('hex');
const prefix = `e2e-${run}.`;
const database = `eventline_e2e_${run}`;

describeTrackingSlice(
  'services: Kafka, MariaDB',
  () => ({ EVENTLINE_BACKEND: 'services', EVENTLINE_TOPIC_PREFIX: prefix, EVENTLINE_MYSQL_DATABASE: database }),
  async () => {
    const admin = createLocalKafka().admin();
    await admin.connect();
    await admin.deleteTopics({ topics: manifest.topics.map((t) => prefix + t.name) });
    await admin.disconnect();
    const { host, port, user, password } = localServices().mysql;
    const connection = await mysql.createConnection({ host, port, user, password });
    await connection.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(database)}`);
    await connection.end();
  },
);
