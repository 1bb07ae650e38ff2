export * from './arbitraries.js';
export * from './conformance.js';
export * from './test-engine.js';
export * from './process-harness.js';
