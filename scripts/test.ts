/**
 * `npm test`: brings the local services up (a no-op taking seconds when they already run), runs
 * every jest project (unit, contract, infra, e2e, browser), then the fault tests (`faults`: they stop and
 * restart OpenSearch and MariaDB, so they run alone, after the others, in band) and brings the
 * services up once more, whatever the fault tests left behind. Extra arguments go to jest and
 * run only what they select, without the fault tests, e.g. `npm test -- test/unit`.
 * `npm run test:faults` (`--faults`) runs only the fault tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const run = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(command, args, { cwd: root, stdio: 'inherit', env }).status ?? 1;
const servicesUp = () => run('bash', ['scripts/services/up.sh']);

const args = process.argv.slice(2);
const faultsOnly = args.includes('--faults');
const jestArgs = args.filter((arg) => arg !== '--faults');

if (servicesUp() !== 0) {
  console.error('npm test: the local services could not be started; see the messages above.');
  process.exit(1);
}

interface Counts {
  passed: number;
  failed: number;
}

/** Runs jest once; its JSON results (if it wrote any) are added to `counts`. */
function jest(name: string, extra: string[], env: NodeJS.ProcessEnv, counts: Counts): number {
  const resultsFile = path.join(root, '.local', `jest-results${name}.json`);
  rmSync(resultsFile, { force: true });
  const status = run(path.join(root, 'node_modules/.bin/jest'), ['--json', `--outputFile=${resultsFile}`, ...extra], env);
  if (existsSync(resultsFile)) {
    const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as { numPassedTests: number; numFailedTests: number };
    counts.passed += results.numPassedTests;
    counts.failed += results.numFailedTests;
  }
  return status;
}

const counts: Counts = { passed: 0, failed: 0 };
let status = 0;
if (!faultsOnly) status = jest('', ['--maxWorkers=2', ...jestArgs], process.env, counts);
if (faultsOnly || jestArgs.length === 0) {
  console.log('\nnpm test: the fault tests, alone and in band (they stop and restart OpenSearch and MariaDB)\n');
  const faults = jest(
    '-faults',
    ['--selectProjects', 'faults', '--runInBand', ...jestArgs],
    {
      ...process.env,
      EVENTLINE_FAULT_TESTS: '1',
    },
    counts,
  );
  status ||= faults;
  // The tests restart what they stop; this covers a run that was cut short.
  if (servicesUp() !== 0) {
    console.error('npm test: the local services could not be brought up again after the fault tests.');
    status ||= 1;
  }
}
// One plain closing line that any CI reads: "tests: N passed, N failed".
console.log(`tests: ${counts.passed} passed, ${counts.failed} failed`);
process.exit(status);
