/** The users of the demo catalog that the sign-in page offers. */
export const DEMO_USERS = [
  {
    name: 'alice',
    title: 'Alice Platform',
    description: 'platform team',
  },
  {
    name: 'sam',
    title: 'Sam Owner',
    description: 'owns payments-checkout services',
  },
  {
    name: 'dana',
    title: 'Dana Developer',
    description: 'owns nothing',
  },
] as const;

export type DemoUserName = (typeof DEMO_USERS)[number]['name'];

/** What the person chose on the sign-in page: a demo user or the guest. */
export type DemoSignInChoice = DemoUserName | 'guest';

/** localStorage key remembering the choice, so a reload stays signed in. */
export const DEMO_USER_STORAGE_KEY = 'security-posture-demo-user';

function isChoice(value: unknown): value is DemoSignInChoice {
  return value === 'guest' || DEMO_USERS.some(user => user.name === value);
}

export function readStoredChoice(): DemoSignInChoice | undefined {
  try {
    const value = window.localStorage.getItem(DEMO_USER_STORAGE_KEY);
    return isChoice(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function storeChoice(choice: DemoSignInChoice): void {
  try {
    window.localStorage.setItem(DEMO_USER_STORAGE_KEY, choice);
  } catch {
    // Private mode without storage: the choice lasts until the next reload.
  }
}

export function clearStoredChoice(): void {
  try {
    window.localStorage.removeItem(DEMO_USER_STORAGE_KEY);
  } catch {
    // nothing stored
  }
}
