// Routing: the configuration in force (GET /v1/routing/config) — rotation policy, exposure budgets,
// score bands, the cost cap — each funder's routing trust (from the scorecards), and the explanation
// of one application's routing (GET /v1/applications/:id/routing).
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Descriptions, Form, Input, Table, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { QueryState } from '../components/query-state.tsx';
import { formatRate, shanghaiDate } from '../format.ts';
import type { Explanation, FunderScorecard, RoutingConfig, RoutingExplanation } from '../types.ts';

export default function RoutingPage() {
  const { t } = useTranslation();
  const config = useQuery({
    queryKey: ['routing-config'],
    queryFn: () => api<RoutingConfig>('/v1/routing/config'),
  });
  const range = useMemo(() => {
    const now = new Date();
    return { from: shanghaiDate(now, 29), to: shanghaiDate(now) };
  }, []);
  const trust = useQuery({
    queryKey: ['scorecards', range],
    queryFn: () =>
      api<{ funders: FunderScorecard[] }>(`/v1/dashboard/funders?from=${range.from}&to=${range.to}`),
  });
  const [applicationId, setApplicationId] = useState<string | null>(null);
  const explanation = useQuery({
    queryKey: ['routing', applicationId],
    enabled: applicationId !== null,
    queryFn: () => api<RoutingExplanation>(`/v1/applications/${encodeURIComponent(applicationId!)}/routing`),
  });
  return (
    <section aria-labelledby="routing-title">
      <Typography.Title level={1} id="routing-title" className="page-title">
        {t('nav.routing')}
      </Typography.Title>
      <Card title={t('routing.rotation')}>
        <QueryState query={config}>{(d) => <RotationPolicy config={d} />}</QueryState>
      </Card>
      <Card title={t('routing.trust')} style={{ marginTop: 16 }}>
        <QueryState query={trust} isEmpty={(d) => d.funders.length === 0} emptyText={t('funders.none')}>
          {(d) => (
            <Table
              rowKey="funderId"
              size="small"
              pagination={false}
              dataSource={d.funders}
              columns={[
                {
                  title: t('funders.name'),
                  key: 'name',
                  render: (_: unknown, f) => `${f.name} (${f.funderId})`,
                },
                { title: t('funders.trust'), dataIndex: 'trust', render: formatRate },
              ]}
            />
          )}
        </QueryState>
      </Card>
      <Card title={t('routing.explain')} style={{ marginTop: 16 }}>
        <Form layout="inline" onFinish={({ id }: { id: string }) => setApplicationId(id.trim())}>
          <Form.Item
            label={t('routing.applicationId')}
            name="id"
            rules={[{ required: true, whitespace: true, message: t('routing.applicationIdRequired') }]}
          >
            <Input style={{ width: 260 }} />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {t('routing.explainButton')}
          </Button>
        </Form>
        {applicationId !== null && (
          <div style={{ marginTop: 16 }}>
            <QueryState query={explanation}>{(d) => <ExplanationTable explanation={d} />}</QueryState>
          </div>
        )}
      </Card>
    </section>
  );
}

function RotationPolicy({ config }: { config: RoutingConfig }) {
  const { t } = useTranslation();
  const rotation = config.config.rotation;
  const shares = Object.entries(rotation.exposureShareByBand ?? {});
  const budgets = Object.entries(rotation.exposureBudgetPerMonth ?? {});
  return (
    <>
      <Descriptions
        column={{ xs: 1, md: 2 }}
        items={[
          { key: 'version', label: t('routing.version'), children: config.version },
          {
            key: 'enabled',
            label: t('routing.enabled'),
            children: (
              <Tag color={rotation.enabled ? 'green' : 'default'}>
                {t(rotation.enabled ? 'common.yes' : 'common.no')}
              </Tag>
            ),
          },
          {
            key: 'margin',
            label: t('routing.margin'),
            children: formatRate(rotation.sameFunderMarginAnnual),
          },
          { key: 'burst', label: t('routing.burst'), children: rotation.exposureBurst ?? '—' },
          {
            key: 'cap',
            label: t('routing.cap'),
            children: `${formatRate(config.config.pricing.capAnnual)} (${config.config.pricing.capBasis})`,
          },
          {
            key: 'bands',
            label: t('routing.bands'),
            children: config.config.bands.map((b) => `${b.band} ≥ ${b.minScore}`).join(' · '),
          },
        ]}
      />
      <Typography.Title level={2} style={{ fontSize: 16 }}>
        {t('routing.budgets')}
      </Typography.Title>
      <Table
        rowKey="band"
        size="small"
        pagination={false}
        locale={{ emptyText: t('routing.noBudgets') }}
        dataSource={[...new Set([...shares.map(([b]) => b), ...budgets.map(([b]) => b)])].map((band) => ({
          band,
          share: rotation.exposureShareByBand?.[band],
          budget: rotation.exposureBudgetPerMonth?.[band],
        }))}
        columns={[
          { title: t('routing.band'), dataIndex: 'band' },
          { title: t('routing.share'), dataIndex: 'share', render: (v?: number) => formatRate(v) },
          { title: t('routing.budget'), dataIndex: 'budget', render: (v?: number) => v ?? '—' },
        ]}
      />
    </>
  );
}

export function ExplanationTable({ explanation }: { explanation: RoutingExplanation }) {
  const { t } = useTranslation();
  return (
    <>
      <Descriptions
        size="small"
        column={{ xs: 1, md: 3 }}
        items={[
          { key: 'score', label: t('routing.score'), children: explanation.score ?? '—' },
          { key: 'band', label: t('routing.band'), children: explanation.band ?? '—' },
          {
            key: 'status',
            label: t('applications.status'),
            children: t(`status.${explanation.status}`, explanation.status),
          },
        ]}
      />
      <Table
        rowKey={(e: Explanation) => e.productId}
        size="small"
        pagination={false}
        locale={{ emptyText: t('routing.noDecision') }}
        dataSource={explanation.explanations}
        columns={[
          { title: t('applications.product'), dataIndex: 'productId' },
          { title: t('applications.funder'), dataIndex: 'funderId' },
          {
            title: t('routing.outcome'),
            key: 'outcome',
            render: (_: unknown, e: Explanation) =>
              e.eligible ? (
                <Tag color="green">{t('routing.eligible', { rank: e.rank })}</Tag>
              ) : (
                <span>
                  <Tag color="default">{t(`refusal.${e.code}`, e.code)}</Tag> {e.reason}
                </span>
              ),
          },
        ]}
      />
    </>
  );
}
