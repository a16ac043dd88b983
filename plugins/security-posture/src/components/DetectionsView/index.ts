export { DetectionsView } from './DetectionsView';
