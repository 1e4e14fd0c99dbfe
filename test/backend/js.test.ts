import { describeConformance } from './conformance.js';

// The js reference itself must meet the independent numpy/torch fixtures (its random cases then compare js with js).
describeConformance('js', { seeds: [1] });
