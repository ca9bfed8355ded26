import { Component, StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { configureApi } from './data/api.js';
import { navigate, useLocation } from './router.js';
import { Empty, ErrorBox } from './components/state.js';
import { RunsPage } from './pages/runs-page.js';
import { RunPage } from './pages/run-page.js';
import { ComparePage } from './pages/compare-page.js';
import { DatasetPage, DatasetsPage } from './pages/datasets-page.js';
import { ModelPage, ModelsPage } from './pages/models-page.js';
import { PipelinesPage } from './pages/pipelines-page.js';
import { ModelMonitorPage, MonitoringPage } from './pages/monitoring-page.js';
import './styles.css';

// A server started with SLIPWAY_TOKEN needs the token on API calls; the user pastes it once (kept in this browser).
configureApi({ token: localStorage.getItem('slipway.token') });

const NAV: [string, string][] = [
  ['/runs', 'Runs'],
  ['/compare', 'Compare'],
  ['/datasets', 'Datasets'],
  ['/models', 'Models'],
  ['/pipelines', 'Pipelines'],
  ['/monitoring', 'Monitoring'],
];

function route(path: string, query: URLSearchParams): ReactNode {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [page, arg] = parts;
  switch (page) {
    case undefined:
    case 'runs':
      return arg ? <RunPage id={arg} /> : <RunsPage query={query} />;
    case 'compare':
      return <ComparePage query={query} />;
    case 'datasets':
      return arg ? <DatasetPage name={arg} query={query} /> : <DatasetsPage />;
    case 'models':
      return arg ? <ModelPage name={arg} query={query} /> : <ModelsPage />;
    case 'pipelines':
      return <PipelinesPage />;
    case 'monitoring':
      return arg ? <ModelMonitorPage model={arg} query={query} /> : <MonitoringPage />;
    default:
      return <Empty title={`No page at ${path}.`} hint="Pick one from the menu above." testId="not-found" />;
  }
}

/** Catches a page's render error so the rest of the app (menu, other pages) keeps working. */
class Boundary extends Component<{ children: ReactNode; resetKey: string }, { error: unknown }> {
  override state: { error: unknown } = { error: undefined };
  static getDerivedStateFromError(error: unknown): { error: unknown } {
    return { error };
  }
  override componentDidUpdate(prev: { resetKey: string }): void {
    if (prev.resetKey !== this.props.resetKey && this.state.error !== undefined) this.setState({ error: undefined });
  }
  override render(): ReactNode {
    return this.state.error !== undefined ? <ErrorBox error={this.state.error} /> : this.props.children;
  }
}

function App(): ReactNode {
  const loc = useLocation();
  const section = `/${loc.path.split('/')[1] || 'runs'}`;
  return (
    <>
      <header>
        <a
          className="brand"
          href="/runs"
          onClick={(e) => {
            e.preventDefault();
            navigate('/runs');
          }}
        >
          Slipway
        </a>
        <nav data-testid="nav">
          {NAV.map(([href, label]) => (
            <a
              key={href}
              href={href}
              className={section === href ? 'active' : ''}
              data-testid={`nav-${label.toLowerCase()}`}
              onClick={(e) => {
                e.preventDefault();
                navigate(href);
              }}
            >
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main>
        <Boundary resetKey={loc.path}>{route(loc.path, loc.query)}</Boundary>
      </main>
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
