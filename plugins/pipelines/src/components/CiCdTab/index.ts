export { CiCdTab } from './CiCdTab';
