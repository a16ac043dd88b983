export { OverviewView } from './OverviewView';
export { CategoryCards } from './CategoryCards';
export { ScoreTrendChart } from './ScoreTrendChart';
export { SeverityDistributionChart } from './SeverityDistributionChart';
