export { Sweeper, type SweepFigures, type SweeperOptions } from './sweeper.js';
