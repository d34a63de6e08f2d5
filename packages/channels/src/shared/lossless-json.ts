/** The third reviver argument (Node >= 21): the literal text of a primitive value. */
interface ReviverContext {
  source?: string;
}

const INTEGER_LITERAL = /^-?\d+$/;

/**
 * `JSON.parse`, except that integer literals beyond ±(2^53 - 1) come back as their exact
 * decimal string. Viber's message_token, WeChat's MsgId and some Telegram ids exceed a JS
 * number, and plain `JSON.parse` rounds them silently (4912661846655238145 → ...238000).
 * Throws SyntaxError like `JSON.parse`.
 */
export function parseJsonLossless(text: string): unknown {
  return JSON.parse(text, (_key: string, value: unknown, context?: ReviverContext) => {
    if (typeof value !== 'number' || Number.isSafeInteger(value)) return value;
    const source = context?.source;
    return source !== undefined && INTEGER_LITERAL.test(source) ? source : value;
  });
}
