/**
 * The shape shared by Eventline's deploy-time custom resources (lib/schema-stack.ts). They run
 * behind the CDK Provider framework, which turns a returned value into SUCCESS and a thrown error
 * into FAILED (with the message shown in the CloudFormation events).
 *
 * Every resource here converges state ("make the topics / schema / indices match"), so Create and
 * Update do the same thing, and Delete does nothing: removing the stack must not drop topics,
 * tables or indices that hold data (the stores themselves decide their fate on deletion).
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

export interface CustomResourceResult {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

export type ConvergeFunction = (properties: Record<string, unknown>) => Promise<Record<string, string>>;

/** A Provider-framework `onEvent` handler around one idempotent `converge` step. */
export function convergingResource(physicalResourceId: string, converge: ConvergeFunction) {
  return async (event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> => {
    if (event.RequestType === 'Delete') {
      console.log(JSON.stringify({ message: 'delete: nothing to do', physicalResourceId: event.PhysicalResourceId }));
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    const started = Date.now();
    const data = await converge(event.ResourceProperties);
    console.log(JSON.stringify({ message: `${event.RequestType.toLowerCase()}: converged`, ms: Date.now() - started, ...data }));
    return { PhysicalResourceId: physicalResourceId, Data: data };
  };
}

/** Custom resource properties arrive as strings; structured values are sent as JSON. */
export function jsonProperty<T>(properties: Record<string, unknown>, name: string): T {
  const value = properties[name];
  if (typeof value !== 'string') throw new Error(`custom resource property ${name} must be a JSON string`);
  return JSON.parse(value) as T;
}
