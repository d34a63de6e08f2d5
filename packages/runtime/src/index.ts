export * from './health.ts';
export * from './shutdown.ts';
export * from './periodic.ts';
export * from './metrics.ts';
export * from './http-metrics.ts';
export * from './support-metrics.ts';
