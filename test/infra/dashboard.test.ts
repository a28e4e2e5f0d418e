/**
 * The generated dashboard carries each capability's section from the manifest: business metrics
 * (tags/s, events/s, rejections), consumer lag per group, query latency p99, dead-letter depth.
 */
import { manifest } from '../../lambdas/manifest';
import { stageConfig } from '../../lib/config/stages';
import { physicalFunctionName } from '../../lib/constructs/eventline-function';
import { resourcesOf, type SynthesizedEventline, synthEventline } from './support/synth';

let app: SynthesizedEventline;
let body: string;

beforeAll(() => {
  app = synthEventline('dev', manifest);
  const [[, dashboard]] = resourcesOf(app.template(app.stacks.observability), 'AWS::CloudWatch::Dashboard');
  // The body is an Fn::Join of literal JSON fragments and references; its text is what we check.
  body = JSON.stringify(dashboard.DashboardBody);
});
afterAll(() => app?.dispose());

describe('dashboard', () => {
  it('has the tracking section with every widget the manifest declares', () => {
    const tracking = manifest.dashboards!.find((d) => d.capability === 'tracking')!;
    for (const widget of tracking.widgets) expect(body).toContain(widget.title);
  });

  it('plots tags/s and events/s from the Powertools metrics of the tracking service', () => {
    expect(body).toMatch(/\\"Eventline\\",\\"ingestUserTag2xx\\",\\"service\\",\\"tracking\\"/);
    expect(body).toContain('AppEventsAccepted');
    expect(body).toContain('m0 / 60');
  });

  it('plots the offset lag of every consumer group and the p99 of every query function', () => {
    const config = stageConfig('dev');
    for (const fn of manifest.functions.filter((f) => (f.subscriptions?.length ?? 0) > 0)) {
      expect(body).toContain(`\\"OffsetLag\\",\\"FunctionName\\",\\"${physicalFunctionName(config, fn.name)}\\"`);
    }
    for (const name of ['tracking-query-profiles', 'tracking-query-aggregates', 'tracking-query-analytics']) {
      expect(body).toContain(physicalFunctionName(config, name));
    }
    expect(body).toContain('ApproximateNumberOfMessagesVisible');
  });
});
