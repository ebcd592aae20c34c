// The dashboard bench's plan check (bench/dashboard.ts): record the SQL one real API request sends
// (every statement node-postgres runs while recording), then EXPLAIN (ANALYZE) each SELECT once with
// the same parameters and list the tables any plan reads by a sequential scan. A Seq Scan over a
// growing table is the "no unbounded reads" rule broken (STYLE §8, issue 17 item 6).
import pg from 'pg';

export interface Statement {
  text: string;
  values: unknown[];
}

export interface PlanReport {
  label: string;
  text: string;
  executionMs: number;
  /** relations a Seq Scan node reads, with the rows it produced */
  seqScans: Array<{ relation: string; rows: number }>;
  /** the plan's node types, top down, for the log */
  nodes: string[];
}

let recording: Statement[] | null = null;
type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown;
const original = pg.Client.prototype.query as unknown as QueryFn;
(pg.Client.prototype as unknown as { query: QueryFn }).query = function (this: pg.Client, ...args) {
  if (recording) {
    const [first, second] = args;
    if (typeof first === 'string')
      recording.push({ text: first, values: Array.isArray(second) ? second : [] });
    else if (first && typeof first === 'object' && 'text' in first) {
      const config = first as { text: string; values?: unknown[] };
      recording.push({ text: config.text, values: config.values ?? (Array.isArray(second) ? second : []) });
    }
  }
  return original.apply(this, args);
};

/** The statements `action` sends through node-postgres (the server's pool included). */
export async function recordStatements(action: () => Promise<void>): Promise<Statement[]> {
  recording = [];
  try {
    await action();
    return recording;
  } finally {
    recording = null;
  }
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

function walk(node: PlanNode, visit: (node: PlanNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

/** EXPLAIN (ANALYZE) every SELECT among `statements` once, on `client` (its own connection). */
export async function explainAll(
  client: pg.Client,
  label: string,
  statements: Statement[],
): Promise<PlanReport[]> {
  const reports: PlanReport[] = [];
  for (const s of statements) {
    if (!/^\s*(select|with)\b/i.test(s.text)) continue;
    const result = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${s.text}`, s.values);
    const [plan] = result.rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode; 'Execution Time': number }>;
    const seqScans: PlanReport['seqScans'] = [];
    const nodes: string[] = [];
    walk(plan!.Plan, (node) => {
      nodes.push(
        node['Relation Name'] ? `${node['Node Type']} on ${node['Relation Name']}` : node['Node Type'],
      );
      if (node['Node Type'] === 'Seq Scan' && node['Relation Name'])
        seqScans.push({
          relation: node['Relation Name'],
          rows: (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1),
        });
    });
    reports.push({ label, text: s.text, executionMs: plan!['Execution Time'], seqScans, nodes });
  }
  return reports;
}
