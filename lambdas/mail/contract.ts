/**
 * What other capabilities may use of mail (the only module of this folder they import): ask for
 * a mail, read what became of it, and the topics that carry both.
 */
export type { MailOutcome, MailRef, MailRequest } from './domain/mail-request';
export { mailOutcomeSchema, requestMail } from './domain/mail-request';
export { mailOutcomesTopic, mailRequestsTopic } from './topics';
