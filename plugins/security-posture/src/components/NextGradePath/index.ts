export { NextGradePath, pathHeadline } from './NextGradePath';
