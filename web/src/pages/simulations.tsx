// Simulations: run a scenario (POST /v1/simulations, 202, then the run is polled) and see its report's
// charts (GET /v1/simulations/:id/report.json): the platform's fees, customers lost and bookings per
// bucket, and each funder's poaching score, honest and poacher alike.
import { useMutation, useQuery } from '@tanstack/react-query';
import { Button, Card, Form, Input, InputNumber, Table, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../api.ts';
import { Chart } from '../components/chart.tsx';
import { ErrorState, QueryState } from '../components/query-state.tsx';
import { formatFen, formatInstant } from '../format.ts';
import { DEFAULT_SCENARIO } from '../scenario-default.ts';
import type { SimulationReport, SimulationRun } from '../types.ts';

/** A small market that finishes in seconds: two honest banks and the article's poacher. */

/** the run's statuses: queued → running → done | failed (src/simulation/service.ts) */
const FINISHED = new Set(['done', 'failed']);

export default function SimulationsPage() {
  const { id } = useParams();
  return id ? <SimulationReportView id={id} /> : <SimulationList />;
}

function SimulationList() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const runs = useQuery({
    queryKey: ['simulations'],
    queryFn: () => api<{ items: SimulationRun[] }>('/v1/simulations?limit=20'),
  });
  const [scenarioError, setScenarioError] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: (body: { scenario: unknown; seed: number }) =>
      api<SimulationRun>('/v1/simulations', { method: 'POST', body }),
    onSuccess: (run) => navigate(`/simulations/${encodeURIComponent(run.id)}`),
  });
  return (
    <section aria-labelledby="simulations-title">
      <Typography.Title level={1} id="simulations-title" className="page-title">
        {t('nav.simulations')}
      </Typography.Title>
      <Card title={t('simulations.run')}>
        <Form
          layout="vertical"
          initialValues={{ scenario: JSON.stringify(DEFAULT_SCENARIO, null, 2), seed: 7 }}
          onFinish={({ scenario, seed }: { scenario: string; seed: number }) => {
            try {
              const parsed = JSON.parse(scenario) as unknown;
              setScenarioError(null);
              start.mutate({ scenario: parsed, seed });
            } catch (error) {
              setScenarioError(t('simulations.badJson', { message: (error as Error).message }));
            }
          }}
        >
          <Form.Item
            label={t('simulations.scenario')}
            name="scenario"
            rules={[{ required: true, message: t('simulations.scenarioRequired') }]}
          >
            <Input.TextArea rows={10} spellCheck={false} />
          </Form.Item>
          <Form.Item label={t('simulations.seed')} name="seed">
            <InputNumber min={0} precision={0} />
          </Form.Item>
          {scenarioError && (
            <Typography.Paragraph type="danger" role="alert">
              {scenarioError}
            </Typography.Paragraph>
          )}
          {start.isError && <ErrorState error={start.error} />}
          <Button type="primary" htmlType="submit" loading={start.isPending}>
            {t('simulations.start')}
          </Button>
        </Form>
      </Card>
      <Card title={t('simulations.runs')} style={{ marginTop: 16 }}>
        <QueryState query={runs} isEmpty={(d) => d.items.length === 0} emptyText={t('simulations.none')}>
          {(d) => (
            <Table
              rowKey="id"
              size="small"
              pagination={false}
              dataSource={d.items}
              columns={[
                {
                  title: t('simulations.id'),
                  dataIndex: 'id',
                  render: (id: string) => <Link to={`/simulations/${encodeURIComponent(id)}`}>{id}</Link>,
                },
                {
                  title: t('simulations.status'),
                  dataIndex: 'status',
                  render: (s: string) => <Tag>{t(`runStatus.${s}`, s)}</Tag>,
                },
                { title: t('simulations.days'), dataIndex: 'days' },
                { title: t('simulations.customers'), dataIndex: 'customers' },
                { title: t('simulations.seed'), dataIndex: 'seed' },
                { title: t('simulations.createdAt'), dataIndex: 'createdAt', render: formatInstant },
              ]}
            />
          )}
        </QueryState>
      </Card>
    </section>
  );
}

function SimulationReportView({ id }: { id: string }) {
  const { t } = useTranslation();
  const path = `/v1/simulations/${encodeURIComponent(id)}`;
  const run = useQuery({
    queryKey: ['simulation', id],
    queryFn: () => api<SimulationRun>(path),
    // poll until the run has finished
    refetchInterval: (query) => (query.state.data && FINISHED.has(query.state.data.status) ? false : 1_000),
  });
  const finished = run.data?.status === 'done';
  const report = useQuery({
    queryKey: ['simulation-report', id],
    enabled: finished,
    queryFn: () => api<SimulationReport>(`${path}/report.json`),
  });
  return (
    <section aria-labelledby="simulation-title">
      <Typography.Title level={1} id="simulation-title" className="page-title">
        {t('simulations.report', { id })}
      </Typography.Title>
      <Link to="/simulations">{t('simulations.back')}</Link>
      <Card style={{ marginTop: 16 }}>
        <QueryState query={run}>
          {(r) => (
            <Typography.Paragraph>
              {t('simulations.status')} <Tag>{t(`runStatus.${r.status}`, r.status)}</Tag>
              {r.error && <Typography.Text type="danger">{r.error}</Typography.Text>}
            </Typography.Paragraph>
          )}
        </QueryState>
        {finished && <QueryState query={report}>{(d) => <ReportCharts report={d} />}</QueryState>}
      </Card>
    </section>
  );
}

function ReportCharts({ report }: { report: SimulationReport }) {
  const { t } = useTranslation();
  const categories = useMemo(
    () => report.series.bucketStartDays.map((day) => t('simulations.day', { day })),
    [report, t],
  );
  const platform = useMemo(
    () => [
      { name: t('simulations.booked'), kind: 'bar' as const, values: report.series.platform.booked },
      {
        name: t('simulations.customersLost'),
        kind: 'line' as const,
        values: report.series.platform.customersLost,
      },
    ],
    [report, t],
  );
  const fees = useMemo(
    () => [
      {
        name: t('simulations.serviceFees'),
        kind: 'bar' as const,
        values: report.series.platform.serviceFeesFen,
      },
    ],
    [report, t],
  );
  const scores = useMemo(
    () =>
      report.series.funders.map((series, i) => ({
        name: `${report.funders[i]?.id ?? i} (${t(`truth.${report.funders[i]?.truth ?? 'honest'}`)})`,
        kind: 'line' as const,
        values: series.score,
      })),
    [report, t],
  );
  return (
    <>
      <Typography.Paragraph>
        {t('simulations.totals', {
          fees: formatFen(report.platform.serviceFeesFen),
          loss: formatFen(report.platform.poachingLossFen),
          lost: report.platform.customersLost,
        })}
      </Typography.Paragraph>
      <Chart categories={categories} series={platform} label={t('simulations.platformChart')} />
      <Chart
        categories={categories}
        series={fees}
        label={t('simulations.feesChart')}
        formatValue={formatFen}
      />
      <Chart categories={categories} series={scores} label={t('simulations.scoreChart')} />
      <Table
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={report.funders}
        columns={[
          { title: t('simulations.funder'), dataIndex: 'id' },
          { title: t('simulations.truth'), dataIndex: 'truth', render: (v: string) => t(`truth.${v}`, v) },
          { title: t('simulations.poached'), dataIndex: 'poached' },
          { title: t('simulations.booked'), dataIndex: 'booked' },
          {
            title: t('simulations.confirmedDay'),
            key: 'alert',
            render: (_: unknown, f) => f.alertDay?.confirmed ?? '—',
          },
        ]}
      />
    </>
  );
}
