export { GradeDragList, dragLocation } from './GradeDragList';
