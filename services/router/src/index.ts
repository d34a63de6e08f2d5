export * from './router.ts';
export { routerEnv } from './config.ts';
