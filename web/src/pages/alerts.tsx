// Alerts and evidence: funders above `none`, newest change first (GET /v1/alerts); for one funder its
// evidence (GET /v1/funders/:id/evidence) and its evidence package, whose every exposure proof is
// checked here, in the browser, against the package's signed checkpoint and the log's public key
// with the funder kit's own verifyInclusionKit (ADR 0099). Each proof shows its own verdict.
import { useQuery } from '@tanstack/react-query';
import { Alert as Notice, Button, Card, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { api, publicText } from '../api.ts';
import { LevelTag } from '../components/level-tag.tsx';
import { QueryState } from '../components/query-state.tsx';
import { type Verdict, VerdictTag, verdictOf } from '../components/verdict.tsx';
import { formatInstant } from '../format.ts';
import { cursorOf, firstPage, hasPrevious, nextPage, previousPage } from '../paging.ts';
import type { Alert, DetectionLevel, Evidence, EvidencePackage } from '../types.ts';

export default function AlertsPage() {
  const { funderId } = useParams();
  return funderId ? <FunderEvidence funderId={funderId} /> : <AlertList />;
}

function AlertList() {
  const { t } = useTranslation();
  const [pages, setPages] = useState(firstPage);
  const cursor = cursorOf(pages);
  const query = useQuery({
    queryKey: ['alerts', cursor],
    queryFn: () =>
      api<{ alerts: Alert[]; next: string | null }>(
        `/v1/alerts?limit=50${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`,
      ),
    refetchInterval: 30_000,
  });
  return (
    <section aria-labelledby="alerts-title">
      <Typography.Title level={1} id="alerts-title" className="page-title">
        {t('nav.alerts')}
      </Typography.Title>
      <QueryState
        query={query}
        isEmpty={(d) => d.alerts.length === 0 && pages.page === 0}
        emptyText={t('alerts.none')}
      >
        {(d) => (
          <>
            <Table
              rowKey={(a) => `${a.funderId}-${a.changedAt}`}
              pagination={false}
              dataSource={d.alerts}
              columns={[
                {
                  title: t('alerts.funder'),
                  dataIndex: 'funderId',
                  render: (id: string) => (
                    <Link to={`/alerts/${encodeURIComponent(id)}`} data-alert-funder={id}>
                      {id}
                    </Link>
                  ),
                },
                {
                  title: t('alerts.level'),
                  dataIndex: 'level',
                  render: (l: DetectionLevel) => <LevelTag level={l} />,
                },
                { title: t('alerts.changedAt'), dataIndex: 'changedAt', render: formatInstant },
                {
                  title: t('alerts.change'),
                  key: 'change',
                  render: (_: unknown, a) => (
                    <Space size={4}>
                      <LevelTag level={a.change.from} />→<LevelTag level={a.change.level} />
                    </Space>
                  ),
                },
                {
                  title: t('alerts.reasons'),
                  key: 'reasons',
                  render: (_: unknown, a) => a.change.reasons.map((r) => r.text).join('；'),
                },
              ]}
            />
            <Space style={{ marginTop: 16 }}>
              <Button disabled={!hasPrevious(pages)} onClick={() => setPages(previousPage(pages))}>
                {t('paging.previous')}
              </Button>
              <Button disabled={d.next === null} onClick={() => setPages(nextPage(pages, d.next))}>
                {t('paging.next')}
              </Button>
            </Space>
          </>
        )}
      </QueryState>
    </section>
  );
}

function FunderEvidence({ funderId }: { funderId: string }) {
  const { t } = useTranslation();
  const id = encodeURIComponent(funderId);
  const evidence = useQuery({
    queryKey: ['evidence', funderId],
    queryFn: () =>
      api<{ level: DetectionLevel; evidence: Evidence[] }>(`/v1/funders/${id}/evidence?limit=100`),
  });
  return (
    <section aria-labelledby="evidence-title">
      <Typography.Title level={1} id="evidence-title" className="page-title">
        {t('evidence.title', { funderId })}
      </Typography.Title>
      <Link to="/alerts">{t('evidence.back')}</Link>
      <Card title={t('evidence.records')} style={{ marginTop: 16 }}>
        <QueryState query={evidence} isEmpty={(d) => d.evidence.length === 0} emptyText={t('evidence.none')}>
          {(d) => (
            <>
              <Typography.Paragraph>
                {t('evidence.level')} <LevelTag level={d.level} />
              </Typography.Paragraph>
              <Table
                rowKey="id"
                size="small"
                pagination={{ pageSize: 20, hideOnSinglePage: true }}
                dataSource={d.evidence}
                columns={[
                  {
                    title: t('evidence.kind'),
                    dataIndex: 'kind',
                    render: (k: string) => t(`evidenceKind.${k}`, k),
                  },
                  { title: t('evidence.occurredAt'), dataIndex: 'occurredAt', render: formatInstant },
                  { title: t('evidence.proves'), dataIndex: 'proves' },
                  { title: t('evidence.source'), dataIndex: 'source' },
                  { title: t('evidence.status'), dataIndex: 'status' },
                ]}
              />
            </>
          )}
        </QueryState>
      </Card>
      <PackageProofs funderId={funderId} />
    </section>
  );
}

interface CheckedPackage {
  pkg: EvidencePackage;
  verdicts: Verdict[];
}

/** Fetch the package and the public key, then check each exposure's proof with the kit's code. */
async function checkPackage(funderId: string): Promise<CheckedPackage> {
  const [pkg, vkey, kit] = await Promise.all([
    api<EvidencePackage>(`/v1/funders/${encodeURIComponent(funderId)}/evidence-package`),
    publicText('/v1/ledger/public-key'),
    import('../verify.ts'),
  ]);
  const verdicts = pkg.exposures.map((exposure) =>
    verdictOf(
      kit.verifyInclusionKit({
        checkpoint: pkg.checkpoint,
        vkey,
        proof: {
          index: exposure.index,
          treeSize: pkg.treeSize,
          leafHash: exposure.leafHash,
          proof: exposure.proof,
        },
        entry: { index: exposure.index, leafHash: exposure.leafHash, entry: exposure.entry },
      }),
    ),
  );
  return { pkg, verdicts };
}

function PackageProofs({ funderId }: { funderId: string }) {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: ['package', funderId], queryFn: () => checkPackage(funderId) });
  return (
    <Card title={t('evidence.package')} style={{ marginTop: 16 }}>
      <Typography.Paragraph type="secondary">{t('evidence.packageIntro')}</Typography.Paragraph>
      <QueryState
        query={query}
        isEmpty={(d) => d.pkg.exposures.length === 0}
        emptyText={t('evidence.noExposures')}
      >
        {({ pkg, verdicts }) => {
          const verified = verdicts.filter((v) => v.state === 'verified').length;
          return (
            <>
              <Notice
                type={verified === verdicts.length ? 'success' : 'error'}
                showIcon
                title={t('evidence.summary', { verified, total: verdicts.length, treeSize: pkg.treeSize })}
                data-testid="package-summary"
              />
              <Table
                rowKey="entryId"
                size="small"
                style={{ marginTop: 16 }}
                pagination={{ pageSize: 20, hideOnSinglePage: true }}
                dataSource={pkg.exposures.map((e, i) => ({ ...e, verdict: verdicts[i]! }))}
                columns={[
                  { title: t('evidence.entry'), dataIndex: 'entryId' },
                  { title: t('ledger.index'), dataIndex: 'index' },
                  {
                    title: t('evidence.kind'),
                    key: 'kind',
                    render: (_: unknown, e) => t(`entryKind.${String(e.entry.kind)}`, String(e.entry.kind)),
                  },
                  {
                    title: t('verify.verdict'),
                    key: 'verdict',
                    render: (_: unknown, e) => <VerdictTag verdict={e.verdict} />,
                  },
                ]}
              />
            </>
          );
        }}
      </QueryState>
    </Card>
  );
}
