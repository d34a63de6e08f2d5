import type { FastifyInstance } from 'fastify';
import type { WebchatInboxes } from './inboxes.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function page(snippet: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Inc. — demo shop</title>
<style>
  body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: #222; background: #fafafa; }
  header { background: #1d2939; color: #fff; padding: 18px 32px; font-size: 20px; font-weight: 600; }
  main { max-width: 760px; margin: 32px auto; padding: 0 24px; }
  .products { display: grid; grid-template-columns: repeat(3, 1fr); gap: 16px; margin: 24px 0; }
  .product { background: #fff; border: 1px solid #e4e7ec; border-radius: 10px; padding: 16px; }
  .product b { display: block; }
  pre { background: #fff; border: 1px solid #e4e7ec; border-radius: 8px; padding: 12px; overflow-x: auto; font-size: 13px; }
</style>
</head>
<body>
<header>Acme Inc. — demo shop</header>
<main>
  <p>This page is a stand-in for your website. The chat button in the corner is the Switchboard widget,
  embedded with one line:</p>
  <pre>${escapeHtml(snippet)}</pre>
  <div class="products">
    <div class="product"><b>Anvil</b>€ 49.00</div>
    <div class="product"><b>Rocket skates</b>€ 129.00</div>
    <div class="product"><b>Giant magnet</b>€ 79.00</div>
  </div>
</main>
${snippet}
</body>
</html>
`;
}

/**
 * `GET /demo/:inboxId`: a pretend shop with the widget embedded by the real snippet, for
 * `pnpm start` and the browser tests. Registered only when the app is built with `demo: true`.
 */
export function registerDemoRoute(app: FastifyInstance, inboxes: WebchatInboxes): void {
  app.get<{ Params: { inboxId: string } }>('/demo/:inboxId', async (req, reply) => {
    const inbox = await inboxes.require(req.params.inboxId);
    // the Host header goes into the page: only a plain host[:port] is used, else the snippet stays relative
    const origin = /^[A-Za-z0-9.:[\]-]+$/.test(req.host) ? `${req.protocol}://${req.host}` : '';
    const snippet = `<script src="${origin}/widget.js" data-inbox="${inbox.id}" data-title="Acme support" async></script>`;
    return reply.type('text/html; charset=utf-8').send(page(snippet));
  });
}
