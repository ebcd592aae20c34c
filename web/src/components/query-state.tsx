// Loading, empty and error states in words (issue 17 item 6): never a blank page. A failed call says
// which request failed, the service's code and message, and offers a retry.
import type { UseQueryResult } from '@tanstack/react-query';
import { Alert, Button, Empty, Spin } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.ts';

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const api = error instanceof ApiError ? error : null;
  const description = api
    ? t('state.errorDetail', { status: api.status || '—', code: api.code, message: api.message })
    : String((error as Error)?.message ?? error);
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={api ? t('state.errorOf', { request: api.request }) : t('state.error')}
      description={description}
      action={
        onRetry ? (
          <Button size="small" onClick={onRetry}>
            {t('state.retry')}
          </Button>
        ) : undefined
      }
    />
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <div role="status" className="state-loading">
      <Spin description={t('state.loading')} />
    </div>
  );
}

export function QueryState<T>({
  query,
  isEmpty,
  emptyText,
  children,
}: {
  query: UseQueryResult<T>;
  isEmpty?: (data: T) => boolean;
  emptyText?: string;
  children: (data: T) => ReactNode;
}) {
  const { t } = useTranslation();
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  if (isEmpty?.(query.data)) return <Empty description={emptyText ?? t('state.empty')} />;
  return <>{children(query.data)}</>;
}
