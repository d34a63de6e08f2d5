export * from './dimensions.ts';
export * from './request.ts';
export * from './figures.ts';
export * from './csv.ts';
export * from './time-zone.ts';
export * from './assemble.ts';
