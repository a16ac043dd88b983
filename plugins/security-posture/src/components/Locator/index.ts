export { BreakableText, breakableParts, Locator } from './Locator';
