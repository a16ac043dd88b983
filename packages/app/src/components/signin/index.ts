export { DemoSignInPage, forgetChoiceOnSignOut } from './DemoSignInPage';
export { DEMO_USERS, DEMO_USER_STORAGE_KEY } from './demoUsers';
