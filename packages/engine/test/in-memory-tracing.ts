// The span tests' OpenTelemetry setup: an in-memory exporter behind a tracer provider, an
// async-hooks context manager (so spans are active in activity code), and the W3C propagator;
// all registered before the file's tests and taken down after them.

import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/**
 * Sets up tracing for the calling test file. `registerProvider: false` leaves the tracer provider
 * out until the test calls `register()` (the engine must then trace only what starts after).
 * The exporter is emptied before each test.
 */
export function useInMemoryTracing(options: { readonly registerProvider?: boolean } = {}) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager();
  const register = () => trace.setGlobalTracerProvider(provider);
  beforeAll(() => {
    contextManager.enable();
    context.setGlobalContextManager(contextManager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    if (options.registerProvider !== false) register();
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  beforeEach(() => exporter.reset());
  return { exporter, register };
}
