import { describeRouterState } from '../test-support/state-suite.js';
import { createMemoryState } from './memory-state.js';

describeRouterState('memory', createMemoryState);
