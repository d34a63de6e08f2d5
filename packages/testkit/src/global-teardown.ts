export default async function globalTeardown(): Promise<void> {
  const stop = (globalThis as { __sbInfraStop?: () => Promise<void> }).__sbInfraStop;
  if (stop) await stop();
}
