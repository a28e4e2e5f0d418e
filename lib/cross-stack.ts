import { CrossStackReferences, ReferenceStrength } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { EventlineStacks } from './eventline-app';

/**
 * How each cross-stack reference is made, decided per producer (docs/ARCHITECTURE.md, "Deploy
 * hardening (issue 9)", has the table). The app default is weak (`Fn::GetStackOutput`, cdk.json),
 * read only when the consuming stack is created or updated: a replaced producer would leave the
 * consumer pointing at the old value until something else changed its template.
 *
 * - Strong (CloudFormation export/import): everything the Network and Data stacks hand out, and the
 *   HTTP API's id. These are the placements and endpoints functions run against; replacing one
 *   under its consumers must fail the producer's update loudly, not strand them.
 * - Weak, kept: functions (their ARNs and roles) and queues handed to the trigger and observability
 *   stacks. Each has a static physical name, so it is never replaced without a rename, and a
 *   function removed from the manifest must not deadlock on an export still imported by a trigger
 *   stack. test/infra/deploy-hardening.test.ts fails on any weak reference to anything else.
 */
export function applyReferenceStrengths(stacks: EventlineStacks): void {
  const { network, data, api } = stacks;
  const strong: IConstruct[] = [
    network.vpc,
    ...network.vpc.publicSubnets,
    ...network.vpc.privateSubnets,
    ...network.vpc.isolatedSubnets,
    network.functionsSecurityGroup,
    data.kafka.cluster,
    data.database.proxy,
    data.database.adminSecret,
    data.database.appSecret,
    data.search.domain,
    data.cache.cache,
    data.cache.secret,
    data.mail.identity,
    data.users.pool,
    data.users.client,
    api.api,
  ];
  for (const producer of strong) CrossStackReferences.of(producer).produce(ReferenceStrength.STRONG);
}
