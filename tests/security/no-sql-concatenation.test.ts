import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * What may be interpolated into SQL text passed to `.query(`: each entry is the interpolated
 * expression as written (whitespace collapsed) and why it cannot carry user input. Values always
 * travel as `$n` parameters; these are column lists, fixed fragments, and `$n` placeholders.
 */
const ALLOWED: Record<string, string> = {
  SELECT_AGENT: 'constant select list of packages/db/src/agents.ts',
  SELECT_CONTACT: 'constant select list of packages/db/src/contacts.ts',
  CONTACT_COLUMNS: 'constant column list of packages/db/src/contacts.ts',
  SELECT_MERGE: 'constant select list of packages/db/src/contacts.ts',
  SELECT_CONVERSATION: 'constant select list of packages/db/src/conversations.ts',
  "SELECT_CONVERSATION.replace( ' as contact', ` as contact, to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') as position`, )":
    'the constant select list with a constant column added',
  SELECT_MESSAGE: 'constant select list of packages/db/src/messages.ts',
  ANNOUNCE_STATUS: 'constant outbox fragment of packages/db/src/delivery.ts ($1/$2 placeholders)',
  COUNTED_EVENTS: 'constant type predicate of packages/db/src/events.ts (the routing counters)',
  EVENT_LABEL: 'constant label expression of packages/db/src/events.ts (the routing counters)',
  SELECT_QUEUE: 'constant select list of packages/db/src/queues.ts',
  SELECT_TOKEN: 'constant select list of packages/db/src/tokens.ts',
  SELECT_UPLOAD: 'constant select list of packages/db/src/uploads.ts',
  LAST_USED_RESOLUTION: 'a constant interval literal (tokens.ts)',
  COLUMNS: 'constant column list of packages/db/src/inboxes.ts',
  SUBSCRIPTION: 'constant select list of packages/db/src/webhooks.ts',
  DELIVERY: 'constant select list of packages/db/src/webhooks.ts',
  HELD: 'constant fragment of packages/routing/src/offline-policy.ts',
  TRUTH: 'constant query text of packages/routing/src/reconcile.ts',
  EITHER: 'constant tsquery expression over $1 (conversation-tools.ts)',
  EN: 'constant tsquery expression over $1 (conversation-tools.ts)',
  RU: 'constant tsquery expression over $1 (conversation-tools.ts)',
  visible: 'conversationVisibility(): fixed fragments, the viewer id goes into params',
  after: 'a fixed keyset fragment with $n placeholders (conversation-tools.ts)',
  limit: 'a `$n` placeholder (conversation-tools.ts)',
  options: 'a `$n` placeholder (conversation-tools.ts)',
  perConversation: 'a `$n` placeholder (conversation-tools.ts)',
  'conversationVisibility(viewer, params)': 'fixed fragments; the viewer id goes into params',
  "where.join(' and ')": 'filters pushed as fixed fragments with $n placeholders; values go into params',
  'params.length': 'a placeholder number',
  "lock ? ' for update' : ''": 'a constant locking clause',
  'COLUMN[input.kind]': 'a column from a constant map keyed by a z.enum value (auto-reply.ts)',
  'pg.escapeIdentifier(name)': 'identifier escaped by node-pg (migrate.ts)',
  'pg.escapeIdentifier(options.channel)': 'identifier escaped by node-pg (LISTEN channel)',
  't.name': 'crud-sql.ts: table name from a constant Table definition, never from a request',
  table: 'crud-sql.ts: table name from a constant Table definition',
  'selectList(t)': 'crud-sql.ts: columns from a constant Table definition',
  "t.orderBy ?? 'created_at, id'": 'crud-sql.ts: order from a constant Table definition',
  "options.lock ? ' for no key update' : ''": 'a constant locking clause',
  "entries.map(([f]) => t.columns[f]).join(', ')": 'crud-sql.ts: columns of a constant Table, fields filtered to its keys',
  "entries.map((_, i) => `$${i + 1}`).join(', ')": 'crud-sql.ts: $n placeholders',
  "entries.map(([f], i) => `${t.columns[f]} = $${i + 2}`).join(', ')": 'crud-sql.ts: columns of a constant Table = $n placeholders',
  // test infrastructure: database names the testkit generates (random hex) or reads from its own env
  name: 'testkit: sb_test_<random hex> database name',
  template: 'testkit: the template database name from the test environment',
  building: 'testkit: <template>_building',
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'fixtures') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && path.includes(`${join('/', 'src', '/')}`)) out.push(path);
  }
  return out;
}

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Every `.query(` whose SQL text is built from something not allow-listed, as `file:line: why`. */
function findings(file: string, text = readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const at = (node: ts.Node) => `${relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const check = (sql: ts.Expression): void => {
    if (ts.isParenthesizedExpression(sql)) return check(sql.expression);
    if (ts.isConditionalExpression(sql)) return [sql.whenTrue, sql.whenFalse].forEach(check);
    if (ts.isBinaryExpression(sql) && sql.operatorToken.kind === ts.SyntaxKind.PlusToken) out.push(`${at(sql)}: SQL built with +`);
    if (ts.isTemplateExpression(sql)) {
      for (const span of sql.templateSpans) {
        const text = collapse(span.expression.getText(source));
        if (!(text in ALLOWED)) out.push(`${at(span.expression)}: \${${text}} interpolated into SQL`);
      }
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'query' && node.arguments[0]) check(node.arguments[0]);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

describe('SQL text', () => {
  const files = ['packages', 'services'].flatMap((d) => sourceFiles(join(ROOT, d)));

  it('is never built by concatenation or interpolation of anything but vetted constant fragments', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((f) => findings(f))).toEqual([]);
  });

  it('catches a query built from a request value', () => {
    const probe = join(ROOT, 'probe.ts');
    const source = `await pool.query(\`select * from t where name = '\${req.query.name}'\`);\nawait pool.query('select * from ' + table);\nawait pool.query(\`select \${SELECT_MESSAGE} from m where id = $1\`, [id]);\n`;
    const found = findings(probe, source);
    expect(found).toEqual(['probe.ts:1: ${req.query.name} interpolated into SQL', 'probe.ts:2: SQL built with +']);
  });
});
