// One application: its fields, timeline, offers, routing explanation, the shares made with funders
// and its ledger entries (GET /v1/applications/:id, /offers, /routing, /timeline).
import { useQuery } from '@tanstack/react-query';
import { Card, Descriptions, Table, Tag, Timeline, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { api } from '../api.ts';
import { QueryState } from '../components/query-state.tsx';
import { formatFen, formatInstant, formatRate } from '../format.ts';
import type { Application, Offers, RoutingExplanation, Timeline as TimelineAnswer } from '../types.ts';
import { ExplanationTable } from './routing.tsx';

export default function ApplicationDetailPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const path = `/v1/applications/${encodeURIComponent(id)}`;
  const application = useQuery({ queryKey: ['application', id], queryFn: () => api<Application>(path) });
  const offers = useQuery({ queryKey: ['offers', id], queryFn: () => api<Offers>(`${path}/offers`) });
  const routing = useQuery({
    queryKey: ['routing', id],
    queryFn: () => api<RoutingExplanation>(`${path}/routing`),
  });
  const timeline = useQuery({
    queryKey: ['timeline', id],
    queryFn: () => api<TimelineAnswer>(`${path}/timeline`),
  });
  return (
    <section aria-labelledby="application-title">
      <Typography.Title level={1} id="application-title" className="page-title">
        {t('application.title', { id })}
      </Typography.Title>
      <Link to="/applications">{t('application.back')}</Link>
      <Card title={t('application.fields')} style={{ marginTop: 16 }}>
        <QueryState query={application}>
          {(a) => (
            <Descriptions
              column={{ xs: 1, md: 3 }}
              items={[
                {
                  key: 'status',
                  label: t('applications.status'),
                  children: <Tag>{t(`status.${a.status}`, a.status)}</Tag>,
                },
                { key: 'amount', label: t('applications.amount'), children: formatFen(a.amountFen) },
                {
                  key: 'term',
                  label: t('applications.term'),
                  children: t('applications.months', { n: a.termMonths }),
                },
                { key: 'funder', label: t('applications.funder'), children: a.funderId ?? '—' },
                { key: 'product', label: t('applications.product'), children: a.productId ?? '—' },
                {
                  key: 'created',
                  label: t('applications.submittedAt'),
                  children: formatInstant(a.createdAt),
                },
              ]}
            />
          )}
        </QueryState>
      </Card>
      <Card title={t('application.timeline')} style={{ marginTop: 16 }}>
        <QueryState query={timeline} isEmpty={(d) => d.events.length === 0}>
          {(d) => (
            <Timeline
              items={d.events.map((event, i) => ({
                key: `${event.at}-${i}`,
                content: `${formatInstant(event.at)} · ${t(`event.${event.type}`, event.type)}`,
              }))}
            />
          )}
        </QueryState>
      </Card>
      <Card title={t('application.offers')} style={{ marginTop: 16 }}>
        <QueryState
          query={offers}
          isEmpty={(d) => d.offers.length === 0}
          emptyText={t('application.noOffers')}
        >
          {(d) => (
            <Table
              rowKey={(o) => `${o.rank}-${o.productId}`}
              pagination={false}
              size="small"
              dataSource={d.offers}
              columns={[
                { title: t('application.rank'), dataIndex: 'rank' },
                { title: t('applications.funder'), dataIndex: 'funderId' },
                { title: t('applications.product'), dataIndex: 'productId' },
                {
                  title: t('applications.amount'),
                  dataIndex: 'amountFen',
                  align: 'right',
                  render: formatFen,
                },
                { title: t('application.rate'), dataIndex: 'rateAnnual', render: formatRate },
                {
                  title: t('application.apr'),
                  key: 'apr',
                  render: (_: unknown, o) => formatRate(o.apr.effective),
                },
                {
                  title: t('application.serviceFee'),
                  dataIndex: 'serviceFeeFen',
                  align: 'right',
                  render: formatFen,
                },
              ]}
            />
          )}
        </QueryState>
      </Card>
      <Card title={t('application.routing')} style={{ marginTop: 16 }}>
        <QueryState query={routing}>{(d) => <ExplanationTable explanation={d} />}</QueryState>
      </Card>
      <Card title={t('application.shares')} style={{ marginTop: 16 }}>
        <QueryState
          query={timeline}
          isEmpty={(d) => d.shares.length === 0}
          emptyText={t('application.noShares')}
        >
          {(d) => (
            <Table
              rowKey={(s) => `${s.funderId}-${s.at}`}
              pagination={false}
              size="small"
              dataSource={d.shares}
              columns={[
                { title: t('applications.funder'), dataIndex: 'funderId' },
                { title: t('application.at'), dataIndex: 'at', render: formatInstant },
                {
                  title: t('application.sharedFields'),
                  dataIndex: 'fields',
                  render: (f: string[]) => f.join(', '),
                },
                { title: t('application.ledgerIndex'), dataIndex: 'ledgerIndex', render: ledgerLink },
              ]}
            />
          )}
        </QueryState>
      </Card>
      <Card title={t('application.ledgerEntries')} style={{ marginTop: 16 }}>
        <QueryState
          query={timeline}
          isEmpty={(d) => d.ledgerEntries.length === 0}
          emptyText={t('application.noEntries')}
        >
          {(d) => (
            <Table
              rowKey={(e, i) => `${e.kind}-${e.at}-${i}`}
              pagination={false}
              size="small"
              dataSource={d.ledgerEntries}
              columns={[
                { title: t('application.ledgerIndex'), dataIndex: 'index', render: ledgerLink },
                {
                  title: t('application.kind'),
                  dataIndex: 'kind',
                  render: (k: string) => t(`entryKind.${k}`, k),
                },
                { title: t('application.at'), dataIndex: 'at', render: formatInstant },
              ]}
            />
          )}
        </QueryState>
      </Card>
    </section>
  );
}

function ledgerLink(index: number | null) {
  return index === null ? <PendingIndex /> : <Link to={`/ledger?index=${index}`}>{index}</Link>;
}

function PendingIndex() {
  const { t } = useTranslation();
  return <Tag>{t('application.notIntegrated')}</Tag>;
}
