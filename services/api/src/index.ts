export { buildApi, type ApiDeps } from './app.ts';
export { apiEnv } from './config.ts';
export { SURVEY_PAGE_LIMIT_PER_MIN } from './routes/survey-page.ts';
