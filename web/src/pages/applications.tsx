// Applications: newest first, filtered by status, funder and submission time, one page of 50 at a
// time with the service's keyset cursor (GET /v1/applications; paging.ts).
import { useQuery } from '@tanstack/react-query';
import { Button, Form, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api } from '../api.ts';
import { QueryState } from '../components/query-state.tsx';
import { formatFen, formatInstant } from '../format.ts';
import { cursorOf, firstPage, hasPrevious, nextPage, previousPage } from '../paging.ts';
import type { ApplicationPage } from '../types.ts';

export const APPLICATION_STATUSES = [
  'submitted',
  'offered',
  'consented',
  'sent',
  'approved',
  'declined',
  'confirmed',
  'booked',
  'abandoned',
  'expired',
] as const;
const PAGE_SIZE = 50;

interface Filters {
  status?: string;
  funderId?: string;
  from?: string;
  to?: string;
}

/** The list's query string; dates are Beijing calendar days, sent as instants. */
export function applicationsQuery(filters: Filters, cursor: string | null): string {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (filters.status) params.set('status', filters.status);
  if (filters.funderId?.trim()) params.set('funderId', filters.funderId.trim());
  // Beijing midnight as a UTC instant (the service's times are UTC)
  if (filters.from) params.set('from', new Date(`${filters.from}T00:00:00+08:00`).toISOString());
  if (filters.to) params.set('to', new Date(`${filters.to}T23:59:59.999+08:00`).toISOString());
  if (cursor) params.set('cursor', cursor);
  return params.toString();
}

export default function ApplicationsPage() {
  const { t } = useTranslation();
  const [filters, setFilters] = useState<Filters>({});
  const [pages, setPages] = useState(firstPage);
  const cursor = cursorOf(pages);
  const query = useQuery({
    queryKey: ['applications', filters, cursor],
    queryFn: () => api<ApplicationPage>(`/v1/applications?${applicationsQuery(filters, cursor)}`),
  });
  return (
    <section aria-labelledby="applications-title">
      <Typography.Title level={1} id="applications-title" className="page-title">
        {t('nav.applications')}
      </Typography.Title>
      <Form
        layout="inline"
        onFinish={(values: Filters) => {
          setFilters(values);
          setPages(firstPage());
        }}
        style={{ marginBottom: 16, rowGap: 8 }}
      >
        <Form.Item label={t('applications.status')} name="status">
          <Select
            allowClear
            style={{ width: 140 }}
            options={APPLICATION_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
          />
        </Form.Item>
        <Form.Item label={t('applications.funder')} name="funderId">
          <Input style={{ width: 160 }} />
        </Form.Item>
        <Form.Item label={t('applications.from')} name="from">
          <Input type="date" />
        </Form.Item>
        <Form.Item label={t('applications.to')} name="to">
          <Input type="date" />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('applications.filter')}
        </Button>
      </Form>
      <QueryState
        query={query}
        isEmpty={(data) => data.items.length === 0 && pages.page === 0}
        emptyText={t('applications.none')}
      >
        {(data) => (
          <>
            <Table
              rowKey="id"
              size="middle"
              pagination={false}
              dataSource={data.items}
              columns={[
                {
                  title: t('applications.id'),
                  dataIndex: 'id',
                  render: (id: string) => <Link to={`/applications/${encodeURIComponent(id)}`}>{id}</Link>,
                },
                {
                  title: t('applications.status'),
                  dataIndex: 'status',
                  render: (s: string) => <Tag>{t(`status.${s}`, s)}</Tag>,
                },
                { title: t('applications.submittedAt'), dataIndex: 'submittedAt', render: formatInstant },
                {
                  title: t('applications.amount'),
                  dataIndex: 'amountFen',
                  align: 'right',
                  render: formatFen,
                },
                {
                  title: t('applications.term'),
                  dataIndex: 'termMonths',
                  render: (m: number) => t('applications.months', { n: m }),
                },
                {
                  title: t('applications.funder'),
                  dataIndex: 'funderId',
                  render: (f: string | null) => f ?? '—',
                },
                {
                  title: t('applications.product'),
                  dataIndex: 'productId',
                  render: (p: string | null) => p ?? '—',
                },
              ]}
            />
            <Space style={{ marginTop: 16 }}>
              <Button disabled={!hasPrevious(pages)} onClick={() => setPages(previousPage(pages))}>
                {t('paging.previous')}
              </Button>
              <span>{t('paging.page', { page: pages.page + 1 })}</span>
              <Button
                disabled={data.nextCursor === null}
                onClick={() => setPages(nextPage(pages, data.nextCursor))}
              >
                {t('paging.next')}
              </Button>
            </Space>
          </>
        )}
      </QueryState>
    </section>
  );
}
