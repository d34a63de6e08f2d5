import { createHash } from 'node:crypto';
import { escapeHtml } from '@switchboard/channels';
import { SCORE_RANGES, type SurveyKind } from '@switchboard/contracts';

const STYLE = `body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222}
.scale{display:flex;flex-wrap:wrap;gap:.3rem;margin:1rem 0}
.scale a,.scale strong{min-width:2.2rem;padding:.5rem;border:1px solid #888;border-radius:.3rem;text-align:center;text-decoration:none;color:#222}
.scale strong{background:#222;color:#fff}
textarea{width:100%;min-height:6rem;box-sizing:border-box}
button{margin-top:1rem;padding:.6rem 1.4rem;font-size:1rem}`;

/**
 * Nothing but this page's own stylesheet: no scripts, no images, no frames, forms only back to
 * this host. The style is allowed by its hash, so no inline script could ever run.
 */
export const SURVEY_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

/** The choice page a link opens: the scale with the linked score chosen, and the button that records it. */
export function choicePage(input: {
  question: string;
  kind: SurveyKind;
  score: number;
  /** The (relative) link of another score on this scale, so the customer can change their mind. */
  linkFor(score: number): string;
  askComment: boolean;
}): string {
  const { min, max } = SCORE_RANGES[input.kind];
  const cells = Array.from({ length: max - min + 1 }, (_, i) => min + i).map((score) =>
    score === input.score ? `<strong aria-current="true">${score}</strong>` : `<a href="${escapeHtml(input.linkFor(score))}">${score}</a>`,
  );
  const comment = input.askComment
    ? `<p><label for="comment">Anything you would like to add? (optional)</label></p><textarea id="comment" name="comment" maxlength="2000"></textarea>`
    : '';
  return page(
    'Your rating',
    `<p>${escapeHtml(input.question)}</p>
<div class="scale">${cells.join('')}</div>
<form method="post">${comment}<button type="submit">Send my rating: ${input.score}</button></form>`,
  );
}

export function thanksPage(): string {
  return page('Thank you!', '<p>Your rating is recorded. You can close this page.</p>');
}

/** A page saying why nothing was recorded. */
export function problemPage(title: string, detail: string): string {
  return page(title, `<p>${escapeHtml(detail)}</p>`);
}
