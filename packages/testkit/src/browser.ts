import { chromium, type Browser } from 'playwright-core';

/**
 * A headless Chromium for browser tests: Debian's `chromium` package (or CHROMIUM_PATH), never a
 * downloaded browser. `--no-sandbox` because CI runs as root in a container.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
}
