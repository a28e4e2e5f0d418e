/**
 * What other capabilities may use of happenings (the only module of this folder they import):
 * the change records every create, update and delete publishes, and the topic that carries them
 * (keyed by happening id; see domain/change.ts for what a record holds and its order rules).
 */
export type { HappeningChange } from './domain/change';
export { happeningChangeSchema } from './domain/change';
export { happeningChangesTopic } from './topics';
