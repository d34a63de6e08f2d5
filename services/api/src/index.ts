export { buildApi, type ApiDeps } from './app.ts';
export { apiEnv } from './config.ts';
