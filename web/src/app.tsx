// The shell: sign-in gate, antd Layout with the menu of the pages the role may see, the role and the
// language switch in the header, and each page loaded on first visit (React.lazy: charts and the
// ledger verifier are only downloaded by the pages that use them).
import type { Locale } from 'antd/es/locale/index.js';
import { App as AntApp, Button, ConfigProvider, Layout, Menu, Segmented, Space, Tag, Typography } from 'antd';
import enUS from 'antd/es/locale/en_US.js';
import zhCN from 'antd/es/locale/zh_CN.js';
import { lazy, Suspense, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { StyleProvider } from '@ant-design/cssinjs';
import { PageErrorBoundary } from './components/error-boundary.tsx';
import { Loading } from './components/query-state.tsx';
import { type Language, LANGUAGES, rememberLanguage } from './i18n.ts';
import { visiblePages } from './pages.ts';
import { SignIn } from './pages/sign-in.tsx';
import { currentSession, endSession, type Session, SIGNED_OUT_EVENT } from './session.ts';

const Overview = lazy(() => import('./pages/overview.tsx'));
const Applications = lazy(() => import('./pages/applications.tsx'));
const ApplicationDetail = lazy(() => import('./pages/application-detail.tsx'));
const Funders = lazy(() => import('./pages/funders.tsx'));
const Alerts = lazy(() => import('./pages/alerts.tsx'));
const RoutingPage = lazy(() => import('./pages/routing.tsx'));
const Canaries = lazy(() => import('./pages/canaries.tsx'));
const Ledger = lazy(() => import('./pages/ledger.tsx'));
const Simulations = lazy(() => import('./pages/simulations.tsx'));
const Settlement = lazy(() => import('./pages/settlement.tsx'));

// antd ships no package exports, so under NodeNext tsc types these ES modules as CommonJS (a
// namespace holding `default`); the bundler imports their default export, which is the Locale.
const ANTD_LOCALES = { 'zh-CN': zhCN, en: enUS } as unknown as Record<Language, Locale>;

/**
 * Zero-runtime styles under `style-src 'self'` (ADR 0097). antd 6 in zero-runtime mode writes no
 * component styles, but still writes its design tokens as CSS variables in <style> elements, which
 * the CSP refuses. The prebuilt stylesheet declares the same variables under one css-var scope;
 * the app uses that scope (the key is read from the installed antd at build time, vite.config.ts),
 * and the variables antd would write go to an element outside the document, where they are never
 * applied and the CSP never sees them.
 */
const ANTD_THEME = { zeroRuntime: true, cssVar: { key: __ANTD_CSS_VAR_KEY__ } };
const RUNTIME_STYLE_SINK = document.createElement('div');

export function Shell() {
  const { i18n } = useTranslation();
  const language = (LANGUAGES as readonly string[]).includes(i18n.language)
    ? (i18n.language as Language)
    : 'zh-CN';
  return (
    // autoInsertSpace off: antd writes two-character Chinese labels as 「登 录」, so a button's
    // accessible name would not be the string the locale holds
    <StyleProvider container={RUNTIME_STYLE_SINK}>
      <ConfigProvider locale={ANTD_LOCALES[language]} theme={ANTD_THEME} button={{ autoInsertSpace: false }}>
        <AntApp>
          <Gate />
        </AntApp>
      </ConfigProvider>
    </StyleProvider>
  );
}

function Gate() {
  const [session, setSession] = useState<Session | null>(currentSession);
  const [signedOutReason, setSignedOutReason] = useState<string | null>(null);
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(() => {
    const onSignedOut = (event: Event) => {
      setSession(null);
      setSignedOutReason((event as CustomEvent<string>).detail);
    };
    window.addEventListener(SIGNED_OUT_EVENT, onSignedOut);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, onSignedOut);
  }, []);
  if (!session) {
    if (location.pathname !== '/sign-in') {
      const back =
        location.pathname === '/' ? '' : `?next=${encodeURIComponent(location.pathname + location.search)}`;
      return <Navigate to={`/sign-in${back}`} replace />;
    }
    return (
      <SignIn
        reason={signedOutReason}
        onSignedIn={(next, target) => {
          setSession(next);
          setSignedOutReason(null);
          navigate(target, { replace: true });
        }}
      />
    );
  }
  return <Signed session={session} />;
}

function Signed({ session }: { session: Session }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const pages = visiblePages(session.role);
  const current = location.pathname.split('/')[1] ?? '';
  const allowed = new Set(pages.map((p) => p.slug));
  return (
    <Layout className="shell">
      <Layout.Sider breakpoint="lg" collapsedWidth={0} width={208}>
        <div className="shell-brand">{t('app.brand')}</div>
        <nav aria-label={t('nav.label')}>
          <Menu
            theme="dark"
            mode="inline"
            selectedKeys={[current]}
            items={pages.map((page) => ({ key: page.slug, label: t(page.titleKey) }))}
            onClick={({ key }) => navigate(`/${key}`)}
          />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header className="shell-header">
          <Typography.Text strong>{t('app.title')}</Typography.Text>
          <Space>
            <span>
              {t('app.role')}{' '}
              <Tag color="blue" data-role={session.role}>
                {t(`role.${session.role}`, session.role)}
              </Tag>
            </span>
            <Segmented
              aria-label={t('app.language')}
              value={i18n.language}
              options={LANGUAGES.map((language) => ({ value: language, label: t(`language.${language}`) }))}
              onChange={(value) => {
                rememberLanguage(value as Language);
                void i18n.changeLanguage(value as Language);
              }}
            />
            <Button onClick={() => endSession('signed-out')}>{t('app.signOut')}</Button>
          </Space>
        </Layout.Header>
        {/* antd 6 renders Layout.Content as the page's one <main> landmark */}
        <Layout.Content className="shell-content">
          <PageErrorBoundary key={location.pathname}>
            <Suspense fallback={<Loading />}>
              <Routes>
                <Route path="/" element={<Navigate to="/overview" replace />} />
                <Route path="/sign-in" element={<Navigate to="/overview" replace />} />
                {allowed.has('overview') && <Route path="/overview" element={<Overview />} />}
                {allowed.has('applications') && <Route path="/applications" element={<Applications />} />}
                {allowed.has('applications') && (
                  <Route path="/applications/:id" element={<ApplicationDetail />} />
                )}
                {allowed.has('funders') && <Route path="/funders" element={<Funders />} />}
                {allowed.has('alerts') && <Route path="/alerts" element={<Alerts />} />}
                {allowed.has('alerts') && <Route path="/alerts/:funderId" element={<Alerts />} />}
                {allowed.has('routing') && <Route path="/routing" element={<RoutingPage />} />}
                {allowed.has('canaries') && <Route path="/canaries" element={<Canaries />} />}
                {allowed.has('ledger') && <Route path="/ledger" element={<Ledger />} />}
                {allowed.has('simulations') && <Route path="/simulations" element={<Simulations />} />}
                {allowed.has('simulations') && <Route path="/simulations/:id" element={<Simulations />} />}
                {allowed.has('settlement') && <Route path="/settlement" element={<Settlement />} />}
                {allowed.has('settlement') && (
                  <Route path="/settlement/:statementId" element={<Settlement />} />
                )}
                <Route path="*" element={<NotFound />} />
              </Routes>
            </Suspense>
          </PageErrorBoundary>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}

function NotFound() {
  const { t } = useTranslation();
  return <Typography.Paragraph role="alert">{t('app.notFound')}</Typography.Paragraph>;
}
