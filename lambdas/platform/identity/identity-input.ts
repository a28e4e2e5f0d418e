/**
 * The user pool's rules for what people type, checked by both identity adapters before anything
 * else, so the embedded pool, cognito-local (which checks no password policy at all) and Cognito
 * refuse the same input with the same field problems. The CDK user pool takes its password
 * policy from `PASSWORD_POLICY`, so the check here and Cognito's own cannot drift.
 */
import { type FieldProblem, InvalidInput, Unauthenticated } from '../errors';

/**
 * The pool's password policy (Cognito `PasswordPolicy`): what cdk-nag's AwsSolutions-COG1 asks of
 * a user pool — at least 8 characters with upper case, lower case, a digit and a symbol.
 */
export const PASSWORD_POLICY = {
  minimumLength: 8,
  requireUppercase: true,
  requireLowercase: true,
  requireDigits: true,
  requireSymbols: true,
} as const;

/** What Cognito counts as a symbol (its documented list; a space inside the password counts too). */
const SYMBOL = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`+=\- ]/;

/** Cognito's limits: usernames up to 128 characters, passwords up to 256. */
export const USERNAME_MAX = 128;
export const PASSWORD_MAX = 256;
const EMAIL_MAX = 254;

/** The groups every pool has (the CDK pool and cognito-local's create them; the embedded pool starts with them). */
export const POOL_GROUPS = ['admin'] as const;

/** Access tokens live an hour (the app client's access-token validity). */
export const ACCESS_TOKEN_SECONDS = 3600;

/**
 * One message for an unknown user and a wrong password alike (Cognito's own wording), so a
 * sign-in never tells whether a username exists.
 */
export const SIGN_IN_FAILED = 'Incorrect username or password.';
export const REFRESH_FAILED = 'The refresh token is not valid.';

export function signInFailed(): Unauthenticated {
  return new Unauthenticated(SIGN_IN_FAILED);
}

// Cognito's username pattern: letters, marks, symbols, numbers, punctuation; no whitespace.
const usernamePattern = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u;
// Deliberately loose (Cognito does the strict check): one @, no spaces, a dot in the domain.
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What the password lacks under the policy, in words; empty when it complies. Never echoes the password. */
export function passwordShortcomings(password: string): string[] {
  const missing: string[] = [];
  const length = [...password].length;
  if (length < PASSWORD_POLICY.minimumLength) missing.push(`at least ${PASSWORD_POLICY.minimumLength} characters`);
  if (length > PASSWORD_MAX) missing.push(`at most ${PASSWORD_MAX} characters`);
  if (PASSWORD_POLICY.requireUppercase && !/[A-Z]/.test(password)) missing.push('an uppercase letter');
  if (PASSWORD_POLICY.requireLowercase && !/[a-z]/.test(password)) missing.push('a lowercase letter');
  if (PASSWORD_POLICY.requireDigits && !/[0-9]/.test(password)) missing.push('a digit');
  if (PASSWORD_POLICY.requireSymbols && !SYMBOL.test(password.trim())) missing.push('a symbol such as - ! @ # or _');
  if (/^\s|\s$/.test(password)) missing.push('no space at the start or the end');
  return missing;
}

export function usernameProblem(username: string): string | undefined {
  if (username.length === 0) return 'a username is required';
  if ([...username].length > USERNAME_MAX) return `a username has at most ${USERNAME_MAX} characters`;
  if (!usernamePattern.test(username)) return 'a username has no spaces or control characters';
  return undefined;
}

export function emailProblem(email: string): string | undefined {
  if (email.length > EMAIL_MAX) return `an email address has at most ${EMAIL_MAX} characters`;
  if (!emailPattern.test(email)) return 'must be an email address';
  return undefined;
}

/** The field problem of a password the policy refuses (as Cognito's InvalidPasswordException is mapped). */
export function passwordProblem(missing: readonly string[]): FieldProblem {
  return { path: 'body.password', message: `the password needs ${missing.join(', ')}` };
}

/** Throws InvalidInput naming every field of a sign-up that can never succeed. */
export function assertValidSignUp(input: { username: string; email: string; password: string }): void {
  const problems: FieldProblem[] = [];
  const username = usernameProblem(input.username);
  if (username) problems.push({ path: 'body.username', message: username });
  const email = emailProblem(input.email);
  if (email) problems.push({ path: 'body.email', message: email });
  const missing = passwordShortcomings(input.password);
  if (missing.length > 0) problems.push(passwordProblem(missing));
  if (problems.length > 0) {
    throw new InvalidInput(`the sign-up is not valid: ${problems.map((p) => p.path).join(', ')}`, problems);
  }
}

export function assertValidPassword(password: string): void {
  const missing = passwordShortcomings(password);
  if (missing.length > 0) throw new InvalidInput('the password is not valid', [passwordProblem(missing)]);
}

export function assertValidEmail(email: string): void {
  const problem = emailProblem(email);
  if (problem) throw new InvalidInput(`the email is not valid: ${problem}`, [{ path: 'body.email', message: problem }]);
}
