export { LatestRunsCard } from './LatestRunsCard';
