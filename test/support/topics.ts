import { manifest } from '../../lambdas/manifest';
import { deadLetterTopic } from '../../lambdas/platform/declarations';
import { platform } from '../../lambdas/platform/wiring';
import { appEventsTopic, userTagsTopic } from '../../lambdas/tracking/topics';

/** The manifest's topic names, for tests that publish or read records. */
export const Topics = {
  userTags: userTagsTopic.name,
  appEvents: appEventsTopic.name,
  deadLetters: deadLetterTopic.name,
} as const;

/** Gives the embedded platform the manifest's topics, as `npm start` does, for tests that call handlers directly. */
export function configureEmbeddedPlatform(): void {
  platform.configureEmbedded({ topics: manifest.topics });
}
