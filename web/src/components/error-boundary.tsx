// A page that throws while rendering shows what went wrong in words and a retry, never a blank
// screen (issue 17 item 6): the shell wraps each page in one, keyed by the path, so moving to
// another page starts afresh.
import { Alert, Button } from 'antd';
import { Component, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

function RenderFailure({ error, onRetry }: { error: Error; onRetry: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={t('state.renderFailed')}
      description={error.message}
      action={
        <Button size="small" onClick={onRetry}>
          {t('state.retry')}
        </Button>
      }
    />
  );
}

export class PageErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: unknown): { error: Error } {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override render(): ReactNode {
    if (this.state.error)
      return <RenderFailure error={this.state.error} onRetry={() => this.setState({ error: null })} />;
    return this.props.children;
  }
}
