import { databaseEnv, httpEnv, logEnv, redisEnv, secretKeyEnv } from '@switchboard/config';

export const ingressWebchatEnv = {
  ...databaseEnv,
  ...redisEnv,
  ...logEnv,
  ...secretKeyEnv,
  ...httpEnv(3002),
};
