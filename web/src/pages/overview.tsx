// Overview: applications, approvals, bookings and fee income per day (GET /v1/dashboard/overview,
// calendar days in Asia/Shanghai), totals above, two charts below.
import { useQuery } from '@tanstack/react-query';
import { Card, Col, Row, Segmented, Space, Statistic, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { Chart } from '../components/chart.tsx';
import { QueryState } from '../components/query-state.tsx';
import { formatFen, shanghaiDate } from '../format.ts';
import type { Overview } from '../types.ts';

const RANGES = [7, 30, 90] as const;

export default function OverviewPage() {
  const { t } = useTranslation();
  const [days, setDays] = useState<(typeof RANGES)[number]>(30);
  const range = useMemo(() => {
    const now = new Date();
    return { from: shanghaiDate(now, days - 1), to: shanghaiDate(now) };
  }, [days]);
  const query = useQuery({
    queryKey: ['overview', range],
    queryFn: () => api<Overview>(`/v1/dashboard/overview?from=${range.from}&to=${range.to}`),
    refetchInterval: 30_000,
  });
  return (
    <section aria-labelledby="overview-title">
      <Space style={{ justifyContent: 'space-between', width: '100%' }} wrap>
        <Typography.Title level={1} id="overview-title" className="page-title">
          {t('nav.overview')}
        </Typography.Title>
        <Segmented
          aria-label={t('overview.range')}
          value={days}
          options={RANGES.map((value) => ({ value, label: t('overview.lastDays', { n: value }) }))}
          onChange={(value) => setDays(value as (typeof RANGES)[number])}
        />
      </Space>
      <QueryState query={query} isEmpty={(data) => data.days.length === 0}>
        {(data) => <OverviewBody data={data} />}
      </QueryState>
    </section>
  );
}

function OverviewBody({ data }: { data: Overview }) {
  const { t } = useTranslation();
  const categories = useMemo(() => data.days.map((d) => d.date.slice(5)), [data]);
  const counts = useMemo(
    () => [
      {
        name: t('overview.applications'),
        kind: 'line' as const,
        values: data.days.map((d) => d.applications),
      },
      { name: t('overview.approvals'), kind: 'line' as const, values: data.days.map((d) => d.approvals) },
      { name: t('overview.bookings'), kind: 'line' as const, values: data.days.map((d) => d.bookings) },
    ],
    [data, t],
  );
  // yuan for the axis only; the totals and the tooltip print exact fen
  const fees = useMemo(
    () => [
      { name: t('overview.feeIncome'), kind: 'bar' as const, values: data.days.map((d) => d.feeIncomeFen) },
    ],
    [data, t],
  );
  return (
    <>
      <Row gutter={[16, 16]}>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title={t('overview.applications')} value={data.totals.applications} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title={t('overview.approvals')} value={data.totals.approvals} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title={t('overview.bookings')} value={data.totals.bookings} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title={t('overview.feeIncome')} value={formatFen(data.totals.feeIncomeFen)} />
          </Card>
        </Col>
      </Row>
      <Card title={t('overview.perDay')} style={{ marginTop: 16 }}>
        <Chart categories={categories} series={counts} label={t('overview.countsChart')} />
      </Card>
      <Card title={t('overview.feeIncomePerDay')} style={{ marginTop: 16 }}>
        <Chart
          categories={categories}
          series={fees}
          label={t('overview.feesChart')}
          formatValue={formatFen}
        />
      </Card>
    </>
  );
}
