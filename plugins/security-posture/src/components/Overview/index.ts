export { OverviewView } from './OverviewView';
export { CategoryCards } from './CategoryCards';
export { GradeDragList } from './GradeDragList';
export { ScoreTrendChart } from './ScoreTrendChart';
export { SeverityDistributionChart } from './SeverityDistributionChart';
