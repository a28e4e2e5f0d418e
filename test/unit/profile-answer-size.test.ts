/**
 * Whatever clients send, a profile answer fits Lambda's 6 MB response limit: tags travel and are
 * stored without insignificant whitespace (so padding a tag to the 16 KiB body limit buys
 * nothing), every field is bounded, and a cookie keeps at most TAGS_KEPT_PER_ACTION per action.
 * Built here from the worst tags the ingest route accepts: every string at its maximum length,
 * every character spelled as a six-byte `\uXXXX` escape, each tag padded with whitespace.
 */
import { configureEmbeddedPlatform, Topics } from '../support/topics';

configureEmbeddedPlatform();

import { LAMBDA_RESPONSE_LIMIT_BYTES } from '../../lambdas/platform/http/http-route';
import { toMskEvent } from '../../lambdas/platform/kafka/msk-event';
import { platform } from '../../lambdas/platform/wiring';
import { TAGS_KEPT_PER_ACTION } from '../../lambdas/tracking/domain/user-profile';
import { handler as ingest } from '../../lambdas/tracking/handlers/ingest-user-tag';
import { handler as queryProfile } from '../../lambdas/tracking/handlers/query-user-profile';
import { handler as storeTags } from '../../lambdas/tracking/handlers/store-user-tags';
import { httpEvent, lambdaContext } from '../support/apigw';

const escaped = (length: number) => '\\u00e9'.repeat(length);
const cookie = escaped(255);

function worstTag(i: number, action: 'VIEW' | 'BUY'): string {
  const time = new Date(Date.parse('2022-03-01T00:00:00.000Z') + i).toISOString();
  const tag =
    `{ "time" : "${time}" , "cookie" : "${cookie}" , "country" : "${escaped(64)}" , "device" : "MOBILE" , ` +
    `"action" : "${action}" , "origin" : "${escaped(256)}" , "product_info" : { "product_id" : "${escaped(128)}" , ` +
    `"brand_id" : "${escaped(128)}" , "category_id" : "${escaped(128)}" , "price" : -2147483648 } }`;
  return tag + ' '.repeat(16 * 1024 - Buffer.byteLength(tag)); // padded to the route's body limit
}

afterAll(() => platform.close());

it('answers the largest possible profile within the Lambda response limit', async () => {
  const count = TAGS_KEPT_PER_ACTION + 20; // more than a cookie keeps, of each action
  const sent = [
    ...Array.from({ length: count }, (_, i) => worstTag(i, 'VIEW')),
    ...Array.from({ length: count }, (_, i) => worstTag(i, 'BUY')),
  ];
  for (const body of sent) {
    expect(Buffer.byteLength(body)).toBe(16 * 1024);
    const res = (await ingest(httpEvent({ body, path: '/user_tags' }), lambdaContext)) as { statusCode: number };
    expect(res.statusCode).toBe(204);
  }

  // What the log holds, fed to the profile consumer as MSK would.
  const bus = await platform.localBus();
  const values: Buffer[] = [];
  const subscription = await bus.subscribe({
    groupId: 'profile-size-test',
    topic: Topics.userTags,
    fromBeginning: true,
    maxBatchSize: 1000,
    maxWaitMs: 10,
    onBatch: async (records) => {
      await storeTags(
        toMskEvent(records, { eventSourceArn: 'arn:aws:kafka:local:0:cluster/x/y', bootstrapServers: 'local' }),
        lambdaContext,
      );
      for (const r of records) values.push(r.value!);
    },
  });
  for (let waited = 0; values.length < sent.length && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  await subscription.stop();
  expect(values).toHaveLength(sent.length);
  expect(Math.max(...values.map((v) => v.length))).toBeLessThan(7 * 1024); // no padding travelled

  const res = (await queryProfile(
    httpEvent({
      path: `/user_profiles/${cookie}`,
      pathParameters: { cookie: JSON.parse(`"${cookie}"`) },
      rawQueryString: 'time_range=2022-03-01T00:00:00.000_2022-03-02T00:00:00.000&limit=1000',
    }),
    lambdaContext,
  )) as { statusCode: number; body: string };
  expect(res.statusCode).toBe(200);
  const answer = JSON.parse(res.body);
  expect(answer.views).toHaveLength(TAGS_KEPT_PER_ACTION);
  expect(answer.buys).toHaveLength(TAGS_KEPT_PER_ACTION);
  // The whole invocation result, as Lambda serializes it (the body escaped inside JSON).
  const envelope = Buffer.byteLength(JSON.stringify(res));
  expect(envelope).toBeLessThan(LAMBDA_RESPONSE_LIMIT_BYTES);
  console.log(
    `largest profile answer: ${(envelope / 1024 / 1024).toFixed(2)} MiB of ${LAMBDA_RESPONSE_LIMIT_BYTES / 1024 / 1024} MiB`,
  );
}, 60_000);
