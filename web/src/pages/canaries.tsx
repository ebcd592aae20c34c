// Canaries (restricted, ADR 0077): the registry, staff only; the contact points masked as the
// service masks them. The route is hidden from other roles (404), and so is this page's menu item.
import { useQuery } from '@tanstack/react-query';
import { Button, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { QueryState } from '../components/query-state.tsx';
import { formatInstant } from '../format.ts';
import { cursorOf, firstPage, hasPrevious, nextPage, previousPage } from '../paging.ts';
import type { Canary } from '../types.ts';

const STATUSES = ['recruited', 'active', 'retired'] as const;

export default function CanariesPage() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<string | undefined>(undefined);
  const [pages, setPages] = useState(firstPage);
  const cursor = cursorOf(pages);
  const query = useQuery({
    queryKey: ['canaries', status, cursor],
    queryFn: () => {
      const params = new URLSearchParams({ limit: '50' });
      if (status) params.set('status', status);
      if (cursor) params.set('after', cursor);
      return api<{ canaries: Canary[]; next: string | null }>(`/v1/canaries?${params}`);
    },
  });
  return (
    <section aria-labelledby="canaries-title">
      <Typography.Title level={1} id="canaries-title" className="page-title">
        {t('nav.canaries')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('canaries.intro')}</Typography.Paragraph>
      <Space style={{ marginBottom: 16 }}>
        <label htmlFor="canary-status">{t('canaries.status')}</label>
        <Select
          id="canary-status"
          allowClear
          style={{ width: 160 }}
          value={status}
          onChange={(value?: string) => {
            setStatus(value);
            setPages(firstPage());
          }}
          options={STATUSES.map((s) => ({ value: s, label: t(`canaryStatus.${s}`) }))}
        />
      </Space>
      <QueryState
        query={query}
        isEmpty={(d) => d.canaries.length === 0 && pages.page === 0}
        emptyText={t('canaries.none')}
      >
        {(d) => (
          <>
            <Table
              rowKey="id"
              size="middle"
              pagination={false}
              dataSource={d.canaries}
              columns={[
                { title: t('canaries.id'), dataIndex: 'id' },
                {
                  title: t('canaries.status'),
                  dataIndex: 'status',
                  render: (s: string) => <Tag>{t(`canaryStatus.${s}`, s)}</Tag>,
                },
                { title: t('routing.band'), dataIndex: 'band' },
                { title: t('canaries.region'), dataIndex: 'regionCode' },
                {
                  title: t('canaries.dedicatedFunder'),
                  dataIndex: 'dedicatedFunderId',
                  render: (f: string | null) => f ?? '—',
                },
                {
                  title: t('canaries.contactPoints'),
                  dataIndex: 'contactPoints',
                  render: (points: Canary['contactPoints']) =>
                    points.map((p) => `${t(`channel.${p.channel}`, p.channel)} ${p.masked}`).join('，'),
                },
                { title: t('canaries.createdAt'), dataIndex: 'createdAt', render: formatInstant },
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
