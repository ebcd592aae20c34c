// Sign-in (ADR 0098): the analyst pastes an API key; GET /v1/me says whose it is. Only staff keys
// (admin, analyst) are accepted: every page's API is staff-only. The key goes to sessionStorage and
// nowhere else — not the URL, not localStorage.
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { ApiError, api } from '../api.ts';
import { DASHBOARD_ROLES } from '../pages.ts';
import { type Session, saveSession } from '../session.ts';
import type { Me } from '../types.ts';

export function SignIn({
  reason,
  onSignedIn,
}: {
  reason: string | null;
  onSignedIn: (session: Session, target: string) => void;
}) {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = params.get('next');
  // only a path of this app, never another origin
  const target = next && /^\/[a-z]/.test(next) && !next.startsWith('//') ? next : '/overview';

  const submit = async ({ key }: { key: string }) => {
    const trimmed = key.trim();
    setBusy(true);
    setError(null);
    try {
      const me = await api<Me>('/v1/me', { key: trimmed });
      if (!DASHBOARD_ROLES.includes(me.role)) {
        setError(t('signIn.wrongRole', { role: t(`role.${me.role}`, me.role) }));
        return;
      }
      const session = { key: trimmed, role: me.role };
      saveSession(session);
      onSignedIn(session, target);
    } catch (caught) {
      const failure = caught instanceof ApiError ? caught : null;
      setError(
        failure?.status === 401
          ? t('signIn.invalid')
          : t('signIn.failed', { message: failure ? `${failure.code}: ${failure.message}` : String(caught) }),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <Card>
        <Typography.Title level={1} className="page-title">
          {t('signIn.title')}
        </Typography.Title>
        <Typography.Paragraph>{t('signIn.intro')}</Typography.Paragraph>
        {reason === 'expired' && <Alert type="warning" showIcon title={t('signIn.expired')} role="alert" />}
        {error && <Alert type="error" showIcon title={error} role="alert" data-testid="sign-in-error" />}
        <Form layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item
            label={t('signIn.keyLabel')}
            name="key"
            rules={[{ required: true, whitespace: true, message: t('signIn.keyRequired') }]}
          >
            <Input.Password autoComplete="off" spellCheck={false} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} block>
            {t('signIn.submit')}
          </Button>
        </Form>
        <Typography.Paragraph type="secondary">{t('signIn.storage')}</Typography.Paragraph>
      </Card>
    </main>
  );
}
