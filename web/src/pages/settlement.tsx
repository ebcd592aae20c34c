// Settlement: monthly statements (GET /v1/settlement/statements) and one statement's lines and
// disputes (GET /v1/settlement/statements/:id). Conversions a funder declared appear as the
// statement's `conversion` lines: the service has no listing of conversions of its own.
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Form, Input, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { api } from '../api.ts';
import { QueryState } from '../components/query-state.tsx';
import { formatFen, formatInstant } from '../format.ts';
import type { Statement, StatementDetail } from '../types.ts';

export default function SettlementPage() {
  const { statementId } = useParams();
  return statementId ? <StatementView id={statementId} /> : <StatementList />;
}

function StatementList() {
  const { t } = useTranslation();
  const [filters, setFilters] = useState<{ funderId?: string; period?: string }>({});
  const query = useQuery({
    queryKey: ['statements', filters],
    queryFn: () => {
      const params = new URLSearchParams({ limit: '100' });
      if (filters.funderId?.trim()) params.set('funderId', filters.funderId.trim());
      if (filters.period?.trim()) params.set('period', filters.period.trim());
      return api<{ statements: Statement[] }>(`/v1/settlement/statements?${params}`);
    },
  });
  return (
    <section aria-labelledby="settlement-title">
      <Typography.Title level={1} id="settlement-title" className="page-title">
        {t('nav.settlement')}
      </Typography.Title>
      <Form layout="inline" onFinish={setFilters} style={{ marginBottom: 16 }}>
        <Form.Item label={t('applications.funder')} name="funderId">
          <Input style={{ width: 160 }} />
        </Form.Item>
        <Form.Item label={t('settlement.period')} name="period">
          <Input style={{ width: 120 }} placeholder={t('settlement.periodFormat')} />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('applications.filter')}
        </Button>
      </Form>
      <QueryState query={query} isEmpty={(d) => d.statements.length === 0} emptyText={t('settlement.none')}>
        {(d) => (
          <Table
            rowKey="id"
            pagination={false}
            dataSource={d.statements}
            columns={[
              {
                title: t('settlement.statement'),
                dataIndex: 'id',
                render: (id: string) => <Link to={`/settlement/${encodeURIComponent(id)}`}>{id}</Link>,
              },
              { title: t('applications.funder'), dataIndex: 'funderId' },
              { title: t('settlement.period'), dataIndex: 'period' },
              {
                title: t('settlement.status'),
                dataIndex: 'status',
                render: (s: string) => <Tag>{t(`statementStatus.${s}`, s)}</Tag>,
              },
              { title: t('settlement.total'), dataIndex: 'totalFen', align: 'right', render: formatFen },
              {
                title: t('settlement.owedBy'),
                dataIndex: 'owedBy',
                render: (o: string) => t(`owedBy.${o}`, o),
              },
              { title: t('settlement.lines'), dataIndex: 'lineCount' },
              { title: t('settlement.issuedAt'), dataIndex: 'issuedAt', render: formatInstant },
            ]}
          />
        )}
      </QueryState>
    </section>
  );
}

function StatementView({ id }: { id: string }) {
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: ['statement', id],
    queryFn: () => api<StatementDetail>(`/v1/settlement/statements/${encodeURIComponent(id)}`),
  });
  return (
    <section aria-labelledby="statement-title">
      <Typography.Title level={1} id="statement-title" className="page-title">
        {t('settlement.statementTitle', { id })}
      </Typography.Title>
      <Link to="/settlement">{t('settlement.back')}</Link>
      <QueryState query={query}>
        {(d) => (
          <>
            <Card title={t('settlement.lineItems')} style={{ marginTop: 16 }}>
              <Table
                rowKey="lineNo"
                size="small"
                pagination={{ pageSize: 50, hideOnSinglePage: true }}
                dataSource={d.document.lines}
                columns={[
                  { title: t('settlement.lineNo'), dataIndex: 'lineNo' },
                  {
                    title: t('settlement.kind'),
                    dataIndex: 'kind',
                    render: (k: string) => t(`lineKind.${k}`, k),
                  },
                  { title: t('settlement.customerRef'), dataIndex: 'customerRef' },
                  {
                    title: t('settlement.amount'),
                    dataIndex: 'amountFen',
                    align: 'right',
                    render: formatFen,
                  },
                ]}
              />
            </Card>
            <Card title={t('settlement.disputes')} style={{ marginTop: 16 }}>
              <Table
                rowKey="id"
                size="small"
                pagination={false}
                locale={{ emptyText: t('settlement.noDisputes') }}
                dataSource={d.disputes}
                columns={[
                  { title: t('settlement.lineNo'), dataIndex: 'lineNo' },
                  { title: t('settlement.reason'), dataIndex: 'reason' },
                  {
                    title: t('settlement.status'),
                    dataIndex: 'status',
                    render: (s: string) => t(`disputeStatus.${s}`, s),
                  },
                  { title: t('settlement.openedAt'), dataIndex: 'openedAt', render: formatInstant },
                ]}
              />
            </Card>
          </>
        )}
      </QueryState>
    </section>
  );
}
