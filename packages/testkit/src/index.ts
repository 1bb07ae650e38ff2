export * from './arbitraries.js';
export * from './conformance.js';
