/**
 * `npm test`: brings the local services up (a no-op taking seconds when they already run), then
 * runs every jest project (unit, contract, infra, e2e). Extra arguments go to jest, e.g.
 * `npm test -- test/unit`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const run = (command: string, args: string[]) => spawnSync(command, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

if (run('bash', ['scripts/services/up.sh']) !== 0) {
  console.error('npm test: the local services could not be started; see the messages above.');
  process.exit(1);
}
const resultsFile = path.join(root, '.local', 'jest-results.json');
rmSync(resultsFile, { force: true });
const status = run(path.join(root, 'node_modules/.bin/jest'), [
  '--maxWorkers=2',
  '--json',
  `--outputFile=${resultsFile}`,
  ...process.argv.slice(2),
]);
// One plain closing line that any CI reads: "tests: N passed, N failed".
if (existsSync(resultsFile)) {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as { numPassedTests: number; numFailedTests: number };
  console.log(`tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed`);
}
process.exit(status);
