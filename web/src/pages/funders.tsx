// Funders: the catalogue (GET /v1/funders) joined with each funder's scorecard over the last 90 days
// (GET /v1/dashboard/funders): approval, confirmation, abandonment and repeat-borrowing rates beside
// the same rates over all other funders pooled, the poaching level and score trend, routing trust.
import { useQuery } from '@tanstack/react-query';
import { Card, Table, Tag, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api } from '../api.ts';
import { Chart } from '../components/chart.tsx';
import { LevelTag } from '../components/level-tag.tsx';
import { ErrorState, QueryState } from '../components/query-state.tsx';
import { formatRate, shanghaiDate } from '../format.ts';
import type { CatalogFunder, FunderScorecard } from '../types.ts';

const RATES = ['approvalRate', 'confirmationRate', 'abandonmentRate', 'repeatBorrowingRate'] as const;
const SCORECARD_DAYS = 90;

export default function FundersPage() {
  const { t } = useTranslation();
  const range = useMemo(() => {
    const now = new Date();
    return { from: shanghaiDate(now, SCORECARD_DAYS - 1), to: shanghaiDate(now) };
  }, []);
  const catalog = useQuery({
    queryKey: ['funders'],
    queryFn: () => api<{ funders: CatalogFunder[] }>('/v1/funders?limit=200'),
  });
  const scorecards = useQuery({
    queryKey: ['scorecards', range],
    queryFn: () =>
      api<{ funders: FunderScorecard[] }>(`/v1/dashboard/funders?from=${range.from}&to=${range.to}`),
  });
  const byId = new Map((scorecards.data?.funders ?? []).map((s) => [s.funderId, s]));
  return (
    <section aria-labelledby="funders-title">
      <Typography.Title level={1} id="funders-title" className="page-title">
        {t('nav.funders')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        {t('funders.intro', { days: SCORECARD_DAYS })}
      </Typography.Paragraph>
      {scorecards.isError && (
        <ErrorState error={scorecards.error} onRetry={() => void scorecards.refetch()} />
      )}
      <QueryState query={catalog} isEmpty={(d) => d.funders.length === 0} emptyText={t('funders.none')}>
        {(d) => (
          <Table
            rowKey="id"
            pagination={false}
            size="middle"
            scroll={{ x: true }}
            dataSource={d.funders}
            expandable={{
              rowExpandable: (f) => (byId.get(f.id)?.scoreTrend.length ?? 0) > 0,
              expandedRowRender: (f) => <ScoreTrend scorecard={byId.get(f.id)!} />,
            }}
            columns={[
              { title: t('funders.name'), key: 'name', render: (_: unknown, f) => `${f.name} (${f.id})` },
              { title: t('funders.type'), dataIndex: 'type', render: (v: string) => t(`funderType.${v}`, v) },
              {
                title: t('funders.status'),
                dataIndex: 'status',
                render: (v: string) => (
                  <Tag color={v === 'active' ? 'green' : 'default'}>{t(`funderStatus.${v}`, v)}</Tag>
                ),
              },
              {
                title: t('funders.exposures'),
                key: 'exposures',
                render: (_: unknown, f) => byId.get(f.id)?.exposures ?? '—',
              },
              ...RATES.map((rate) => ({
                title: t(`funders.${rate}`),
                key: rate,
                render: (_: unknown, f: CatalogFunder) => {
                  const s = byId.get(f.id);
                  return s ? <RateVersusPeers own={s[rate]} peer={s.peer[rate]} /> : '—';
                },
              })),
              {
                title: t('funders.level'),
                key: 'level',
                render: (_: unknown, f) => {
                  const s = byId.get(f.id);
                  return s ? <LevelTag level={s.level} /> : '—';
                },
              },
              {
                title: t('funders.trust'),
                key: 'trust',
                render: (_: unknown, f) => formatRate(byId.get(f.id)?.trust),
              },
              {
                title: t('funders.evidence'),
                key: 'evidence',
                render: (_: unknown, f) => (
                  <Link to={`/alerts/${encodeURIComponent(f.id)}`}>
                    {t('funders.evidenceCount', { n: byId.get(f.id)?.evidenceCount ?? 0 })}
                  </Link>
                ),
              },
            ]}
          />
        )}
      </QueryState>
    </section>
  );
}

function RateVersusPeers({ own, peer }: { own: number | null; peer: number | null }) {
  const { t } = useTranslation();
  return (
    <span>
      {formatRate(own)}
      <Typography.Text type="secondary"> {t('funders.peer', { rate: formatRate(peer) })}</Typography.Text>
    </span>
  );
}

function ScoreTrend({ scorecard }: { scorecard: FunderScorecard }) {
  const { t } = useTranslation();
  const categories = useMemo(() => scorecard.scoreTrend.map((p) => p.date), [scorecard]);
  const series = useMemo(
    () => [
      { name: t('funders.score'), kind: 'line' as const, values: scorecard.scoreTrend.map((p) => p.score) },
    ],
    [scorecard, t],
  );
  return (
    <Card size="small" title={t('funders.scoreTrend', { name: scorecard.name })}>
      <Chart
        categories={categories}
        series={series}
        label={t('funders.scoreTrend', { name: scorecard.name })}
        height={200}
      />
    </Card>
  );
}
