import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Manifest } from '../../../lambdas/platform/manifest-types';
import type { StageName } from '../../../lib/config/stages';
import { buildEventline, type EventlineAppOptions, type EventlineStacks } from '../../../lib/eventline-app';
import { fromRepoRoot } from '../../../lib/paths';
import { addSynthValidations } from '../../../lib/validation';

/** The context `cdk synth` runs with (cdk.json), so tests exercise the same feature flags and validation. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(fromRepoRoot('cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return cdkJson.context;
}

export interface SynthesizedEventline {
  readonly stacks: EventlineStacks;
  readonly outdir: string;
  template(stack: Stack): Template;
  /** Removes the synthesized assembly (call from afterAll). */
  dispose(): void;
}

/** The account and region of an environment-specific test synth (no lookups: its AZs are given). */
export const testEnvironment = { account: '123456789012', region: 'eu-west-1' } as const;

/** Three AZs: what prod's sizes need (`lib/config/zones.ts`); an environment-agnostic synth has 2. */
export const threeAzs: readonly string[] = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];

/** The zones a stage is synthesized with unless a test says otherwise: prod needs three. */
const defaultAzs: Partial<Record<StageName, readonly string[]>> = { prod: threeAzs };

export interface SynthOptions {
  /**
   * Synthesize for `testEnvironment` with these availability zones (the CDK's cached
   * `availability-zones` lookup, so nothing is looked up); omitted for a stage without a default,
   * the synth is environment-agnostic (2 AZs), as `npm run synth` without credentials.
   */
  readonly availabilityZones?: readonly string[];
  /** Extra app options (what `-c` context gives `bin/eventline.ts`). */
  readonly app?: Pick<EventlineAppOptions, 'createSearchServiceLinkedRole'>;
}

/**
 * Builds and synthesizes the whole app like `npm run synth` does (same context, cdk-nag and
 * CloudFormation validation registered), except that asset bundling is skipped for speed
 * (`aws:cdk:bundling-stacks: []`). `app.synth()` throws if any validation fails.
 */
export function synthEventline(stage: StageName, manifest: Manifest, options: SynthOptions = {}): SynthesizedEventline {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `eventline-infra-${stage}-`));
  const azs = options.availabilityZones ?? defaultAzs[stage];
  const lookups = azs
    ? { [`availability-zones:account=${testEnvironment.account}:region=${testEnvironment.region}`]: [...azs] }
    : {};
  const app = new App({ outdir, context: { ...cdkJsonContext(), ...lookups, 'aws:cdk:bundling-stacks': [] } });
  let stacks: EventlineStacks;
  try {
    stacks = buildEventline(app, { stage, manifest, ...options.app, ...(azs ? { env: testEnvironment } : {}) });
    addSynthValidations(app);
    app.synth();
  } catch (error) {
    fs.rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
  const templates = new Map<Stack, Template>();
  return {
    stacks,
    outdir,
    template(stack: Stack): Template {
      let template = templates.get(stack);
      if (!template) {
        template = Template.fromJSON(JSON.parse(fs.readFileSync(path.join(outdir, stack.templateFile), 'utf8')));
        templates.set(stack, template);
      }
      return template;
    },
    dispose(): void {
      fs.rmSync(outdir, { recursive: true, force: true });
    },
  };
}

/** Resources of one type in a template, as `[logicalId, properties]`. */
export function resourcesOf(template: Template, type: string): [string, Record<string, unknown>][] {
  return Object.entries(template.findResources(type)).map(([id, resource]) => [
    id,
    (resource as { Properties?: Record<string, unknown> }).Properties ?? {},
  ]);
}

/** The logical id a construct's CloudFormation resource has in its stack. */
export function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  const child = construct.node.defaultChild;
  if (!child) throw new Error('construct has no default child');
  return stack.getLogicalId(child as Parameters<Stack['getLogicalId']>[0]);
}

/** A reference (Ref/GetAtt/ImportValue/GetStackOutput) rendered as one string, for "points at X" checks. */
export function referenceText(value: unknown): string {
  return JSON.stringify(value);
}
