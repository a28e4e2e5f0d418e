/**
 * A real password rotation on the local MariaDB: the pool made with the old password reopens
 * itself with the new one instead of failing for good (what an RDS secret rotation does to a
 * warm Lambda container). No AWS call is involved: `open` stands for re-reading the secret.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { localServices } from '../../lambdas/platform/config';
import { createPool, type Pool } from '../../lambdas/platform/sql/pool';
import { reopeningOnAccessDenied } from '../../lambdas/platform/sql/reopening-pool';

const { host, port, user: rootUser, password: rootPassword } = localServices().mysql;
const user = `eventline_rot_${randomBytes(3).toString('hex')}`;
let admin: mysql.Connection;
let secret = 'first-password-1';

const poolWith = (password: string) => createPool({ host, port, user, password, connectionLimit: 2 });

beforeAll(async () => {
  admin = await mysql.createConnection({ host, port, user: rootUser, password: rootPassword });
  await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', secret]);
  await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [user, 'localhost', secret]);
});

afterAll(async () => {
  await admin.query('DROP USER IF EXISTS ?@?', [user, '%']);
  await admin.query('DROP USER IF EXISTS ?@?', [user, 'localhost']);
  await admin.end();
});

async function rotate(to: string): Promise<void> {
  for (const hostPart of ['%', 'localhost']) await admin.query('ALTER USER ?@? IDENTIFIED BY ?', [user, hostPart, to]);
  secret = to;
}

describe('reopeningOnAccessDenied', () => {
  it('reopens with the current secret when a new connection is refused (1045), and keeps serving', async () => {
    let opened = 0;
    const pool: Pool = reopeningOnAccessDenied(poolWith(secret), async () => {
      opened++;
      return poolWith(secret);
    });
    try {
      await rotate('second-password-2');
      // The first pool still holds the old password: its first connection is refused.
      const [rows] = await pool.query('SELECT CURRENT_USER() AS who');
      expect((rows as { who: string }[])[0].who).toContain(user);
      expect(opened).toBe(1);

      const connection = await pool.getConnection();
      await connection.query('SELECT 1');
      connection.release();
      expect(opened).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('does not hide other errors, nor reopen for them', async () => {
    let opened = 0;
    const pool = reopeningOnAccessDenied(poolWith(secret), async () => {
      opened++;
      return poolWith(secret);
    });
    try {
      await expect(pool.query('SELECT * FROM no_such_schema.no_such_table')).rejects.toThrow();
      expect(opened).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('still fails when the fresh secret is refused too', async () => {
    const pool = reopeningOnAccessDenied(poolWith('not-the-password'), async () => poolWith('also-not-it'));
    try {
      await expect(pool.query('SELECT 1')).rejects.toMatchObject({ errno: 1045 });
    } finally {
      await pool.end();
    }
  });
});
