/** How a blob is named and typed over HTTP, for every service that takes or serves files. */

/**
 * `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266 / RFC 8187): the quoted ASCII
 * fallback for old clients, the encoded name for everyone else.
 */
export function contentDisposition(fileName: string | undefined): string {
  if (!fileName) return 'attachment';
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** A client's file name as a plain name: no directories, no control characters, at most 255 characters. */
export function safeFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return [...base].slice(0, 255).join('') || 'file';
}

/** `type/subtype` without parameters, or application/octet-stream when the client sent nonsense. */
export function safeContentType(type: string | undefined): string {
  const bare = (type ?? '').split(';')[0]!.trim().toLowerCase();
  return /^[a-z0-9][\w.+-]*\/[a-z0-9][\w.+-]*$/.test(bare) ? bare : 'application/octet-stream';
}
