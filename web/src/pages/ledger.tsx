// Ledger explorer: the latest signed checkpoint and the log's public key; an entry looked up by
// index with its inclusion proof in the checkpoint's tree; the consistency of an older checkpoint
// (the first this browser saw in the session, or one pasted) with the latest. Every proof is
// checked here with the funder kit's own code (verify.ts, ADR 0099), never taken on trust.
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Descriptions, Form, Input, InputNumber, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { api, publicText } from '../api.ts';
import { QueryState } from '../components/query-state.tsx';
import { VerdictTag, verdictOf, type Verdict } from '../components/verdict.tsx';
import type { ConsistencyProof, InclusionProof, LedgerEntryAnswer } from '../types.ts';

const SEEN_CHECKPOINT_ITEM = 'shoujia.firstCheckpointSeen';

/** origin, size and root hash: the first three lines of a C2SP checkpoint (the kit checks the rest). */
export function checkpointHead(text: string): { origin: string; treeSize: number; rootHash: string } | null {
  const [origin, size, rootHash] = text.split('\n');
  if (!origin || !size || !rootHash || !/^(0|[1-9][0-9]{0,15})$/.test(size)) return null;
  return { origin, treeSize: Number(size), rootHash };
}

interface Log {
  checkpoint: string;
  vkey: string;
  treeSize: number;
}

async function fetchLog(): Promise<Log> {
  const [checkpoint, vkey] = await Promise.all([
    api<string>('/v1/ledger/checkpoint', { text: true }),
    publicText('/v1/ledger/public-key'),
  ]);
  if (!sessionStorage.getItem(SEEN_CHECKPOINT_ITEM)) sessionStorage.setItem(SEEN_CHECKPOINT_ITEM, checkpoint);
  return { checkpoint, vkey, treeSize: checkpointHead(checkpoint)?.treeSize ?? 0 };
}

export default function LedgerPage() {
  const { t } = useTranslation();
  const log = useQuery({ queryKey: ['ledger-log'], queryFn: fetchLog });
  return (
    <section aria-labelledby="ledger-title">
      <Typography.Title level={1} id="ledger-title" className="page-title">
        {t('nav.ledger')}
      </Typography.Title>
      <QueryState query={log}>
        {(d) => (
          <>
            <Checkpoint log={d} />
            <EntryLookup log={d} />
            <Consistency log={d} />
          </>
        )}
      </QueryState>
    </section>
  );
}

function Checkpoint({ log }: { log: Log }) {
  const { t } = useTranslation();
  const head = checkpointHead(log.checkpoint);
  return (
    <Card title={t('ledger.checkpoint')}>
      <Descriptions
        column={1}
        items={[
          { key: 'origin', label: t('ledger.origin'), children: head?.origin ?? '—' },
          { key: 'size', label: t('ledger.treeSize'), children: head?.treeSize ?? '—' },
          { key: 'root', label: t('ledger.rootHash'), children: <code>{head?.rootHash ?? '—'}</code> },
          { key: 'key', label: t('ledger.publicKey'), children: <code>{log.vkey.trim()}</code> },
        ]}
      />
      <pre className="code" title={t('ledger.checkpointText')}>
        {log.checkpoint}
      </pre>
    </Card>
  );
}

interface Looked {
  entry: LedgerEntryAnswer;
  verdict: Verdict;
}

async function lookUp(log: Log, index: number): Promise<Looked> {
  const [entry, proof, kit] = await Promise.all([
    api<LedgerEntryAnswer>(`/v1/ledger/entries/${index}`),
    api<InclusionProof>(`/v1/ledger/proofs/inclusion?index=${index}&treeSize=${log.treeSize}`),
    import('../verify.ts'),
  ]);
  return {
    entry,
    verdict: verdictOf(kit.verifyInclusionKit({ checkpoint: log.checkpoint, vkey: log.vkey, proof, entry })),
  };
}

function EntryLookup({ log }: { log: Log }) {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const fromUrl = params.get('index');
  const initial = fromUrl !== null && /^\d{1,15}$/.test(fromUrl) ? Number(fromUrl) : null;
  const [index, setIndex] = useState<number | null>(initial);
  useEffect(() => setIndex(initial), [initial]);
  const query = useQuery({
    queryKey: ['ledger-entry', index, log.treeSize],
    enabled: index !== null && index < log.treeSize,
    queryFn: () => lookUp(log, index!),
  });
  return (
    <Card title={t('ledger.lookup')} style={{ marginTop: 16 }}>
      {log.treeSize === 0 ? (
        <Typography.Paragraph>{t('ledger.empty')}</Typography.Paragraph>
      ) : (
        <Form
          layout="inline"
          initialValues={{ index: initial ?? 0 }}
          onFinish={({ index: chosen }: { index: number }) => setParams({ index: String(chosen) })}
        >
          <Form.Item
            label={t('ledger.index')}
            name="index"
            rules={[{ required: true, message: t('ledger.indexRequired') }]}
          >
            <InputNumber min={0} max={log.treeSize - 1} precision={0} />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {t('ledger.verifyInclusion')}
          </Button>
        </Form>
      )}
      {index !== null && index >= log.treeSize && log.treeSize > 0 && (
        <Typography.Paragraph type="danger">
          {t('ledger.indexTooLarge', { size: log.treeSize })}
        </Typography.Paragraph>
      )}
      {index !== null && index < log.treeSize && (
        <div style={{ marginTop: 16 }} data-testid="inclusion-result">
          <QueryState query={query}>
            {(d) => (
              <>
                <Typography.Paragraph>
                  {t('ledger.inclusionOf', { index: d.entry.index, size: log.treeSize })}{' '}
                  <VerdictTag verdict={d.verdict} />
                </Typography.Paragraph>
                <pre className="code" title={t('ledger.entryBody')}>
                  {JSON.stringify(d.entry.entry, null, 2)}
                </pre>
              </>
            )}
          </QueryState>
        </div>
      )}
    </Card>
  );
}

async function checkConsistency(log: Log, old: string): Promise<{ from: number; verdict: Verdict }> {
  const from = checkpointHead(old)?.treeSize;
  const kit = await import('../verify.ts');
  if (from === undefined)
    return {
      from: 0,
      verdict: verdictOf(kit.verifyConsistencyKit({ old, new: log.checkpoint, proof: null, vkey: log.vkey })),
    };
  const proof =
    from <= log.treeSize
      ? await api<ConsistencyProof>(`/v1/ledger/proofs/consistency?from=${from}&to=${log.treeSize}`)
      : { from, to: log.treeSize, proof: [] };
  return {
    from,
    verdict: verdictOf(kit.verifyConsistencyKit({ old, new: log.checkpoint, proof, vkey: log.vkey })),
  };
}

function Consistency({ log }: { log: Log }) {
  const { t } = useTranslation();
  const [old, setOld] = useState<string | null>(null);
  const query = useQuery({
    queryKey: ['ledger-consistency', old, log.checkpoint],
    enabled: old !== null,
    queryFn: () => checkConsistency(log, old!),
  });
  return (
    <Card title={t('ledger.consistency')} style={{ marginTop: 16 }}>
      <Typography.Paragraph type="secondary">{t('ledger.consistencyIntro')}</Typography.Paragraph>
      <Form
        layout="vertical"
        initialValues={{ old: sessionStorage.getItem(SEEN_CHECKPOINT_ITEM) ?? '' }}
        onFinish={({ old: text }: { old: string }) => setOld(text.endsWith('\n') ? text : `${text}\n`)}
      >
        <Form.Item
          label={t('ledger.oldCheckpoint')}
          name="old"
          rules={[{ required: true, message: t('ledger.oldRequired') }]}
        >
          <Input.TextArea rows={5} spellCheck={false} />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('ledger.verifyConsistency')}
        </Button>
      </Form>
      {old !== null && (
        <div style={{ marginTop: 16 }} data-testid="consistency-result">
          <QueryState query={query}>
            {(d) => (
              <Typography.Paragraph>
                {t('ledger.consistencyOf', { from: d.from, to: log.treeSize })}{' '}
                <VerdictTag verdict={d.verdict} />
              </Typography.Paragraph>
            )}
          </QueryState>
        </div>
      )}
    </Card>
  );
}
