import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { manifest } from '../../lambdas/manifest';
import { createLocalKafka } from '../../lambdas/platform/bus/kafka-client';
import { localServices } from '../../lambdas/platform/config';

/**
 * A services-backend runtime of its own: its own topics (by prefix) and its own database, so an
 * end-to-end test shares Kafka and MariaDB with nobody; `cleanup` drops both.
 */
export function servicesRun(label: string): { env: Record<string, string>; cleanup: () => Promise<void> } {
  const run = randomBytes(4).toString('hex');
  const prefix = `e2e-${label}-${run}.`;
  const database = `eventline_e2e_${label}_${run}`;
  return {
    env: { EVENTLINE_BACKEND: 'services', EVENTLINE_TOPIC_PREFIX: prefix, EVENTLINE_MYSQL_DATABASE: database },
    cleanup: async () => {
      const admin = createLocalKafka().admin();
      await admin.connect();
      await admin.deleteTopics({ topics: manifest.topics.map((t) => prefix + t.name) }).catch(() => undefined);
      await admin.disconnect();
      const { host, port, user, password } = localServices().mysql;
      const connection = await mysql.createConnection({ host, port, user, password });
      await connection.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(database)}`);
      await connection.end();
    },
  };
}
