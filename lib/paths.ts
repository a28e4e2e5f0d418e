import * as path from 'node:path';

/** The repository root, whatever the working directory of `cdk synth` or jest. */
export const repoRoot = path.resolve(__dirname, '..');

export function fromRepoRoot(...segments: string[]): string {
  return path.join(repoRoot, ...segments);
}
