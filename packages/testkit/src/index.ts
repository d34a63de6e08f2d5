export * from './infra.ts';
export * from './database.ts';
export * from './redis.ts';
export * from './wait.ts';
export * from './seed.ts';
export * from './fake-telegram.ts';
export * from './dovecot.ts';
export * from './fixtures.ts';
